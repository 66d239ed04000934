/**
 * The action's core flow on one dbt-core release and adapter, run by each compat-dbt-<line>
 * file: dist/index.js as the runner runs it, with `dbt-executable` naming that release's dbt.
 * Deferral to production and to staging, favor-state over a stale CI relation, clean-slate, and
 * `mode: cleanup`. Every answer is read from what dbt wrote and from the warehouse's own catalog.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync, rmSync } from 'node:fs'
import { dirname } from 'node:path'
import type { RunResults } from '../../src/dbt/artifact-types.js'
import type { Report } from '../../src/report/types.js'
import { MARKER_TABLE } from '../../src/safety/marker.js'
import { adaptForDbt, type CompatDbt } from './compat.js'
import { addRepeatCustomerColumn, type ExampleProject } from './example-project.js'
import { localProjectInputs, pullRequestEvent, runAction, type ActionRun } from './run-action.js'
import type { TestWarehouse } from './warehouses.js'

const TIMEOUT = 300_000

const CUSTOMERS_AND_TESTS = [
  'model.jaffle_shop.customers',
  'test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d',
  'test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1'
]

function runResults(run: ActionRun): RunResults {
  return JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
}

function report(run: ActionRun): Report {
  return JSON.parse(readFileSync(run.outputs['report-path'], 'utf8')) as Report
}

function compiledCustomers(run: ActionRun): string {
  return runResults(run).results.find((r) => r.unique_id === 'model.jaffle_shop.customers')?.compiled_code ?? ''
}

/** `[ref, classification, relation]` of the customers model's refs in report.json. */
function customersRefs(run: ActionRun): Array<[string, string, string | null]> {
  const node = report(run).nodes.find((n) => n.unique_id === 'model.jaffle_shop.customers')
  return (node?.refs ?? []).map((r) => [r.name, r.classification, r.relation])
}

