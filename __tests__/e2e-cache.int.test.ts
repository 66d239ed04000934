import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { RunResults } from '../src/dbt/artifact-types.js'
import { ActionsCacheServer, type CacheProtocol } from './fakes/actions-cache-server.js'
import { tempDir } from './fakes/baseline-fixtures.js'
import { addRepeatCustomerColumn, ExampleProject } from './helpers/example-project.js'
import { dbtExecutable } from './helpers/paths.js'
import { runAction, type ActionRun } from './helpers/run-action.js'

// The bundled action, run as the runner runs it, with the real @actions/cache library inside it
// talking to a fake cache service on 127.0.0.1 (v1: GitHub Enterprise Server, v2: github.com).
// A deploy job publishes the production manifest (`mode: publish`); a pull request job in
// another checkout restores it (`baseline-source: actions-cache`) and defers to it with real dbt.
// The library archives paths relative to GITHUB_WORKSPACE and extracts them relative to it: the
// two checkouts here sit at the same depth under the temp dir, as a runner's workspace is the
// same path in every job of a repository, so the shared RUNNER_TEMP path resolves alike.

const REPOSITORY = 'octo/shop'
const DEPLOY_SHA = '5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed'
const PR_SHA = 'feedfacefeedfacefeedfacefeedfacefeedface'

let production: ExampleProject
let published: Buffer

beforeAll(async () => {
  production = ExampleProject.create()
  await production.deploy('prod')
  published = readFileSync(production.path('target/manifest.json'))
}, 240_000)

describe.each<CacheProtocol>(['v1', 'v2'])('actions-cache source and publish mode, cache service %s', (protocol) => {
  let server: ActionsCacheServer
  /** RUNNER_TEMP: the same path in every job, as on a runner, and emptied when a job starts. */
  let runnerTemp: string
  let publish: ActionRun

  /** Runs the action as one step of a fresh job on `project`. */
  async function job(
    project: ExampleProject,
    sha: string,
    runId: string,
    inputs: Record<string, string>,
    eventName = 'pull_request'
  ): Promise<ActionRun> {
    rmSync(runnerTemp, { recursive: true, force: true })
    mkdirSync(runnerTemp, { recursive: true })
    return runAction({
      inputs: {
        'project-dir': project.dir,
        'profiles-dir': project.dir,
        target: 'ci',
        'dbt-executable': dbtExecutable(),
        comment: 'false',
        'ci-schema': '',
        'baseline-source': 'actions-cache',
        ...inputs
      },
      workspace: project.dir,
      eventName,
      event: eventName === 'pull_request' ? { number: 7, pull_request: { number: 7, head: { sha: PR_SHA } } } : {},
      env: {
        ...server.env(protocol),
        RUNNER_TEMP: runnerTemp,
        GITHUB_SHA: sha,
        GITHUB_REPOSITORY: REPOSITORY,
        GITHUB_RUN_ID: runId,
        DBT_DUCKDB_PATH: join(project.dir, 'warehouse.duckdb')
      }
    })
  }

  /** A pull request checkout: the production project plus the sample edit, without its target/. */
  function pullRequestCheckout(): ExampleProject {
    const pr = production.clone()
    addRepeatCustomerColumn(pr)
    rmSync(pr.path('target'), { recursive: true, force: true })
    return pr
  }

  beforeAll(async () => {
    server = await ActionsCacheServer.start()
    runnerTemp = join(tempDir('e2e-cache'), '_temp')
    publish = await job(production, DEPLOY_SHA, '1001', { mode: 'publish', target: 'prod' }, 'push')
  }, 120_000)

  afterAll(async () => {
    await server?.close()
  })

  it('the deploy job saves the production manifest to the cache service', () => {
    expect(publish.log).not.toContain('::error::')
    expect(publish.code).toBe(0)
    expect(publish.outputs['deferred-env']).toBe('production')
    expect(publish.outputs['baseline-source']).toBe('actions-cache')
    const key = publish.outputs['cache-key']
    expect(key).toMatch(new RegExp(`^dbt-defer-baseline-jaffle_shop-[0-9a-f]{8}-production-${DEPLOY_SHA}$`))
    expect(server.entries().map((e) => e.key)).toEqual([key])
    expect(server.requests.some((r) => r.api === 'blob' && r.method !== 'GET')).toBe(protocol === 'v2')
  })

  it('re-running the deploy job for the same commit succeeds and keeps the first entry (keys are immutable)', async () => {
    const rerun = await job(production, DEPLOY_SHA, '1001', { mode: 'publish', target: 'prod' }, 'push')
    expect(rerun.code).toBe(0)
    expect(rerun.log).not.toMatch(/::(error|warning)::/)
    expect(rerun.log).toContain(`already holds an entry ${publish.outputs['cache-key']}`)
    expect(server.entries().map((e) => e.key)).toEqual([publish.outputs['cache-key']])
  }, 120_000)

  it('a pull request job restores it and defers to production with real dbt', async () => {
    const before = server.requests.length
    const pr = pullRequestCheckout()
    const run = await job(pr, PR_SHA, '2002', {})
    expect(run.code).toBe(0)
    expect(run.outputs['deferred-env']).toBe('production')
    expect(run.outputs['baseline-source']).toBe('actions-cache')
    expect(run.outputs['baseline-sha']).toBe(DEPLOY_SHA)
    expect(run.outputs['built-all']).toBe('false')
    const downloads = server.requests.slice(before).filter((r) => r.api === 'blob' && r.method === 'GET')
    expect(downloads.map((r) => r.status)).toEqual([200])

    const statePath = run.outputs['state-path']
    expect(statePath.startsWith(runnerTemp)).toBe(true)
    expect(readFileSync(join(statePath, 'manifest.json')).equals(published)).toBe(true)

    const results = JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
    expect(results.results.map((r) => r.unique_id).sort()).toEqual([
      'model.jaffle_shop.customers',
      'test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d',
      'test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1'
    ])
    expect(results.results.every((r) => r.status === 'success' || r.status === 'pass')).toBe(true)
    const customers = results.results.find((r) => r.unique_id === 'model.jaffle_shop.customers')
    expect(customers?.compiled_code).toContain('"warehouse"."prod"."orders"')
    expect(customers?.compiled_code).not.toContain('"warehouse"."ci"."orders"')
  }, 240_000)

  it('a pull request job with defer-env: staging fails naming staging when only production was published', async () => {
    const before = server.requests.length
    const run = await job(pullRequestCheckout(), PR_SHA, '3003', { 'defer-env': 'staging' })
    expect(run.code).toBe(1)
    expect(run.log).toMatch(/::error::No staging baseline was found \(`defer-env: staging`\)/)
    expect(run.log).toMatch(/-staging-'/)
    expect(run.log).toContain('does not fall back to production')
    expect(run.outputs['deferred-env'] ?? '').toBe('')
    expect(server.requests.slice(before).some((r) => r.api === 'blob')).toBe(false)
  }, 240_000)
})
