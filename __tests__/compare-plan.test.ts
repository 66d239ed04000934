import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Manifest, RunResults } from '../src/dbt/artifact-types.js'
import { isIndexed, readBaselineJson } from '../src/dbt/json-file.js'
import { declaredKey, planComparison } from '../src/compare/plan.js'
import { recordedArtifacts } from './fakes/dbt-process.js'

// The plan from the artifacts real dbt wrote for the example project (scripts/make-fixtures.mjs):
// a PR build of `customers` beside the production baseline.

const { manifest, baselineManifest: baseline, runResults } = recordedArtifacts()

function withResults(ids: string[]): RunResults {
  return { ...runResults, results: ids.map((unique_id) => ({ unique_id, status: 'success' })) }
}

describe('planComparison', () => {
  it('compares the built model with its production relation, keyed by its unique test', () => {
    const plan = planComparison({ runResults, manifest, baseline, maxModels: 50 })
    expect(plan.targets).toEqual([
      {
        uniqueId: 'model.jaffle_shop.customers',
        name: 'customers',
        resourceType: 'model',
        ci: { database: 'warehouse', schema: 'dbt_ci_pr_1', identifier: 'customers', rendered: '"warehouse"."dbt_ci_pr_1"."customers"' },
        deferred: { database: 'warehouse', schema: 'prod', identifier: 'customers', rendered: '"warehouse"."prod"."customers"' },
        key: { column: 'customer_id', source: 'unique-test' }
      }
    ])
    expect(plan.notCompared).toEqual([])
    expect(plan.removed).toEqual([])
  })

  it('orders the most downstream first, caps the count and lists the rest; ephemeral models and tests are left out', () => {
    const ids = [
      'model.jaffle_shop.stg_customers',
      'model.jaffle_shop.int_order_payments',
      'model.jaffle_shop.orders',
      'model.jaffle_shop.customers',
      'test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1',
      'seed.jaffle_shop.country_codes'
    ]
    const plan = planComparison({ runResults: withResults(ids), manifest, baseline, maxModels: 2 })
    expect(plan.targets.map((t) => t.name)).toEqual(['customers', 'orders'])
    expect(plan.notCompared.map((n) => n.name)).toEqual(['stg_customers', 'country_codes'])
    expect(plan.notCompared[0].reason).toBe('over compare-max-models (2): the 2 most downstream models were compared')
  })

  it('treats a node the baseline lacks as new, and a baseline node the PR removed as removed', async () => {
    const base = structuredClone(baseline)
    base.nodes['model.jaffle_shop.old_mart'] = {
      ...base.nodes['model.jaffle_shop.orders'],
      unique_id: 'model.jaffle_shop.old_mart',
      name: 'old_mart'
    }
    delete base.nodes['model.jaffle_shop.customers']
    const plan = planComparison({ runResults, manifest, baseline: base, maxModels: 50 })
    expect(plan.targets[0].deferred).toBeNull()
    expect(plan.removed).toEqual([
      { unique_id: 'model.jaffle_shop.old_mart', name: 'old_mart', resource_type: 'model', relation: '"warehouse"."prod"."orders"' }
    ])
    // A big baseline, held as an index of its file, plans the same.
    const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-plan-index-'))
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(base))
    const held = (await readBaselineJson(join(dir, 'manifest.json'), 0)) as Manifest
    expect(isIndexed(held.nodes)).toBe(true)
    expect(planComparison({ runResults, manifest, baseline: held, maxModels: 50 })).toEqual(plan)
  })
})

describe('declaredKey', () => {
  const customers = manifest.nodes['model.jaffle_shop.customers']
  it('reads a unique test, a primary-key constraint, or unique_key, and nothing else', () => {
    expect(declaredKey(manifest.nodes['snapshot.jaffle_shop.customers_snapshot'], manifest)).toEqual({
      column: 'customer_id',
      source: 'unique-key'
    })
    const bare = { ...customers, unique_id: 'model.jaffle_shop.bare' }
    expect(declaredKey(bare, manifest)).toBeNull()
    expect(declaredKey({ ...bare, constraints: [{ type: 'primary_key', columns: ['id'] }] }, manifest)).toEqual({
      column: 'id',
      source: 'primary-key'
    })
    expect(declaredKey({ ...bare, columns: { Id: { name: 'Id', constraints: [{ type: 'primary_key' }] } } }, manifest)).toEqual({
      column: 'Id',
      source: 'primary-key'
    })
    expect(declaredKey({ ...bare, constraints: [{ type: 'primary_key', columns: ['a', 'b'] }] }, manifest)).toBeNull()
    expect(declaredKey({ ...bare, config: { unique_key: ['a', 'b'] } }, manifest)).toBeNull()
    expect(declaredKey({ ...bare, config: { unique_key: ['k'] } }, manifest)).toEqual({ column: 'k', source: 'unique-key' })
  })
})
