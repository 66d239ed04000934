import { describe, expect, it } from '@jest/globals'
import { analyzeRun } from '../src/resolution/analyze.js'
import type { NodeResolution, RefResolution } from '../src/resolution/types.js'
import { rel, synthManifest, synthRunResults, type SynthNode, type SynthResult } from './helpers/synthetic.js'

const ORDERS = 'model.shop.orders'
const CUSTOMERS = 'model.shop.customers'
const STG = 'model.shop.stg_orders'
const EPH = 'model.shop.int_pay'
const EPH2 = 'model.shop.int_pay_inner'
const SRC = 'source.shop.raw.payments'
const SEED = 'seed.shop.codes'

/** The CI manifest: every relation in schema `ci`. */
function ciManifest(extra: SynthNode[] = []) {
  return synthManifest([
    { id: STG, relation: rel('ci', 'stg_orders'), deps: [SRC] },
    { id: ORDERS, relation: rel('ci', 'orders'), deps: [STG, EPH] },
    { id: CUSTOMERS, relation: rel('ci', 'customers'), deps: [ORDERS, SEED] },
    { id: EPH, relation: null, materialized: 'ephemeral', deps: [EPH2] },
    { id: EPH2, relation: null, materialized: 'ephemeral', deps: [STG, SRC] },
    { id: SEED, relation: rel('ci', 'codes') },
    { id: SRC, relation: rel('raw', 'payments') },
    ...extra
  ])
}

/** The baseline manifest: the same nodes, in schema `prod`. */
function prodManifest() {
  return synthManifest([
    { id: STG, relation: rel('prod', 'stg_orders'), deps: [SRC] },
    { id: ORDERS, relation: rel('prod', 'orders'), deps: [STG, EPH] },
    { id: CUSTOMERS, relation: rel('prod', 'customers'), deps: [ORDERS, SEED] },
    { id: EPH, relation: null, materialized: 'ephemeral', deps: [EPH2] },
    { id: EPH2, relation: null, materialized: 'ephemeral', deps: [STG, SRC] },
    { id: SEED, relation: rel('prod', 'codes') },
    { id: SRC, relation: rel('raw', 'payments') }
  ])
}

function analyze(
  results: SynthResult[],
  opts: {
    args?: Record<string, unknown>
    baseline?: ReturnType<typeof prodManifest> | null
    env?: 'staging' | 'production' | null
    manifest?: ReturnType<typeof ciManifest>
  } = {}
) {
  return analyzeRun({
    manifest: opts.manifest ?? ciManifest(),
    baseline: opts.baseline === undefined ? prodManifest() : opts.baseline,
    runResults: synthRunResults(results, opts.args),
    deferredEnv: opts.env === undefined ? 'production' : opts.env
  })
}

function node(nodes: NodeResolution[], id: string): NodeResolution {
  const n = nodes.find((x) => x.uniqueId === id)
  if (!n) throw new Error(`no result for ${id}`)
  return n
}

function ref(n: NodeResolution, parent: string): RefResolution {
  const r = n.refs.find((x) => x.uniqueId === parent)
  if (!r) throw new Error(`${n.uniqueId} has no ref ${parent}`)
  return r
}

const customersSql = (ordersSchema: string, codesSchema: string) =>
  `select * from ${rel(ordersSchema, 'orders')} o join ${rel(codesSchema, 'codes')} c on c.code = o.code`

