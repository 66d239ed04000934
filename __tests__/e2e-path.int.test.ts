import { beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunResults } from '../src/dbt/artifact-types.js'
import type { Report } from '../src/report/types.js'
import { addRepeatCustomerColumn, ExampleProject } from './helpers/example-project.js'
import { dbtExecutable } from './helpers/paths.js'
import { runAction, type ActionRun } from './helpers/run-action.js'

// The bundled action, run as the runner runs it, on real dbt + DuckDB, with the baseline taken
// from a local path (the `path` source).

let production: ExampleProject
let baselinePath: string

beforeAll(async () => {
  production = ExampleProject.create()
  baselinePath = await production.deploy('prod')
}, 240_000)

function inputs(project: ExampleProject, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'project-dir': project.dir,
    'profiles-dir': project.dir,
    target: 'ci',
    'state-path': baselinePath,
    'dbt-executable': dbtExecutable(),
    comment: 'false',
    'ci-schema': '',
    ...extra
  }
}

async function act(project: ExampleProject, extra: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    inputs: inputs(project, extra),
    workspace: project.dir,
    eventName: 'workflow_dispatch',
    env: { DBT_DUCKDB_PATH: join(project.dir, 'warehouse.duckdb') }
  })
}

function results(run: ActionRun): RunResults {
  return JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
}

function compiled(r: RunResults, uniqueId: string): string {
  const result = r.results.find((x) => x.unique_id === uniqueId)
  if (!result?.compiled_code) throw new Error(`${uniqueId} has no compiled code`)
  return result.compiled_code
}

describe('slim build deferring to a local production baseline', () => {
  it('builds exactly the edited model and its tests, reading its parents from production', async () => {
    const pr = production.clone()
    addRepeatCustomerColumn(pr)
    const run = await act(pr)
    expect(run.code).toBe(0)

    const r = results(run)
    expect(r.results.map((x) => x.unique_id).sort()).toEqual([
      'model.jaffle_shop.customers',
      'test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d',
      'test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1'
    ])
    expect(r.results.every((x) => x.status === 'success' || x.status === 'pass')).toBe(true)
    const sql = compiled(r, 'model.jaffle_shop.customers')
    for (const parent of ['orders', 'stg_customers', 'country_codes']) {
      expect(sql).toContain(`"warehouse"."prod"."${parent}"`)
      expect(sql).not.toContain(`"warehouse"."ci"."${parent}"`)
    }

    expect(run.outputs.success).toBe('true')
    expect(run.outputs['selected-count']).toBe('3')
    expect(run.outputs['deferred-env']).toBe('production')
    expect(run.outputs['baseline-source']).toBe('path')
    expect(run.outputs['built-all']).toBe('false')
    const statePath = run.outputs['state-path']
    expect(statePath.startsWith(run.runnerTemp)).toBe(true)
    expect(readFileSync(join(statePath, 'manifest.json'), 'utf8')).toBe(readFileSync(baselinePath, 'utf8'))
    expect(existsSync(run.outputs['summary-path'])).toBe(true)

    expect(run.summary).toContain('<b>customers</b>')
    expect(run.summary).toContain('**Deferred to:** 🏭 production')
    expect(run.summary).toContain('<code>orders</code> → 🏭 production')
    expect(run.summary).toBe(`${readFileSync(run.outputs['summary-path'], 'utf8')}\n`)

    const report = JSON.parse(readFileSync(run.outputs['report-path'], 'utf8')) as Report
    const node = report.nodes.find((n) => n.unique_id === 'model.jaffle_shop.customers')
    expect(node?.refs.map((ref) => [ref.name, ref.classification, ref.relation])).toEqual([
      ['orders', 'production', '"warehouse"."prod"."orders"'],
      ['stg_customers', 'production', '"warehouse"."prod"."stg_customers"'],
      ['country_codes', 'production', '"warehouse"."prod"."country_codes"']
    ])
  }, 240_000)

  it('with defer: false reads the parents from the CI schema, where they do not exist', async () => {
    const pr = production.clone()
    addRepeatCustomerColumn(pr)
    const run = await act(pr, { defer: 'false' })
    expect(run.code).not.toBe(0)

    const r = results(run)
    const customers = r.results.find((x) => x.unique_id === 'model.jaffle_shop.customers')
    expect(customers?.status).toBe('error')
    expect(customers?.message).toMatch(/ci.*(orders|stg_customers|country_codes)|does not exist/i)
    const sql = compiled(r, 'model.jaffle_shop.customers')
    expect(sql).toContain('"warehouse"."ci"."orders"')
    expect(sql).not.toContain('"warehouse"."prod"."orders"')
    expect(run.outputs.success).toBe('false')
    expect(run.summary).toContain('customers')
    expect(run.log).toContain('::error::dbt build finished with failures (exit 1)')
  }, 240_000)

  it('fails with what to do when the dbt executable is missing', async () => {
    const run = await act(production.clone(), { 'dbt-executable': 'dbt-not-installed-here' })
    expect(run.code).toBe(1)
    expect(run.log).toContain("::error::The dbt executable 'dbt-not-installed-here' was not found on PATH")
    expect(run.log).toContain("'dbt-executable'")
  }, 60_000)

  it('fails with what to do when the baseline path holds no manifest', async () => {
    const pr = production.clone()
    const run = await act(pr, { 'state-path': join(pr.root, 'no-such-dir') })
    expect(run.code).toBe(1)
    expect(run.log).toMatch(/::error::.*no-such-dir/)
    expect(run.log).toMatch(/publish|deploy/i)
  }, 60_000)
})
