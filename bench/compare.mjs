#!/usr/bin/env node
// What the data comparison costs: the bundled action (dist/index.js) run on the example project
// (DuckDB) after a production deploy, with `compare: true` and `compare: false` alternately, each
// run in a fresh CI schema, on two PRs: one that adds a column to `customers` (1 model compared),
// then one that also edits four more models (5 compared). Prints the median wall time of each and
// their ratio. `--quick`: 2 pairs instead of 5.
//
//   npm run bench [-- --quick]
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const venv = process.env.DBT_DEFER_TEST_VENV ?? join(root, '.venv')
const dbt = join(venv, 'bin', 'dbt')
const pairs = process.argv.includes('--quick') ? 2 : 5

const work = mkdtempSync(join(tmpdir(), 'dbt-defer-bench-'))
const project = join(work, 'project')
cpSync(join(root, 'example'), project, { recursive: true, filter: (src) => !/\/(target|logs|dbt_packages|warehouse\.duckdb)$/.test(src) })
const dbtEnv = {
  ...process.env,
  PATH: `${join(venv, 'bin')}:${process.env.PATH}`,
  DBT_PROFILES_DIR: project,
  DBT_DUCKDB_PATH: join(project, 'warehouse.duckdb'),
  DBT_SEND_ANONYMOUS_USAGE_STATS: 'false'
}

function dbtOk(args) {
  const r = spawnSync(dbt, args, { cwd: project, env: dbtEnv, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`dbt ${args.join(' ')} failed:\n${r.stdout}${r.stderr}`)
  return r.stdout
}

// The production deploy, and its manifest as the deploy would publish it.
dbtOk(['seed', '--target', 'prod', '--select', 'path:seeds/raw'])
dbtOk(['build', '--target', 'prod'])
const state = join(work, 'prod-state')
mkdirSync(state)
cpSync(join(project, 'target', 'manifest.json'), join(state, 'manifest.json'))

function edit(relative, change) {
  const file = join(project, relative)
  writeFileSync(file, change(readFileSync(file, 'utf8')))
}

/** The PRs, each on top of the one before: a new column in customers; then four more models edited. */
const prs = [
  {
    name: '1 model (customers: a column added)',
    models: 1,
    apply: () =>
      edit('models/marts/customers.sql', (sql) =>
        sql.replace(
          'coalesce(t.lifetime_value, 0) as lifetime_value',
          'coalesce(t.lifetime_value, 0) as lifetime_value,\n    coalesce(t.order_count, 0) > 1 as is_repeat_customer'
        )
      )
  },
  {
    name: '5 models (also orders, dim_customers v1 and v2, stg_payments)',
    models: 5,
    apply: () => {
      edit('models/marts/orders.sql', (sql) => `-- one row per order\n${sql}`)
      edit('models/marts/dim_customers_v1.sql', (sql) => `-- the pinned version\n${sql}`)
      edit('models/marts/dim_customers_v2.sql', (sql) => `${sql.trimEnd()}\nwhere country_code <> 'US'\n`)
      edit('models/staging/stg_payments.sql', (sql) => `-- amounts are in cents upstream\n${sql}`)
    }
  }
]

let runs = 0
/** One run of the bundled action, as the runner starts it; returns its wall time in seconds. */
function runAction(compare, models) {
  const dir = mkdtempSync(join(work, 'runner-'))
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md'), temp: join(dir, 'temp') }
  mkdirSync(files.temp)
  writeFileSync(files.output, '')
  writeFileSync(files.summary, '')
  const inputs = {
    'project-dir': project,
    'profiles-dir': project,
    target: 'ci',
    'state-path': join(state, 'manifest.json'),
    'dbt-executable': dbt,
    comment: 'false',
    'ci-schema': `dbt_ci_bench_${++runs}`,
    compare: String(compare)
  }
  const env = { ...dbtEnv, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: files.output, GITHUB_STEP_SUMMARY: files.summary }
  Object.assign(env, { GITHUB_WORKSPACE: project, GITHUB_EVENT_NAME: 'workflow_dispatch', RUNNER_TEMP: files.temp })
  for (const [name, value] of Object.entries(inputs)) env[`INPUT_${name.toUpperCase()}`] = value
  const started = process.hrtime.bigint()
  const r = spawnSync(process.execPath, [join(root, 'dist', 'index.js')], { cwd: project, env, encoding: 'utf8' })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const outputs = readFileSync(files.output, 'utf8')
  if (r.status !== 0 || !outputs.includes('success<<')) throw new Error(`the action failed:\n${r.stdout}${r.stderr}`)
  const compared = /data-models-compared<<(\S+)\n(\d+)/.exec(outputs)?.[2]
  if (compared !== String(compare ? models : 0)) throw new Error(`compare: ${compare} compared ${compared} models, not ${models}`)
  return seconds
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

const results = []
for (const pr of prs) {
  pr.apply()
  runAction(true, pr.models) // warm-up: the first run of a PR pays for a cold disk cache and a full parse
  const on = []
  const off = []
  for (let i = 0; i < pairs; i++) {
    // Alternate which goes first, so a slow moment hits both sides alike.
    if (i % 2 === 0) {
      on.push(runAction(true, pr.models))
      off.push(runAction(false, pr.models))
    } else {
      off.push(runAction(false, pr.models))
      on.push(runAction(true, pr.models))
    }
  }
  results.push({ pr, on, off })
}
const version =
  dbtOk(['--version'])
    .split('\n')
    .find((l) => l.includes('installed')) ?? ''
console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}; dbt ${version.trim()}`)
for (const { pr, on, off } of results) {
  console.log(`\nPR: ${pr.name}`)
  console.log(`runs of the action with compare: true  (s): ${on.map((x) => x.toFixed(2)).join(' ')}`)
  console.log(`runs of the action with compare: false (s): ${off.map((x) => x.toFixed(2)).join(' ')}`)
  console.log(`median compare: true  ${median(on).toFixed(2)} s`)
  console.log(`median compare: false ${median(off).toFixed(2)} s`)
  console.log(
    `ratio ${(median(on) / median(off)).toFixed(2)}x, cost of the comparison ${(median(on) - median(off)).toFixed(2)} s (${pairs} pairs)`
  )
}
