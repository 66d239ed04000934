import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import Ajv2020Module from 'ajv/dist/2020.js'
import { readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ModelDataChange } from '../../src/compare/types.js'
import { addRepeatCustomerColumn, type ExampleProject } from './example-project.js'
import { runInProcess, type InProcessRun } from './compare-run.js'
import { repoRoot } from './paths.js'
import type { TestWarehouse } from './warehouses.js'

const schema = JSON.parse(readFileSync(join(repoRoot, 'docs', 'report-schema.json'), 'utf8')) as object
const validate = new Ajv2020Module.default({ strict: true, allErrors: true, validateFormats: false }).compile(schema)

/** report.json's problems against docs/report-schema.json. */
function schemaErrors(run: InProcessRun): string[] {
  return validate(run.report) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
}

// "What the change did to the data", on real dbt and a real warehouse, after a production (and a
// staging) deploy of the example project. One PR build carries one edit of each kind the issue
// names, each on its own model, so one build and one comparison show them all:
//   customers          a column added                     (keyed: unique test on customer_id)
//   orders             a column's type changed             (keyed: order_id)
//   dim_customers v2   rows filtered out                   (keyed: customer_id)
//   dim_customers v1   values of some rows changed         (keyed: customer_id)
//   stg_orders         a comment-only edit                 (keyed: order_id)
//   stg_payments       a comment-only edit; more rows than compare-key-diff-max-rows (8)
//   customer_history   a comment-only edit, no key declared
//   daily_revenue      a comment-only edit; production's relation cannot be read
//   new_mart           a new model;  customer_segments removed

/** What differs between adapters: how to write behind dbt's back, and the type names. */
export interface CompareAdapter {
  /** Runs SQL on the project's warehouse directly (never through dbt). */
  exec(project: ExampleProject, sql: string): Promise<void>
  /**
   * Makes production's `daily_revenue` unreadable for the CI run; returns the dbt environment
   * the CI run then uses (a user without the right, on PostgreSQL).
   */
  denyRead(project: ExampleProject): Promise<Record<string, string>>
  types: { boolean: string; integer: string; bigint: string }
  /** What the warehouse says when the read of daily_revenue fails. */
  denied: RegExp
}

/** The PR of the scenario: one edit of each kind. */
export function editEveryWay(pr: ExampleProject): void {
  addRepeatCustomerColumn(pr)
  pr.edit('models/marts/orders.sql', (sql) =>
    sql.replace('coalesce(p.payment_count, 0) as payment_count', 'cast(coalesce(p.payment_count, 0) as integer) as payment_count')
  )
  pr.edit('models/marts/dim_customers_v2.sql', (sql) => `${sql.trimEnd()}\nwhere country_code <> 'US'\n`)
  pr.edit('models/marts/dim_customers_v1.sql', (sql) =>
    sql.replace(
      'select customer_id, first_name,',
      'select customer_id, case when customer_id in (1, 4) then upper(first_name) else first_name end as first_name,'
    )
  )
  pr.edit('models/staging/stg_orders.sql', (sql) => `-- one row per order\n${sql}`)
  pr.edit('models/staging/stg_payments.sql', (sql) => `-- amounts are in cents upstream\n${sql}`)
  pr.edit('models/marts/customer_history.sql', (sql) => `-- one row per version of a customer\n${sql}`)
  pr.edit('models/marts/daily_revenue.sql', (sql) => `-- revenue per day\n${sql}`)
  writeFileSync(pr.path('models/marts/new_mart.sql'), "select customer_id from {{ ref('customers') }}\n")
  rmSync(pr.path('models/marts/customer_segments.sql'))
  pr.edit('models/marts/_marts.yml', (yml) =>
    yml.replace('  - name: customer_segments\n    columns:\n      - name: customer_id\n        data_tests: [not_null]\n', '')
  )
}

