import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { RunResults } from '../src/dbt/artifact-types.js'
import { MARKER_TABLE } from '../src/safety/marker.js'
import type { Report } from '../src/report/types.js'
import { addRepeatCustomerColumn, type ExampleProject } from './helpers/example-project.js'
import { localProjectInputs, pullRequestEvent, runAction, type ActionRun } from './helpers/run-action.js'
import { testWarehouses } from './helpers/warehouses.js'

// The per-PR CI schema's whole life, run through dist/index.js on DuckDB and PostgreSQL: the
// build lands in dbt_ci_pr_<n>; clean-slate drops it before and after; `mode: cleanup` on
// `pull_request: closed` drops it; the guard refuses to drop production, which keeps its tables.

describe.each(testWarehouses('e2e_ci_schema'))('the CI schema of a pull request on %s', (_name, warehouse) => {
  let production: ExampleProject
  let baselinePath: string
  let prodTables: string[]

  beforeAll(async () => {
    await warehouse.setUp()
    production = warehouse.project()
    baselinePath = await production.deploy('prod')
    prodTables = await warehouse.catalog(production).relations('prod')
  }, 240_000)

  afterAll(() => warehouse.tearDown())

  function act(project: ExampleProject, pr: number, action: string, inputs: Record<string, string> = {}): Promise<ActionRun> {
    return runAction({
      inputs: {
        ...localProjectInputs(project, baselinePath),
        'github-token': 'ghs_unused',
        ...inputs
      },
      workspace: project.dir,
      eventName: 'pull_request',
      event: pullRequestEvent(pr, action),
      // Nothing listens there: these runs must not need the API (the PR number is in the event).
      env: { ...warehouse.actionEnv(project), GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_REPOSITORY: 'octo/shop' }
    })
  }

  it('builds into dbt_ci_pr_<n>, and mode: cleanup drops it when the PR closes', async () => {
    const pr = production.clone()
    addRepeatCustomerColumn(pr)
    const built = await act(pr, 31, 'synchronize')
    expect(built.code).toBe(0)
    expect(built.outputs['ci-schema']).toBe('dbt_ci_pr_31')
    const catalog = warehouse.catalog(pr)
    expect(await catalog.relations('dbt_ci_pr_31')).toEqual(['customers', MARKER_TABLE])

    const closed = await act(pr, 31, 'closed', { mode: 'cleanup' })
    expect(closed.code).toBe(0)
    expect(closed.log).toContain("Dropped 'dbt_ci_pr_31'")
    expect(await catalog.schemas()).not.toContain('dbt_ci_pr_31')
    expect(await catalog.relations('prod')).toEqual(prodTables)
  }, 240_000)

  it('with clean-slate drops a stale CI schema before the build (refs go to production) and drops it after', async () => {
    const pr = production.clone()
    // A stale relation in the PR's schema from an earlier push (an earlier run of the action,
    // which marked the schema as the PR's): without clean-slate dbt would read it.
    const earlier = await act(pr, 32, 'synchronize', { select: 'orders', command: 'run' })
    expect(earlier.code).toBe(0)
    const catalog = warehouse.catalog(pr)
    expect(await catalog.relations('dbt_ci_pr_32')).toEqual([MARKER_TABLE, 'orders'])
    addRepeatCustomerColumn(pr)

    const run = await act(pr, 32, 'synchronize', { 'clean-slate': 'true' })
    expect(run.code).toBe(0)
    const results = JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
    const sql = results.results.find((r) => r.unique_id === 'model.jaffle_shop.customers')?.compiled_code ?? ''
    expect(sql).toContain(warehouse.relation('prod', 'orders'))
    expect(sql).not.toContain(warehouse.relation('dbt_ci_pr_32', 'orders'))
    const report = JSON.parse(readFileSync(run.outputs['report-path'], 'utf8')) as Report
    const orders = report.nodes.find((n) => n.name === 'customers')?.refs.find((r) => r.name === 'orders')
    expect(orders?.classification).toBe('production')
    expect(await catalog.schemas()).not.toContain('dbt_ci_pr_32')
  }, 240_000)

  it('without clean-slate reads the stale relation from the CI schema, and the report says dev', async () => {
    const pr = production.clone()
    await pr.dbtOk(['run', '--target', pr.warehouse.targets.ci, '--select', 'orders', '--defer', '--state', dirname(baselinePath)], {
      DBT_CI_SCHEMA: 'dbt_ci_pr_33'
    })
    addRepeatCustomerColumn(pr)
    const run = await act(pr, 33, 'synchronize')
    expect(run.code).toBe(0)
    const report = JSON.parse(readFileSync(run.outputs['report-path'], 'utf8')) as Report
    const refs = report.nodes.find((n) => n.name === 'customers')?.refs ?? []
    expect(refs.map((r) => [r.name, r.classification, r.relation])).toEqual([
      ['orders', 'dev', warehouse.relation('dbt_ci_pr_33', 'orders')],
      ['stg_customers', 'production', warehouse.relation('prod', 'stg_customers')],
      ['country_codes', 'production', warehouse.relation('prod', 'country_codes')]
    ])
  }, 240_000)

  it('with clone-incremental clones the modified incremental model from production into the CI schema first', async () => {
    const pr = production.clone()
    pr.edit('models/marts/daily_revenue.sql', (sql) =>
      sql.replace('sum(amount) as revenue', 'sum(amount) as revenue,\n    max(amount) as largest_order')
    )
    // compile materialises nothing, so whatever the CI schema holds afterwards came from the clone.
    const run = await act(pr, 36, 'synchronize', { 'clone-incremental': 'true', command: 'compile' })
    expect(run.code).toBe(0)
    expect(run.log).toContain('clone --select state:modified,config.materialized:incremental,state:old --state')
    expect(await warehouse.catalog(pr).relations('dbt_ci_pr_36')).toEqual(['daily_revenue', MARKER_TABLE])

    const without = production.clone()
    without.edit('models/marts/daily_revenue.sql', (sql) =>
      sql.replace('sum(amount) as revenue', 'sum(amount) as revenue,\n    max(amount) as largest_order')
    )
    const plain = await act(without, 37, 'synchronize', { command: 'compile' })
    expect(plain.code).toBe(0)
    expect(plain.log).not.toContain(' clone --select')
    expect(await warehouse.catalog(without).schemas()).not.toContain('dbt_ci_pr_37')
  }, 240_000)

  it('with clone-incremental clones nothing the build does not select: an edit upstream of an incremental model clones no incremental', async () => {
    const pr = production.clone()
    // orders is upstream of the incremental daily_revenue; the build selects orders alone.
    pr.edit(
      'models/marts/orders.sql',
      (sql) => `${sql}
-- a comment that changes the body`
    )
    const run = await act(pr, 38, 'synchronize', { 'clone-incremental': 'true' })
    expect(run.code).toBe(0)
    expect(await warehouse.catalog(pr).relations('dbt_ci_pr_38')).not.toContain('daily_revenue')
    const results = JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
    expect(results.results.map((r) => r.unique_id)).not.toContain('model.jaffle_shop.daily_revenue')
  }, 240_000)

  it('refuses to drop the production schema when ci-schema is misconfigured, and production keeps its tables', async () => {
    const pr = production.clone()
    const run = await act(pr, 34, 'closed', { mode: 'cleanup', 'ci-schema': 'prod' })
    expect(run.code).toBe(1)
    expect(run.log).toMatch(/::error::.*'prod'/)
    expect(run.log).not.toContain("Dropped 'prod'")
    expect(await warehouse.catalog(pr).relations('prod')).toEqual(prodTables)
  }, 240_000)

  it('refuses to drop a source schema (prod_raw) as well', async () => {
    const pr = production.clone()
    const before = await warehouse.catalog(pr).relations('prod_raw')
    const run = await act(pr, 35, 'closed', { mode: 'cleanup', 'ci-schema': 'prod_raw' })
    expect(run.code).toBe(1)
    expect(run.log).toMatch(/::error::.*'prod_raw'/)
    expect(await warehouse.catalog(pr).relations('prod_raw')).toEqual(before)
    expect(before.length).toBe(3)
  }, 240_000)
})