/** Defines the core-flow tests for each row: the warehouse and the dbt-core release it runs. */
export function coreFlow(rows: Array<[string, TestWarehouse, CompatDbt]>): void {
  describe.each(rows)('the action on %s', (_name, warehouse, dbt) => {
    let production: ExampleProject
    let prodState: string
    let stagingState: string
    let prodTables: string[]
    const copies: ExampleProject[] = []

    beforeAll(async () => {
      await warehouse.setUp()
      production = warehouse.project()
      adaptForDbt(production, dbt.line)
      // Production first: the staging build reads the raw sources production loads.
      prodState = await production.deploy('prod')
      stagingState = await production.deploy('staging')
      prodTables = await warehouse.catalog(production).relations('prod')
    }, TIMEOUT)

    afterAll(async () => {
      for (const p of [production, ...copies]) if (p) rmSync(p.root, { recursive: true, force: true })
      await warehouse.tearDown()
    })

    function copy(): ExampleProject {
      const p = production.clone()
      copies.push(p)
      return p
    }

    function act(project: ExampleProject, pr: number, inputs: Record<string, string> = {}, action = 'synchronize'): Promise<ActionRun> {
      return runAction({
        inputs: { ...localProjectInputs(project, prodState), 'github-token': 'ghs_unused', ...inputs },
        workspace: project.dir,
        eventName: 'pull_request',
        event: pullRequestEvent(pr, action),
        // Nothing listens there: the PR number is in the event, and comment is false.
        env: { ...warehouse.actionEnv(project), GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_REPOSITORY: 'octo/shop' }
      })
    }

    it(
      'defers to production: builds the edited model and its tests, its parents read from production',
      async () => {
        const pr = copy()
        addRepeatCustomerColumn(pr)
        const run = await act(pr, 1)
        expect({ code: run.code, log: run.code === 0 ? '' : run.log }).toEqual({ code: 0, log: '' })
        const results = runResults(run)
        expect(results.metadata?.dbt_version).toBe(dbt.version)
        expect(results.results.map((r) => r.unique_id).sort()).toEqual(CUSTOMERS_AND_TESTS)
        expect(results.results.map((r) => r.status).sort()).toEqual(['pass', 'pass', 'success'])
        const sql = compiledCustomers(run)
        for (const parent of ['orders', 'stg_customers', 'country_codes']) {
          expect(sql).toContain(warehouse.relation('prod', parent))
          expect(sql).not.toContain(warehouse.relation('dbt_ci_pr_1', parent))
        }
        expect(customersRefs(run)).toEqual([
          ['orders', 'production', warehouse.relation('prod', 'orders')],
          ['stg_customers', 'production', warehouse.relation('prod', 'stg_customers')],
          ['country_codes', 'production', warehouse.relation('prod', 'country_codes')]
        ])
        expect(run.outputs['deferred-env']).toBe('production')
        expect(report(run).run.dbt_version).toBe(dbt.version)
        expect(run.summary).toContain(`dbt ${dbt.version}`)
        expect(await warehouse.catalog(pr).relations('dbt_ci_pr_1')).toEqual(['customers', MARKER_TABLE])
      },
      TIMEOUT
    )

    it(
      'defers to staging when staging is configured: the parents are read from staging, not production',
      async () => {
        const pr = copy()
        addRepeatCustomerColumn(pr)
        const run = await act(pr, 2, { 'staging-state-path': stagingState })
        expect(run.code).toBe(0)
        expect(run.outputs['deferred-env']).toBe('staging')
        expect(
          runResults(run)
            .results.map((r) => r.unique_id)
            .sort()
        ).toEqual(CUSTOMERS_AND_TESTS)
        const sql = compiledCustomers(run)
        expect(sql).toContain(warehouse.relation('staging', 'orders'))
        expect(sql).not.toContain(warehouse.relation('prod', 'orders'))
        expect(customersRefs(run).map(([name, classification]) => [name, classification])).toEqual([
          ['orders', 'staging'],
          ['stg_customers', 'staging'],
          ['country_codes', 'staging']
        ])
        expect(run.summary).toContain('**Deferred to:** 🚧 staging')
      },
      TIMEOUT
    )

    it(
      'a stale CI relation is read (dev) without favor-state; with favor-state the parent is read from production',
      async () => {
        const pr = copy()
        // orders, built into the PR's schema by hand: a relation left from an earlier push.
        await pr.dbtOk(['run', '--target', pr.warehouse.targets.ci, '--select', 'orders', '--defer', '--state', dirname(prodState)], {
          DBT_CI_SCHEMA: 'dbt_ci_pr_3'
        })
        addRepeatCustomerColumn(pr)
        const stale = await act(pr, 3)
        expect(stale.code).toBe(0)
        expect(compiledCustomers(stale)).toContain(warehouse.relation('dbt_ci_pr_3', 'orders'))
        expect(customersRefs(stale)[0]).toEqual(['orders', 'dev', warehouse.relation('dbt_ci_pr_3', 'orders')])

        const favored = await act(pr, 3, { 'favor-state': 'true' })
        expect(favored.code).toBe(0)
        expect(runResults(favored).args?.favor_state).toBe(true)
        const sql = compiledCustomers(favored)
        expect(sql).toContain(warehouse.relation('prod', 'orders'))
        expect(sql).not.toContain(warehouse.relation('dbt_ci_pr_3', 'orders'))
        expect(customersRefs(favored)[0]).toEqual(['orders', 'production', warehouse.relation('prod', 'orders')])
      },
      TIMEOUT
    )

    it(
      'clean-slate drops the stale CI schema before the build (the parent is read from production) and after it',
      async () => {
        const pr = copy()
        const earlier = await act(pr, 4, { select: 'orders', command: 'run' })
        expect(earlier.code).toBe(0)
        const catalog = warehouse.catalog(pr)
        expect(await catalog.relations('dbt_ci_pr_4')).toEqual([MARKER_TABLE, 'orders'])
        addRepeatCustomerColumn(pr)
        const run = await act(pr, 4, { 'clean-slate': 'true' })
        expect(run.code).toBe(0)
        expect(compiledCustomers(run)).toContain(warehouse.relation('prod', 'orders'))
        expect(customersRefs(run)[0]).toEqual(['orders', 'production', warehouse.relation('prod', 'orders')])
        expect(await catalog.schemas()).not.toContain('dbt_ci_pr_4')
      },
      TIMEOUT
    )

    it(
      'mode: cleanup drops the PR schema when the PR closes, refuses the production schema, and production keeps its tables',
      async () => {
        const pr = copy()
        addRepeatCustomerColumn(pr)
        expect((await act(pr, 5)).code).toBe(0)
        const catalog = warehouse.catalog(pr)
        expect(await catalog.relations('dbt_ci_pr_5')).toEqual(['customers', MARKER_TABLE])

        const refused = await act(pr, 5, { mode: 'cleanup', 'ci-schema': 'prod' }, 'closed')
        expect(refused.code).toBe(1)
        expect(refused.log).toMatch(/::error::.*'prod'/)
        expect(await catalog.relations('prod')).toEqual(prodTables)

        const closed = await act(pr, 5, { mode: 'cleanup' }, 'closed')
        expect(closed.code).toBe(0)
        expect(closed.log).toContain("Dropped 'dbt_ci_pr_5'")
        expect(await catalog.schemas()).not.toContain('dbt_ci_pr_5')
        expect(await catalog.relations('prod')).toEqual(prodTables)
      },
      TIMEOUT
    )
  })
}
