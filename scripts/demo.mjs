// `npm run demo`: the action's main job on the example DuckDB project, locally.
// 1. a production deploy (raw data loaded, everything built into the prod schema) whose
//    manifest becomes the baseline; 2. a pull request's edit to one model; 3. the bundled
//    action's slim build deferring to production; 4. the summary it would post.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const venvBin = join(process.env.DBT_DEFER_TEST_VENV ?? join(root, '.venv'), 'bin')
const dbt = join(venvBin, 'dbt')
const work = join(root, '.tmp', 'demo')
const project = join(work, 'project')
const baseline = join(work, 'production-baseline')
const runner = join(work, 'runner')

const dbtEnv = {
  ...process.env,
  PATH: `${venvBin}:${process.env.PATH}`,
  DBT_PROFILES_DIR: project,
  DBT_DUCKDB_PATH: join(project, 'warehouse.duckdb'),
  DBT_SEND_ANONYMOUS_USAGE_STATS: 'false'
}

function step(title) {
  console.log(`\n\x1b[1m== ${title}\x1b[0m`)
}

function dbtOrDie(args) {
  console.log(`$ dbt ${args.join(' ')}`)
  const r = spawnSync(dbt, args, { cwd: project, env: dbtEnv, encoding: 'utf8' })
  const done = (r.stdout ?? '').split('\n').filter((l) => /Done\.|Completed|ERROR/.test(l))
  console.log(done.join('\n'))
  if (r.status !== 0) {
    console.error(r.stdout, r.stderr)
    process.exit(r.status ?? 1)
  }
}

function inputEnv() {
  const action = parse(readFileSync(join(root, 'action.yml'), 'utf8'))
  const env = {}
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = String(spec.default ?? '')
    env[`INPUT_${name.toUpperCase()}`] = value.includes('${{') ? '' : value
  }
  const given = {
    'project-dir': project,
    'profiles-dir': project,
    target: 'ci',
    'state-path': baseline,
    'dbt-executable': dbt,
    comment: 'false',
    'ci-schema': 'dbt_ci_demo'
  }
  for (const [name, value] of Object.entries(given)) env[`INPUT_${name.toUpperCase()}`] = value
  return env
}

step('Setting up a scratch copy of example/')
rmSync(work, { recursive: true, force: true })
mkdirSync(runner, { recursive: true })
cpSync(join(root, 'example'), project, {
  recursive: true,
  filter: (src) => !/\/(target|logs|dbt_packages)$|\.duckdb(\.wal)?$/.test(src)
})

step('Production deploy: load raw data, build everything into the prod schema')
dbtOrDie(['seed', '--target', 'prod', '--select', 'path:seeds/raw'])
dbtOrDie(['build', '--target', 'prod'])
mkdirSync(baseline, { recursive: true })
cpSync(join(project, 'target', 'manifest.json'), join(baseline, 'manifest.json'))
console.log(`Saved the production manifest as the baseline: ${join(baseline, 'manifest.json')}`)

step('A pull request edits models/marts/customers.sql (a new column)')
const model = join(project, 'models', 'marts', 'customers.sql')
writeFileSync(
  model,
  readFileSync(model, 'utf8').replace(
    'coalesce(t.lifetime_value, 0) as lifetime_value',
    'coalesce(t.lifetime_value, 0) as lifetime_value,\n    coalesce(t.order_count, 0) > 1 as is_repeat_customer'
  )
)

step('The action: slim build of what changed, deferring to production')
const files = { output: join(runner, 'output'), summary: join(runner, 'summary.md') }
writeFileSync(files.output, '')
writeFileSync(files.summary, '')
const action = spawnSync(process.execPath, [join(root, 'dist', 'index.js')], {
  cwd: project,
  encoding: 'utf8',
  env: {
    ...dbtEnv,
    ...inputEnv(),
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_WORKSPACE: project,
    RUNNER_TEMP: join(runner, 'temp'),
    GITHUB_EVENT_NAME: 'workflow_dispatch'
  }
})
process.stdout.write(action.stdout)
process.stderr.write(action.stderr)

step('The summary the action would post')
console.log(readFileSync(files.summary, 'utf8'))
step('Step outputs')
console.log(
  readFileSync(files.output, 'utf8')
    .replace(/<<ghadelimiter_[^\n]+\n/g, ': ')
    .replace(/\nghadelimiter_[^\n]+/g, '')
)
process.exit(action.status ?? 1)
