// Shared by the benchmarks: a deployed copy of the example project (DuckDB), the bundled action
// run on it as the runner starts it, medians, and the machine's description.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

export const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))))
const venv = process.env.DBT_DEFER_TEST_VENV ?? join(root, '.venv')
export const dbt = join(venv, 'bin', 'dbt')

/** A copy of example/ deployed to its prod schema, with the deploy's manifest kept aside. */
export function deployedExample() {
  const work = mkdtempSync(join(tmpdir(), 'dbt-defer-bench-'))
  const project = join(work, 'project')
  cpSync(join(root, 'example'), project, { recursive: true, filter: (src) => !/\/(target|logs|dbt_packages|warehouse\.duckdb)$/.test(src) })
  const env = {
    ...process.env,
    PATH: `${join(venv, 'bin')}:${process.env.PATH}`,
    DBT_PROFILES_DIR: project,
    DBT_DUCKDB_PATH: join(project, 'warehouse.duckdb'),
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false'
  }
  const dbtOk = (args) => {
    const r = spawnSync(dbt, args, { cwd: project, env, encoding: 'utf8' })
    if (r.status !== 0) throw new Error(`dbt ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`)
    return r.stdout
  }
  dbtOk(['seed', '--target', 'prod', '--select', 'path:seeds/raw'])
  dbtOk(['build', '--target', 'prod'])
  const state = join(work, 'prod-state', 'manifest.json')
  mkdirSync(dirname(state))
  cpSync(join(project, 'target', 'manifest.json'), state)
  const edit = (relative, change) => writeFileSync(join(project, relative), change(readFileSync(join(project, relative), 'utf8')))
  const git = (...args) =>
    execFileSync('git', args, {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@e', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@e' }
    }).trim()
  return { work, project, env, state, dbtOk, edit, git }
}

let runs = 0
/** One run of the bundled action with these inputs; returns its wall time (s), outputs text, log and report. */
export function runAction(example, inputs, extraEnv = {}) {
  const dir = mkdtempSync(join(example.work, 'runner-'))
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md'), temp: join(dir, 'temp') }
  mkdirSync(files.temp)
  writeFileSync(files.output, '')
  writeFileSync(files.summary, '')
  const all = {
    'project-dir': example.project,
    'profiles-dir': example.project,
    target: 'ci',
    'state-path': example.state,
    'dbt-executable': dbt,
    comment: 'false',
    'ci-schema': `dbt_ci_bench_${++runs}`,
    ...inputs
  }
  const env = { ...example.env, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary }
  Object.assign(env, { GITHUB_WORKSPACE: example.project, GITHUB_EVENT_NAME: 'workflow_dispatch', RUNNER_TEMP: files.temp }, extraEnv)
  for (const [name, value] of Object.entries(all)) env[`INPUT_${name.toUpperCase()}`] = value
  const started = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [join(root, 'dist', 'index.js')], { cwd: example.project, env, encoding: 'utf8' })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const outputs = readFileSync(files.output, 'utf8')
  if (r.status !== 0 || !outputs.includes('success<<')) throw new Error(`the action failed:\n${r.stdout}${r.stderr}`)
  const reportPath = /report-path<<(\S+)\n(.+)/.exec(outputs)?.[2]
  return { seconds, outputs, log: `${r.stdout}${r.stderr}`, report: reportPath ? JSON.parse(readFileSync(reportPath, 'utf8')) : null }
}

/** The median. */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

/** Runs each of `runs` once per round, `pairs` rounds, the order rotating; the results of each. */
export function alternate(pairs, ...runs) {
  const results = runs.map(() => [])
  for (let i = 0; i < pairs; i++) {
    // Each round starts one further along, so no run always goes first.
    for (let k = 0; k < runs.length; k++) {
      const j = (i + k) % runs.length
      results[j].push(runs[j]())
    }
  }
  return results
}

/** The machine, Node and dbt, one line. */
export function machine(example) {
  const version =
    example
      .dbtOk(['--version'])
      .split('\n')
      .find((l) => l.includes('installed')) ?? ''
  return `machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}; dbt ${version.trim()}`
}
