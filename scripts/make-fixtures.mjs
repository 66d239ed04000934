// `npm run fixtures`: records the artifacts of a real slim CI run of the example project on
// DuckDB into __tests__/fixtures/recorded/. Never edit those files by hand; run this again.
//
// 1. a copy of example/ in a temp directory; a production deploy (raw data seeded, then
//    `dbt build --target prod`), whose target/manifest.json is kept as the baseline;
// 2. the pull request's edit of the demo (a new column in models/marts/customers.sql);
// 3. the CI build `dbt build -s state:modified --defer --state prod-state --target ci` with
//    DBT_CI_SCHEMA=dbt_ci_pr_1, as the action runs it.
//
// Written: baseline/manifest.json, ci/manifest.json, ci/run_results.json (as dbt wrote them) and
// meta.json (versions, each step's argv and exit code). The one post-processing step: the temp
// project directory, which dbt writes into the artifacts as an absolute path, is replaced by
// the placeholder {{PROJECT_DIR}}, so a rerun differs only where dbt's own output differs
// (invocation ids, timestamps, timings). Readers substitute a directory of their own for it.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const venvBin = join(process.env.DBT_DEFER_TEST_VENV ?? join(root, '.venv'), 'bin')
const dbt = join(venvBin, 'dbt')
const out = join(root, '__tests__', 'fixtures', 'recorded')

/** The placeholder standing for the project directory of the recorded run. */
const PROJECT_DIR = '{{PROJECT_DIR}}'
/** The baseline's directory, relative to the project (dbt resolves --state from there). */
const STATE_DIR = 'prod-state'
const CI_SCHEMA = 'dbt_ci_pr_1'

const PROD_STEPS = [
  ['seed', '--target', 'prod', '--select', 'path:seeds/raw'],
  ['build', '--target', 'prod']
]
const CI_ARGS = ['build', '-s', 'state:modified', '--defer', '--state', STATE_DIR, '--target', 'ci']

const scratch = mkdtempSync(join(tmpdir(), 'dbt-defer-fixtures-'))
const project = join(scratch, 'project')

function dbtEnv(extra = {}) {
  return {
    ...process.env,
    PATH: `${venvBin}:${process.env.PATH}`,
    DBT_PROFILES_DIR: project,
    DBT_DUCKDB_PATH: join(project, 'warehouse.duckdb'),
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
    DBT_PARTIAL_PARSE: 'false',
    ...extra
  }
}

/** Runs dbt in the project copy; returns the step's record for meta.json. */
function runDbt(args, env = {}) {
  const assignments = Object.entries(env).map(([k, v]) => `${k}=${v} `)
  console.log(`$ ${assignments.join('')}dbt ${args.join(' ')}`)
  const r = spawnSync(dbt, args, { cwd: project, env: dbtEnv(env), encoding: 'utf8' })
  if (r.error) throw new Error(`could not start ${dbt}: ${r.error.message} (run this through 'npm run fixtures')`)
  const summary = (r.stdout ?? '').split('\n').filter((l) => /Done\.|Completed|ERROR/.test(l))
  console.log(summary.join('\n'))
  return { argv: ['dbt', ...args], env, exitCode: r.status ?? 1, output: `${r.stdout}\n${r.stderr}` }
}

function mustSucceed(step) {
  if (step.exitCode === 0) return step
  console.error(step.output)
  throw new Error(`${step.argv.join(' ')} exited with ${step.exitCode}`)
}

function copyExample() {
  cpSync(join(root, 'example'), project, {
    recursive: true,
    filter: (src) => !/\/(target|logs|dbt_packages)$|\.duckdb(\.wal)?$/.test(src)
  })
}

/** The demo's pull request: a new column in the customers mart. */
function editCustomers() {
  const model = join(project, 'models', 'marts', 'customers.sql')
  const sql = readFileSync(model, 'utf8')
  const edited = sql.replace(
    'coalesce(t.lifetime_value, 0) as lifetime_value',
    'coalesce(t.lifetime_value, 0) as lifetime_value,\n    coalesce(t.order_count, 0) > 1 as is_repeat_customer'
  )
  if (edited === sql) throw new Error(`${model} no longer holds the line the edit changes: update editCustomers().`)
  writeFileSync(model, edited)
  return 'models/marts/customers.sql: new column is_repeat_customer'
}

/** An artifact's text with the project directory replaced by the placeholder. */
function stable(file) {
  return readFileSync(file, 'utf8').replaceAll(project, PROJECT_DIR)
}

function record(name, text) {
  const file = join(out, name)
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, text)
  console.log(`wrote ${relative(root, file)} (${(statSync(file).size / 1024).toFixed(0)} KiB)`)
}

function packageVersions() {
  const code = "import importlib.metadata as m, json; print(json.dumps({p: m.version(p) for p in ['dbt-core', 'dbt-duckdb']}))"
  return JSON.parse(spawnSync(join(venvBin, 'python'), ['-c', code], { encoding: 'utf8' }).stdout)
}

function main() {
  copyExample()
  const production = PROD_STEPS.map((args) => mustSucceed(runDbt(args)))
  const baseline = stable(join(project, 'target', 'manifest.json'))
  mkdirSync(join(project, STATE_DIR))
  cpSync(join(project, 'target', 'manifest.json'), join(project, STATE_DIR, 'manifest.json'))
  const edit = editCustomers()
  const ci = runDbt(CI_ARGS, { DBT_CI_SCHEMA: CI_SCHEMA })
  if (ci.exitCode > 1) mustSucceed(ci) // 1 (a node failed) still leaves artifacts worth recording
  rmSync(out, { recursive: true, force: true })
  record('baseline/manifest.json', baseline)
  record('ci/manifest.json', stable(join(project, 'target', 'manifest.json')))
  record('ci/run_results.json', stable(join(project, 'target', 'run_results.json')))
  const step = ({ argv, env, exitCode }) => ({ argv, env, exitCode })
  const meta = {
    generator: 'scripts/make-fixtures.mjs (npm run fixtures); regenerate, never edit',
    versions: packageVersions(),
    projectDir: PROJECT_DIR,
    production: production.map(step),
    baseline: { from: 'target/manifest.json of the production build', stateDir: STATE_DIR },
    edit,
    ci: step(ci)
  }
  record('meta.json', `${JSON.stringify(meta, null, 2)}\n`)
}

try {
  main()
} finally {
  rmSync(scratch, { recursive: true, force: true })
}
