// A generated dbt project of any size on DuckDB, for the benchmarks that need more models than
// the example has: `models` views in a binary tree (model i reads model (i-1)/2, the root reads a
// seed), a not_null test on every 20th, deployed to its prod schema by real dbt. With `wide`, each
// model is a 20-line select of the size of a typical project's (a CTE per parent, the seed
// joined, derived columns) instead of one line.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { dbt, root } from './example.mjs'

const venvBin = dirname(dbt)

const name = (i) => `m_${String(i).padStart(5, '0')}`

/** A model of typical length: its parent and the seed, each in a CTE, joined, with derived columns. */
function wideSql(i, parent) {
  return `-- model ${i}: one row per id, enriched from the seed
with upstream as (
    select id, value
    from {{ ${parent} }}
),

items as (
    select id as item_id, value as item_value
    from {{ ref('raw_items') }}
)

select
    upstream.id,
    upstream.value + ${i} as value,
    coalesce(items.item_value, 0) as item_value,
    case when upstream.value > ${i % 7} then 'high' else 'low' end as band,
    upstream.value * 2 - coalesce(items.item_value, 0) as spread
from upstream
left join items on items.item_id = upstream.id
`
}

/** Writes the project's files into `dir`. */
function writeProject(dir, models, wide) {
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
    const sql = wide ? wideSql(i, parent) : `select id, value + ${i} as value\nfrom {{ ${parent} }}\n`
    writeFileSync(join(dir, 'models', `${name(i)}.sql`), sql)
    if (i % 20 === 0) tests.push(`  - name: ${name(i)}\n    columns:\n      - name: id\n        data_tests: [not_null]\n`)
  }
  writeFileSync(join(dir, 'models', '_models.yml'), `version: 2\nmodels:${tests.length ? `\n${tests.join('')}` : ' []\n'}`)
}

/** Writes a project with `writeModels(dir)`, deploys it to prod with real dbt and keeps the deploy's manifest aside. */
function deployed(writeModels) {
  const work = mkdtempSync(join(tmpdir(), 'dbt-defer-bench-gen-'))
  const project = join(work, 'project')
  writeModels(project)
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
  const editFile = (relative, change) => writeFileSync(join(project, relative), change(readFileSync(join(project, relative), 'utf8')))
  return { work, project, env, state, dbtRun, dbtOk: (args) => dbtRun(args).output, editFile, root }
}

/**
 * A generated project of `models` models, deployed to prod, with the deploy's manifest kept
 * aside; `edit(i)` changes model i the way a pull request would. `wide`: models of typical length.
 */
export function generatedProject(models, { wide = false } = {}) {
  const p = deployed((dir) => writeProject(dir, models, wide))
  const edit = (i) => p.editFile(join('models', `${name(i)}.sql`), (sql) => sql.replace('as value', 'as value, id * 2 as doubled'))
  return { ...p, edit, models }
}

/**
 * A chain of `k` ephemeral diamonds over a table `base` (from the seed): layer i holds two
 * ephemeral models, each reading both models of layer i-1; `top` (a table) reads both models of
 * layer k. Deployed to prod; `editTop()` changes top the way a pull request would.
 */
export function diamondProject(k) {
  const p = deployed((dir) => {
    writeProject(dir, 0, false)
    const model = (file, sql) => writeFileSync(join(dir, 'models', `${file}.sql`), sql)
    model('base', "{{ config(materialized='table') }}\nselect id, value from {{ ref('raw_items') }}\n")
    let below = ['base', 'base']
    for (let i = 1; i <= k; i++) {
      for (const side of ['a', 'b']) {
        model(
          `e${i}${side}`,
          `{{ config(materialized='ephemeral') }}\nselect * from {{ ref('${below[0]}') }}\nunion all\nselect * from {{ ref('${below[1]}') }}\n`
        )
      }
      below = [`e${i}a`, `e${i}b`]
    }
    model(
      'top',
      `{{ config(materialized='table') }}\nselect count(*) as n from {{ ref('${below[0]}') }}\nunion all\nselect count(*) from {{ ref('${below[1]}') }}\n`
    )
  })
  const editTop = () => p.editFile(join('models', 'top.sql'), (sql) => sql.replace('as n', 'as n_rows'))
  return { ...p, editTop, k }
}