function model(run: InProcessRun, name: string): ModelDataChange {
  const found = run.report.data_changes?.models.find((m) => m.name === name)
  if (!found) throw new Error(`no data change for ${name}: ${JSON.stringify(run.report.data_changes?.models.map((m) => m.name))}`)
  return found
}

/** The comparison scenarios on one adapter. */
export function describeDataComparison(warehouse: TestWarehouse, adapter: CompareAdapter): void {
  const t = adapter.types
  describe(`data changes against the deferred environment on ${warehouse.name}`, () => {
    let production: ExampleProject
    let prodState: string
    let stagingState: string

    beforeAll(async () => {
      await warehouse.setUp()
      production = warehouse.project()
      prodState = await production.deploy('prod')
      stagingState = await production.deploy('staging')
      // Staging's data differs from production's: one customer fewer.
      await adapter.exec(production, 'delete from staging.customers where customer_id = 6')
    }, 240_000)

    afterAll(() => warehouse.tearDown())

    it('reports each kind of change with exact counts, and a denied read as a warning while the build passes', async () => {
      const pr = production.clone()
      editEveryWay(pr)
      const env = await adapter.denyRead(pr)
      const run = await runInProcess({
        project: pr,
        ciSchema: 'dbt_ci_cmp_1',
        production: prodState,
        env,
        compare: { keyDiffMaxRows: 8, valueSamples: true }
      })
      expect(run.error).toBeUndefined()
      expect(run.outputs.get('success')).toBe(true)
      expect(schemaErrors(run)).toEqual([])
      const dc = run.report.data_changes
      expect(dc?.against).toBe('production')
      expect(dc?.invocations).toBe(2)
      expect(dc?.totals).toEqual({
        models: 9,
        new_models: 1,
        removed_models: 1,
        columns_added: 1,
        columns_removed: 0,
        columns_type_changed: 1,
        rows_changed: 4,
        row_count_changes: 1,
        failed: 1
      })

      expect(model(run, 'customers')).toMatchObject({
        status: 'compared',
        schema: { added: [{ name: 'is_repeat_customer', type: t.boolean }], removed: [], type_changed: [], unchanged: 6 },
        rows: { ci: 6, deferred: 6, change: 0, change_pct: 0 },
        key: { column: 'customer_id', source: 'unique-test' },
        key_diff: { only_ci: 0, only_deferred: 0, changed: 0 }
      })
      expect(model(run, 'orders')).toMatchObject({
        schema: { added: [], removed: [], type_changed: [{ name: 'payment_count', ci_type: t.integer, deferred_type: t.bigint }] },
        rows: { ci: 8, deferred: 8, change: 0 },
        key_diff: { only_ci: 0, only_deferred: 0, changed: 0, compared_columns: ['customer_id', 'order_date', 'status', 'amount'] },
        key_diff_note: 'values of the columns whose type changed are not compared: payment_count'
      })
      expect(model(run, 'dim_customers.v2')).toMatchObject({
        rows: { ci: 4, deferred: 6, change: -2, change_pct: -33.3 },
        key_diff: {
          only_ci: 0,
          only_deferred: 2,
          changed: 0,
          examples: { only_ci: [], only_deferred: ['2', '3'], changed: [] },
          value_samples: null
        }
      })
      expect(model(run, 'dim_customers.v1')).toMatchObject({
        rows: { ci: 6, deferred: 6, change: 0 },
        key_diff: {
          only_ci: 0,
          only_deferred: 0,
          changed: 2,
          examples: { only_ci: [], only_deferred: [], changed: ['1', '4'] },
          value_samples: [
            { key: '1', columns: [{ name: 'first_name', ci: 'MICHAEL', deferred: 'Michael' }] },
            { key: '4', columns: [{ name: 'first_name', ci: 'JIMMY', deferred: 'Jimmy' }] }
          ]
        }
      })
      expect(model(run, 'stg_orders')).toMatchObject({
        schema: { added: [], removed: [], type_changed: [], unchanged: 4 },
        rows: { ci: 8, deferred: 8, change: 0 },
        key: { column: 'order_id', source: 'unique-test' },
        key_diff: { only_ci: 0, only_deferred: 0, changed: 0, compared_columns: ['customer_id', 'order_date', 'status'] },
        key_diff_note: null
      })
      expect(model(run, 'stg_payments')).toMatchObject({
        schema: { added: [], removed: [], type_changed: [], unchanged: 4 },
        rows: { ci: 9, deferred: 9, change: 0 },
        key: { column: 'payment_id', source: 'unique-test' },
        key_diff: null,
        key_diff_note: 'key diff skipped: more than 8 rows (compare-key-diff-max-rows)'
      })
      expect(model(run, 'customer_history')).toMatchObject({
        schema: { added: [], removed: [], type_changed: [], unchanged: 5 },
        rows: { ci: 6, deferred: 6, change: 0 },
        key: null,
        key_diff: null,
        key_diff_note: 'no key declared (a unique test on one column, a primary key constraint or unique_key): schema and row counts only'
      })
      expect(model(run, 'new_mart')).toMatchObject({
        status: 'new',
        deferred_relation: null,
        columns: [{ name: 'customer_id', type: t.integer }],
        rows: { ci: 6, deferred: null }
      })
      expect(model(run, 'daily_revenue')).toMatchObject({ status: 'failed', schema: null, rows: null })
      expect(dc?.removed.map((r) => r.name)).toEqual(['customer_segments'])
      expect(dc?.warnings).toHaveLength(1)
      expect(dc?.warnings[0]).toMatch(/^The data of daily_revenue could not be compared with production: .+\.$/)
      expect(dc?.warnings[0]).toMatch(adapter.denied)
      expect(model(run, 'daily_revenue').error).toMatch(adapter.denied)

      expect(run.outputs.get('data-models-compared')).toBe(8)
      expect(run.outputs.get('data-columns-added')).toBe(1)
      expect(run.outputs.get('data-columns-type-changed')).toBe(1)
      expect(run.outputs.get('data-rows-changed')).toBe(4)
      expect(run.outputs.get('data-compare-warnings')).toBe(1)
      expect(run.log.some((l) => l.startsWith('warning: The data of daily_revenue could not be compared with production'))).toBe(true)

      for (const text of [run.comment, run.summary]) {
        const lines = text.split('\n')
        expect(lines).toContain(
          '- **Data changes against 🏭 production:** 9 models: 1 column added, 1 column type changed, 4 rows changed, row count changed in 1 model, 1 new, 1 removed, 1 not compared (warnings)'
        )
        expect(lines).toContain('### Data changes against 🏭 production (9 models)')
        expect(lines).toContain(
          `- ✏️ <b>customers</b>: 1 column added (<code>is_repeat_customer</code> ${t.boolean}), 6 rows, no changed rows`
        )
        expect(lines).toContain(
          `- ✏️ <b>orders</b>: 1 column type changed (<code>payment_count</code> ${t.bigint} → ${t.integer}), 8 rows, no changed rows (values of the columns whose type changed are not compared: payment_count)`
        )
        expect(lines).toContain(
          '- ✏️ <b>dim_customers.v2</b>: same 3 columns, rows 6 in production → 4 in CI (−2, −33.3%), rows by <code>customer_id</code>: 0 only in CI, 2 only in production (e.g. <code>2</code>, <code>3</code>), 0 changed'
        )
        expect(lines).toContain(
          '- ✏️ <b>dim_customers.v1</b>: same 3 columns, 6 rows, rows by <code>customer_id</code>: 0 only in CI, 0 only in production, 2 changed (e.g. <code>1</code>: <code>first_name</code> <code>Michael</code> in production → <code>MICHAEL</code>; <code>4</code>: <code>first_name</code> <code>Jimmy</code> in production → <code>JIMMY</code>)'
        )
        expect(lines).toContain('- ✅ <b>stg_orders</b>: same 4 columns, 8 rows, no changed rows')
        expect(lines).toContain(
          '- ✅ <b>stg_payments</b>: same 4 columns, 9 rows, key diff skipped: more than 8 rows &#40;compare-key-diff-max-rows&#41;'
        )
        expect(lines).toContain(
          '- ✅ <b>customer_history</b>: same 5 columns, 6 rows, no key declared &#40;a unique test on one column, a primary key constraint or unique_key&#41;: schema and row counts only'
        )
        expect(lines).toContain(`- 🆕 <b>new_mart</b> (new): 1 column (<code>customer_id</code> ${t.integer}), 6 rows`)
        expect(lines.some((l) => l.startsWith('- ⚠️ <b>daily_revenue</b>: not compared: '))).toBe(true)
        expect(lines.some((l) => l.startsWith('- 🗑️ <b>customer_segments</b>: removed by this PR'))).toBe(true)
      }
    }, 300_000)

    it("against staging: the numbers are staging's, filtered by compare-where, and the cap lists what it left out", async () => {
      const pr = production.clone()
      addRepeatCustomerColumn(pr)
      pr.edit('models/marts/orders.sql', (sql) => `-- one row per order\n${sql}`)
      const run = await runInProcess({
        project: pr,
        ciSchema: 'dbt_ci_cmp_2',
        production: prodState,
        staging: stagingState,
        compare: { maxModels: 1, where: 'customer_id > 1' }
      })
      expect(run.error).toBeUndefined()
      expect(schemaErrors(run)).toEqual([])
      const dc = run.report.data_changes
      expect(dc?.against).toBe('staging')
      expect(dc?.where).toBe('customer_id > 1')
      expect(dc?.models.map((m) => m.name)).toEqual(['customers'])
      expect(model(run, 'customers')).toMatchObject({
        deferred_relation: warehouse.relation('staging', 'customers'),
        rows: { ci: 5, deferred: 4, change: 1, change_pct: 25 },
        key_diff: { only_ci: 1, only_deferred: 0, changed: 0, examples: { only_ci: ['6'], only_deferred: [], changed: [] } }
      })
      expect(dc?.not_compared).toEqual([
        {
          unique_id: 'model.jaffle_shop.orders',
          name: 'orders',
          reason: 'over compare-max-models (1): the 1 most downstream models were compared'
        }
      ])
      const lines = run.comment.split('\n')
      expect(lines).toContain('- **Data changes against 🚧 staging:** 1 model: 1 column added, 1 row changed, row count changed in 1 model')
      expect(lines).toContain(
        `- ✏️ <b>customers</b>: 1 column added (<code>is_repeat_customer</code> ${t.boolean}), rows 4 in staging → 5 in CI (+1, +25%), rows by <code>customer_id</code>: 1 only in CI (e.g. <code>6</code>), 0 only in staging, 0 changed`
      )
      expect(lines).toContain('<sub>Both sides filtered by <code>customer_id &gt; 1</code> (compare-where).</sub>')
      expect(lines).toContain(
        '<sub>Not compared, over compare-max-models &#40;1&#41;: the 1 most downstream models were compared: <code>orders</code>.</sub>'
      )
    }, 240_000)

    it('with compare: false, compares nothing and says nothing about data', async () => {
      const pr = production.clone()
      addRepeatCustomerColumn(pr)
      const run = await runInProcess({ project: pr, ciSchema: 'dbt_ci_cmp_3', production: prodState, compare: { enabled: false } })
      expect(run.error).toBeUndefined()
      expect(run.report.data_changes).toBeNull()
      expect(schemaErrors(run)).toEqual([])
      expect(run.outputs.get('data-models-compared')).toBe(0)
      expect(run.comment).not.toContain('Data changes')
      expect(run.log).toContain('info: No data comparison: compare is false.')
      expect(run.report.nodes.map((n) => n.name)).toContain('customers')
    }, 240_000)
  })
}
