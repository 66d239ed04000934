// A generated dbt project of any size on DuckDB, for the benchmarks that need more models than
// the example has: `models` views in a binary tree (model i reads model (i-1)/2, the root reads a
// seed), a not_null test on every 20th, deployed to its prod schema by real dbt.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { dbt, root } from './example.mjs'

const venvBin = dirname(dbt)

const name = (i) => `m_${String(i).padStart(5, '0')}`

/** Writes the project's files into `dir`. */
function writeProject(dir, models) {
  mkdirSync(join(dir, 'models'), { recursive: true })
  mkdirSync(join(dir, 'seeds'), { recursive: true })
  writeFileSync(
    join(dir, 'dbt_project.yml'),
    'name: generated\nversion: "1.0.0"\nconfig-version: 2\nprofile: generated\nmodels:\n  generated:\n    +materialized: view\n'
  )
  const target = (schema) =>
    `    ${schema === 'prod' ? 'prod' : 'ci'}:\n      type: duckdb\n      path: "{{ env_var('DBT_DUCKDB_PATH') }}"\n      schema: ${schema}\n      threads: 4\n`
  writeFileSync(
    join(dir, 'profiles.yml'),
    `generated:\n  target: ci\n  outputs:\n${target('prod')}${target("\"{{ env_var('DBT_CI_SCHEMA', 'ci') }}\"")}`
  )
  writeFileSync(join(dir, 'seeds', 'raw_items.csv'), `id,value\n${Array.from({ length: 10 }, (_, i) => `${i},${i * 3}`).join('\n')}\n`)
  const tests = []
  for (let i = 0; i < models; i++) {
    const parent = i === 0 ? "ref('raw_items')" : `ref('${name(Math.floor((i - 1) / 2))}')`
    writeFileSync(join(dir, 'models', `${name(i)}.sql`), `select id, value + ${i} as value\nfrom {{ ${parent} }}\n`)
    if (i % 20 === 0) tests.push(`  - name: ${name(i)}\n    columns:\n      - name: id\n        data_tests: [not_null]\n`)
  }
  writeFileSync(join(dir, 'models', '_models.yml'), `version: 2\nmodels:\n${tests.join('')}`)
}

/**
 * A generated project of `models` models, deployed to prod, with the deploy's manifest kept
 * aside; `edit(i)` changes model i the way a pull request would.
 */
export function generatedProject(models) {
  const work = mkdtempSync(join(tmpdir(), 'dbt-defer-bench-gen-'))
  const project = join(work, 'project')
  writeProject(project, models)
  const env = {
    ...process.env,
    PATH: `${venvBin}:${process.env.PATH}`,
    DBT_PROFILES_DIR: project,
    DBT_DUCKDB_PATH: join(project, 'warehouse.duckdb'),
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false'
  }
  const dbtRun = (args, extraEnv = {}) => {
    const started = process.hrtime.bigint()
    const r = spawnSync(dbt, args, { cwd: project, env: { ...env, ...extraEnv }, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 })
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    if (r.status !== 0) throw new Error(`dbt ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`)
    return { seconds, output: r.stdout }
  }
  dbtRun(['seed', '--target', 'prod'])
  dbtRun(['build', '--target', 'prod'])
  const state = join(work, 'prod-state', 'manifest.json')
  mkdirSync(dirname(state))
  cpSync(join(project, 'target', 'manifest.json'), state)
  const edit = (i) => {
    const file = join(project, 'models', `${name(i)}.sql`)
    writeFileSync(file, readFileSync(file, 'utf8').replace('as value', 'as value, id * 2 as doubled'))
  }
  return { work, project, env, state, dbtRun, dbtOk: (args) => dbtRun(args).output, edit, root, models }
}
