import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cpSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { RunResults } from '../src/dbt/artifact-types.js'
import { ActionsCacheServer } from './fakes/actions-cache-server.js'
import { tempDir } from './fakes/baseline-fixtures.js'
import { addRepeatCustomerColumn, ExampleProject } from './helpers/example-project.js'
import { localProjectInputs, runAction, type ActionRun } from './helpers/run-action.js'

// dbt's partial-parse file kept across the jobs of a pull request in the actions cache (a fake
// cache service on 127.0.0.1, the real @actions/cache inside dist/index.js). Each job is a fresh
// checkout and an emptied RUNNER_TEMP, as on a runner. Whatever the cache holds (nothing, a file
// of an older push, a file made under another CI schema), dbt must select and compile exactly
// what it does without the cache; what dbt said of the file shows whether it used it.

const PR = 7
let server: ActionsCacheServer
let production: ExampleProject
let baseline: string
let runnerTemp: string
let workspace: string
let runs = 0

beforeAll(async () => {
  server = await ActionsCacheServer.start()
  production = ExampleProject.create()
  baseline = await production.deploy('prod')
  const runner = tempDir('e2e-parse-cache')
  runnerTemp = join(runner, '_temp')
  workspace = join(runner, 'work', 'shop')
}, 240_000)

afterAll(async () => {
  await server?.close()
})

/**
 * One job of the pull request: `checkout` copied to the same workspace path every time (a
 * runner's workspace path does not change between jobs, and dbt's profile hash holds the DuckDB
 * file's path), with an emptied RUNNER_TEMP.
 */
async function job(checkout: ExampleProject, inputs: Record<string, string> = {}): Promise<ActionRun> {
  rmSync(runnerTemp, { recursive: true, force: true })
  mkdirSync(runnerTemp, { recursive: true })
  rmSync(workspace, { recursive: true, force: true })
  cpSync(checkout.dir, workspace, { recursive: true, filter: (src) => !src.endsWith('/target') })
  return runAction({
    inputs: {
      ...localProjectInputs(checkout, baseline),
      'project-dir': workspace,
      'profiles-dir': workspace,
      'github-token': 'ghs_unused',
      ...inputs
    },
    workspace,
    eventName: 'pull_request',
    event: { number: PR, pull_request: { number: PR, head: { sha: 'f'.repeat(40) } } },
    env: {
      ...server.env('v2'),
      RUNNER_TEMP: runnerTemp,
      GITHUB_REPOSITORY: 'octo/shop',
      GITHUB_RUN_ID: String(5000 + ++runs),
      GITHUB_API_URL: 'http://127.0.0.1:9',
      DBT_DUCKDB_PATH: join(workspace, 'warehouse.duckdb')
    }
  })
}

/** What dbt selected and the SQL it compiled for each node. */
function built(run: ActionRun): Record<string, string> {
  expect({ code: run.code, log: run.code === 0 ? '' : run.log }).toEqual({ code: 0, log: '' })
  const results = JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
  return Object.fromEntries(results.results.map((r) => [r.unique_id, r.compiled_code ?? '']))
}

function parseEntries(): string[] {
  return server
    .entries()
    .map((e) => e.key)
    .filter((k) => k.startsWith('dbt-defer-parse-'))
}

describe("dbt's partial-parse file across the jobs of a pull request", () => {
  let firstPush: ExampleProject
  let secondPush: ExampleProject

  beforeAll(() => {
    firstPush = production.clone()
    addRepeatCustomerColumn(firstPush)
    secondPush = firstPush.clone()
    secondPush.edit('models/marts/orders.sql', (sql) => sql.replace('o.status,', 'o.status,\n    o.order_date is not null as has_date,'))
  })

  it('the first push parses in full and saves the file under the pull request', async () => {
    const run = await job(firstPush)
    const cached = built(run)
    expect(run.log).toContain('No partial-parse file of this pull request in the actions cache')
    expect(run.log).toContain('Unable to do partial parsing because saved manifest not found')
    expect(parseEntries()).toEqual([expect.stringMatching(new RegExp(`^dbt-defer-parse-v1-jaffle_shop-[0-9a-f]{8}-ci-pr${PR}-\\d+-1$`))])
    expect(cached).toEqual(built(await job(firstPush, { 'parse-cache': 'false' })))
  }, 240_000)

  it('the second push restores it: dbt partial-parses the changed files and builds exactly what it builds without the cache', async () => {
    const run = await job(secondPush)
    expect(run.log).toMatch(/Restored dbt's partial-parse file from the actions cache \(dbt-defer-parse-v1-.*-pr7-/)
    // dbt used the file: it did not start a full parse for any reason.
    expect(run.log).not.toContain('Unable to do partial parsing')
    expect(run.log).not.toContain('Starting full parse')
    const cached = built(run)
    expect(Object.keys(cached)).toContain('model.jaffle_shop.orders')
    expect(Object.keys(cached)).toContain('model.jaffle_shop.customers')
    const fresh = built(await job(secondPush, { 'parse-cache': 'false' }))
    expect(cached).toEqual(fresh)
    expect(parseEntries()).toHaveLength(2)
  }, 240_000)

  it('a file made under another CI schema is refused by dbt, which parses in full and builds the same', async () => {
    const other = { 'ci-schema': 'dbt_ci_other_{pr}' }
    const run = await job(secondPush, other)
    expect(run.log).toContain("Restored dbt's partial-parse file")
    expect(run.log).toContain('Unable to do partial parsing because profile has changed')
    const cached = built(run)
    expect(cached['model.jaffle_shop.customers']).toContain('"warehouse"."dbt_ci_other_7"."orders"')
    expect(cached).toEqual(built(await job(secondPush, { ...other, 'parse-cache': 'false' })))
  }, 240_000)

  it('with parse-cache: false neither restores nor saves', async () => {
    const before = parseEntries().length
    const run = await job(secondPush, { 'parse-cache': 'false' })
    expect(run.code).toBe(0)
    expect(run.log).not.toContain('partial-parse file')
    expect(parseEntries()).toHaveLength(before)
  }, 240_000)
})