describe('analyzeRun', () => {
  it('classifies a ref that reads the baseline relation as the deferred environment, with evidence', () => {
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: customersSql('prod', 'prod') }])
    const r = ref(node(nodes, CUSTOMERS), ORDERS)
    expect(r).toMatchObject({
      classification: 'production',
      relation: rel('prod', 'orders'),
      devRelation: rel('ci', 'orders'),
      stateRelation: rel('prod', 'orders'),
      reason: null
    })
    expect(r.evidence).toContain(rel('prod', 'orders'))
    expect(ref(node(nodes, CUSTOMERS), SEED).classification).toBe('production')
  })

  it('takes the environment label from deferredEnv, never from schema names', () => {
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: customersSql('prod', 'prod') }], { env: 'staging' })
    expect(ref(node(nodes, CUSTOMERS), ORDERS).classification).toBe('staging')
  })

  it('says this-run for a parent built earlier in the invocation, dev for one that was not', () => {
    const nodes = analyze([
      { unique_id: ORDERS, status: 'success', compiled_code: `select * from ${rel('prod', 'stg_orders')}` },
      { unique_id: CUSTOMERS, status: 'success', compiled_code: customersSql('ci', 'ci') }
    ])
    const customers = node(nodes, CUSTOMERS)
    expect(ref(customers, ORDERS)).toMatchObject({ classification: 'this-run', relation: rel('ci', 'orders') })
    expect(ref(customers, SEED)).toMatchObject({ classification: 'dev', relation: rel('ci', 'codes') })
  })

  it('does not call a parent this-run when it failed in the invocation', () => {
    const nodes = analyze([
      { unique_id: ORDERS, status: 'error', compiled_code: 'select broken' },
      { unique_id: CUSTOMERS, status: 'success', compiled_code: customersSql('ci', 'prod') }
    ])
    expect(ref(node(nodes, CUSTOMERS), ORDERS).classification).toBe('dev')
  })

  it('builds nothing under compile: a compiled parent read from CI is dev', () => {
    const nodes = analyze(
      [
        { unique_id: ORDERS, status: 'success', compiled_code: 'select 1' },
        { unique_id: CUSTOMERS, status: 'success', compiled_code: customersSql('ci', 'prod') }
      ],
      { args: { which: 'compile' } }
    )
    expect(ref(node(nodes, CUSTOMERS), ORDERS).classification).toBe('dev')
  })

  it('says dev when the parent is absent from the baseline (it could not be deferred)', () => {
    const manifest = ciManifest([{ id: 'model.shop.brand_new', relation: rel('ci', 'brand_new'), deps: [] }])
    manifest.nodes[CUSTOMERS].depends_on = { nodes: ['model.shop.brand_new'] }
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: `select * from ${rel('ci', 'brand_new')}` }], {
      manifest
    })
    const r = ref(node(nodes, CUSTOMERS), 'model.shop.brand_new')
    expect(r).toMatchObject({ classification: 'dev', stateRelation: null })
    expect(r.evidence).toContain('could not be deferred')
  })

  it('is unknown when both relations appear, or neither', () => {
    const both = analyze([
      {
        unique_id: CUSTOMERS,
        status: 'success',
        compiled_code: `${customersSql('prod', 'ci')} union all select * from ${rel('ci', 'orders')}`
      }
    ])
    expect(ref(node(both, CUSTOMERS), ORDERS)).toMatchObject({ classification: 'unknown', reason: 'both-found', relation: null })
    const neither = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: `select * from ${rel('qa', 'orders')}` }])
    expect(ref(node(neither, CUSTOMERS), ORDERS)).toMatchObject({ classification: 'unknown', reason: 'none-found' })
  })

  it('is unknown when a case-insensitive match makes both relations match', () => {
    const manifest = ciManifest()
    manifest.nodes[ORDERS].relation_name = '"warehouse"."Prod"."orders"'
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: 'select * from warehouse.prod.orders' }], { manifest })
    expect(ref(node(nodes, CUSTOMERS), ORDERS)).toMatchObject({ classification: 'unknown', reason: 'both-found' })
  })

  it('ignores a relation named only in a comment', () => {
    const sql = `-- used to read ${rel('ci', 'orders')}\nselect * from ${rel('prod', 'orders')} join ${rel('prod', 'codes')} on true`
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: sql }])
    expect(ref(node(nodes, CUSTOMERS), ORDERS).classification).toBe('production')
  })

  describe('identical relation names in CI and baseline', () => {
    const same = () => {
      const b = prodManifest()
      b.nodes[ORDERS].relation_name = rel('ci', 'orders')
      return b
    }
    const results: SynthResult[] = [{ unique_id: CUSTOMERS, status: 'success', compiled_code: customersSql('ci', 'prod') }]

    it('is unknown under defer: the SQL cannot tell them apart', () => {
      const r = ref(node(analyze(results, { baseline: same() }), CUSTOMERS), ORDERS)
      expect(r).toMatchObject({ classification: 'unknown', reason: 'identical-names' })
    })

    it('is dev when defer was off (nothing could be deferred)', () => {
      const r = ref(node(analyze(results, { baseline: same(), args: { defer: false } }), CUSTOMERS), ORDERS)
      expect(r).toMatchObject({ classification: 'dev', relation: rel('ci', 'orders') })
    })

    it('is this-run when the invocation built it', () => {
      const built: SynthResult[] = [{ unique_id: ORDERS, status: 'success', compiled_code: 'select 1' }, ...results]
      expect(ref(node(analyze(built, { baseline: same() }), CUSTOMERS), ORDERS).classification).toBe('this-run')
    })

    it('stays unknown when defer is not recorded in the args', () => {
      const r = ref(node(analyze(results, { baseline: same(), args: { defer: undefined } }), CUSTOMERS), ORDERS)
      expect(r.reason).toBe('identical-names')
    })
  })

  it('gives every parent of a skipped node unknown/not-compiled, with both relations', () => {
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'skipped', compiled_code: null }])
    const customers = node(nodes, CUSTOMERS)
    expect(customers.compiled).toBe(false)
    expect(customers.refs.map((r) => [r.uniqueId, r.classification, r.reason])).toEqual([
      [ORDERS, 'unknown', 'not-compiled'],
      [SEED, 'unknown', 'not-compiled']
    ])
    expect(ref(customers, ORDERS)).toMatchObject({ devRelation: rel('ci', 'orders'), stateRelation: rel('prod', 'orders') })
    expect(ref(customers, ORDERS).evidence).toContain('skipped')
  })

  it('explains a node that failed before compiling', () => {
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'error', compiled_code: null, message: 'Compilation Error' }])
    expect(ref(node(nodes, CUSTOMERS), ORDERS).evidence).toContain('failed before compiling')
  })

  it('reports a parent missing from the manifest', () => {
    const manifest = ciManifest()
    manifest.nodes[CUSTOMERS].depends_on = { nodes: ['model.shop.ghost'] }
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: 'select 1' }], { manifest })
    expect(node(nodes, CUSTOMERS).refs).toEqual([
      expect.objectContaining({
        uniqueId: 'model.shop.ghost',
        classification: 'unknown',
        reason: 'missing-parent',
        resourceType: 'unknown'
      })
    ])
  })

  it('analyses inlined ephemeral parents recursively against the same SQL', () => {
    const sql = [
      `with __dbt__cte__int_pay_inner as (select * from ${rel('prod', 'stg_orders')} join ${rel('raw', 'payments')} using (id)),`,
      '__dbt__cte__int_pay as (select * from __dbt__cte__int_pay_inner)',
      `select * from ${rel('prod', 'stg_orders')} join __dbt__cte__int_pay using (id)`
    ].join('\n')
    const orders = node(analyze([{ unique_id: ORDERS, status: 'success', compiled_code: sql }]), ORDERS)
    expect(ref(orders, STG).classification).toBe('production')
    const eph = ref(orders, EPH)
    expect(eph).toMatchObject({ classification: 'inlined', relation: null, devRelation: null })
    expect(eph.evidence).toContain('__dbt__cte__int_pay')
    expect(eph.children.map((c) => [c.uniqueId, c.classification])).toEqual([[EPH2, 'inlined']])
    expect(eph.children[0].children.map((c) => [c.uniqueId, c.classification])).toEqual([
      [STG, 'production'],
      [SRC, 'source']
    ])
  })

  it('is unknown when an ephemeral parent’s CTE is missing from the SQL', () => {
    const orders = node(
      analyze([{ unique_id: ORDERS, status: 'success', compiled_code: `select * from ${rel('prod', 'stg_orders')}` }]),
      ORDERS
    )
    expect(ref(orders, EPH)).toMatchObject({ classification: 'unknown', reason: 'none-found', children: [] })
  })

  it('classifies sources as source and says whether their relation was read', () => {
    const stg = node(analyze([{ unique_id: STG, status: 'success', compiled_code: `select * from ${rel('raw', 'payments')}` }]), STG)
    expect(ref(stg, SRC)).toMatchObject({ classification: 'source', relation: rel('raw', 'payments') })
    const other = node(analyze([{ unique_id: STG, status: 'success', compiled_code: 'select 1' }]), STG)
    expect(ref(other, SRC)).toMatchObject({ classification: 'source', relation: null })
    expect(ref(other, SRC).evidence).toContain('does not appear')
  })

  it('is unknown when the SQL reads the baseline but no environment was given', () => {
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: customersSql('prod', 'prod') }], { env: null })
    expect(ref(node(nodes, CUSTOMERS), ORDERS)).toMatchObject({ classification: 'unknown', reason: 'no-deferred-env' })
  })

  it('is unknown when a relation name cannot be parsed', () => {
    const manifest = ciManifest()
    manifest.nodes[ORDERS].relation_name = 'not a relation'
    const nodes = analyze([{ unique_id: CUSTOMERS, status: 'success', compiled_code: customersSql('prod', 'prod') }], { manifest })
    expect(ref(node(nodes, CUSTOMERS), ORDERS)).toMatchObject({ classification: 'unknown', reason: 'unparseable-relation' })
  })

  it('flags tests, keeps result order and node facts, names versioned models with their version', () => {
    const manifest = ciManifest([
      { id: 'test.shop.not_null_orders_id.abc', deps: [ORDERS], file: 'models/schema.yml' },
      { id: 'model.shop.dim.v2', relation: rel('ci', 'dim_v2'), version: 2, deps: [] }
    ])
    manifest.nodes['model.shop.dim.v2'].name = 'dim'
    const nodes = analyze(
      [
        {
          unique_id: 'test.shop.not_null_orders_id.abc',
          status: 'fail',
          failures: 3,
          message: 'Got 3 results',
          compiled_code: `select * from ${rel('prod', 'orders')}`
        },
        { unique_id: 'model.shop.dim.v2', status: 'success', compiled_code: 'select 1', execution_time: 1.25 }
      ],
      { manifest }
    )
    expect(nodes.map((n) => [n.name, n.resourceType, n.isTest, n.status])).toEqual([
      ['not_null_orders_id', 'test', true, 'fail'],
      ['dim.v2', 'model', false, 'success']
    ])
    expect(nodes[0]).toMatchObject({ failures: 3, message: 'Got 3 results', file: 'models/schema.yml' })
    expect(nodes[1]).toMatchObject({ executionTime: 1.25, relation: rel('ci', 'dim_v2') })
    expect(ref(nodes[0], ORDERS).classification).toBe('production')
  })

  it('keeps results that are not in the manifest (hooks) with no refs', () => {
    const nodes = analyze([{ unique_id: 'operation.shop.shop-on-run-start-0', status: 'success', compiled_code: 'select 1' }])
    expect(nodes[0]).toMatchObject({ resourceType: 'operation', isTest: false, refs: [] })
  })
})
