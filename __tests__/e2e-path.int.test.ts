import { MARKER_TABLE } from '../src/safety/marker.js'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunResults } from '../src/dbt/artifact-types.js'
import type { Report } from '../src/report/types.js'
import { addRepeatCustomerColumn, ExampleProject } from './helpers/example-project.js'
import { localProjectInputs, runAction, type ActionRun } from './helpers/run-action.js'
import { testWarehouses } from './helpers/warehouses.js'

// The bundled action, run as the runner runs it, on real dbt (DuckDB and PostgreSQL), with the
// baseline taken from a local path (the `path` source).

function results(run: ActionRun): RunResults {
  return JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
}

function compiled(r: RunResults, uniqueId: string): string {
  const result = r.results.find((x) => x.unique_id === uniqueId)
  if (!result?.compiled_code) throw new Error(`${uniqueId} has no compiled code`)
  return result.compiled_code
}

describe.each(testWarehouses('e2e_path'))('slim build deferring to a local production baseline on %s', (_name, warehouse) => {
  let production: ExampleProject
  let baselinePath: string
  let schemas = 0

  beforeAll(async () => {
    await warehouse.setUp()
    production = warehouse.project()
    baselinePath = await production.deploy('prod')
  }, 240_000)

  afterAll(() => warehouse.tearDown())

  /** Runs the action on a project copy, each run in a CI schema of its own. */
  async function act(project: ExampleProject, extra: Record<string, string> = {}): Promise<ActionRun & { ci: string }> {
    const ci = `dbt_ci_path_${++schemas}`
    const run = await runAction({
      inputs: {
        ...localProjectInputs(project, baselinePath),
        'ci-schema': ci,
        ...extra
      },
      workspace: project.dir,
      eventName: 'workflow_dispatch',
      env: warehouse.actionEnv(project)
    })
    return { ...run, ci }
  }

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
      expect(sql).toContain(warehouse.relation('prod', parent))
      expect(sql).not.toContain(warehouse.relation(run.ci, parent))
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
      ['orders', 'production', warehouse.relation('prod', 'orders')],
      ['stg_customers', 'production', warehouse.relation('prod', 'stg_customers')],
      ['country_codes', 'production', warehouse.relation('prod', 'country_codes')]
    ])
    // The customers model really landed in the run's CI schema, and only it.
    expect(await warehouse.catalog(pr).relations(run.ci)).toEqual(['customers', MARKER_TABLE])
  }, 240_000)

  it('with defer: false reads the parents from the CI schema, where they do not exist', async () => {
    const pr = production.clone()
    addRepeatCustomerColumn(pr)
    const run = await act(pr, { defer: 'false' })
    expect(run.code).not.toBe(0)

    const r = results(run)
    const customers = r.results.find((x) => x.unique_id === 'model.jaffle_shop.customers')
    expect(customers?.status).toBe('error')
    expect(customers?.message).toMatch(/does not exist/i)
    const sql = compiled(r, 'model.jaffle_shop.customers')
    expect(sql).toContain(warehouse.relation(run.ci, 'orders'))
    expect(sql).not.toContain(warehouse.relation('prod', 'orders'))
    expect(run.outputs.success).toBe('false')
    expect(run.summary).toContain('customers')
    expect(run.log).toContain('::error::dbt build finished with failures (exit 1)')
    // The failing model is annotated on its file.
    expect(run.log).toMatch(/::error title=dbt model customers%3A error,file=models\/marts\/customers\.sql::.*does not exist/)
  }, 240_000)

  it('with if-no-baseline: build-all and no baseline, builds everything without defer and says so loudly', async () => {
    const pr = production.clone()
    const run = await act(pr, { 'state-path': join(pr.root, 'never-deployed'), 'if-no-baseline': 'build-all' })
    expect(run.code).toBe(0)
    expect(run.outputs['built-all']).toBe('true')
    expect(run.outputs['deferred-env']).toBe('')
    expect(run.outputs['state-path']).toBe('')
    const r = results(run)
    expect(r.args?.defer).toBe(false)
    const models = r.results.filter((x) => x.unique_id.startsWith('model.')).map((x) => x.unique_id)
    expect(models).toHaveLength(10)
    expect(r.results.every((x) => x.status === 'success' || x.status === 'pass')).toBe(true)
    expect(run.log).toMatch(/::warning::No production baseline was found, so everything is built without defer/)
    expect(run.summary).toMatch(/no baseline/i)
    expect(await warehouse.catalog(pr).relations(run.ci)).toContain('customers')
  }, 240_000)

  it('runs dbt deps first when the project declares a package that is not installed', async () => {
    const pr = production.clone()
    mkdirSync(join(pr.root, 'helper_pkg', 'macros'), { recursive: true })
    writeFileSync(join(pr.root, 'helper_pkg', 'dbt_project.yml'), 'name: helper_pkg\nversion: "1.0.0"\nconfig-version: 2\n')
    writeFileSync(join(pr.root, 'helper_pkg', 'macros', 'doubled.sql'), '{% macro doubled(column) %}({{ column }} * 2){% endmacro %}\n')
    writeFileSync(pr.path('packages.yml'), 'packages:\n  - local: ../helper_pkg\n')
    pr.edit('models/marts/customers.sql', (sql) =>
      sql.replace(
        'coalesce(t.lifetime_value, 0) as lifetime_value',
        'coalesce(t.lifetime_value, 0) as lifetime_value,\n    {{ helper_pkg.doubled("coalesce(t.order_count, 0)") }} as doubled_orders'
      )
    )
    const run = await act(pr)
    expect(run.code).toBe(0)
    expect(run.log).toMatch(/Running: \S+ deps --project-dir/)
    expect(existsSync(pr.path('dbt_packages/helper_pkg/dbt_project.yml'))).toBe(true)
    expect(compiled(results(run), 'model.jaffle_shop.customers')).toContain('(coalesce(t.order_count, 0) * 2) as doubled_orders')

    // Installed now: the next run does not install again.
    const again = await act(pr)
    expect(again.code).toBe(0)
    expect(again.log).not.toMatch(/Running: \S+ deps/)
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
