import { describe, expect, it } from '@jest/globals'
import { makeReport } from '../src/report/publish.js'
import { renderMarkdown } from '../src/report/render.js'
import type { ReportRef } from '../src/report/types.js'
import { rel, runInfo, synthManifest, synthRunResults, type SynthNode } from './helpers/synthetic.js'

// A chain of ephemeral "diamonds": K layers of two ephemeral models, each ref'ing both models of
// the layer below. Expanded once per path the report would double per layer; expanded once per
// node it grows by a constant per layer.

function diamonds(k: number, schema: string): { nodes: SynthNode[]; sql: string } {
  const nodes: SynthNode[] = [{ id: 'model.shop.base', relation: rel(schema, 'base') }]
  const ctes: string[] = []
  let below = ['model.shop.base']
  for (let i = 1; i <= k; i++) {
    const layer = [`model.shop.e${i}a`, `model.shop.e${i}b`]
    for (const id of layer) nodes.push({ id, relation: null, materialized: 'ephemeral', deps: below })
    below = layer
  }
  nodes.push({ id: 'model.shop.top', relation: rel('ci', 'top'), deps: below })
  // dbt compiles every ephemeral once, as a CTE, in dependency order.
  ctes.push(`__dbt__cte__e1a as (select * from ${rel(schema, 'base')})`, `__dbt__cte__e1b as (select * from ${rel(schema, 'base')})`)
  for (let i = 2; i <= k; i++) {
    for (const s of ['a', 'b'])
      ctes.push(`__dbt__cte__e${i}${s} as (select * from __dbt__cte__e${i - 1}a union all select * from __dbt__cte__e${i - 1}b)`)
  }
  return { nodes, sql: `with ${ctes.join(',\n')}\nselect * from __dbt__cte__e${k}a union all select * from __dbt__cte__e${k}b` }
}

function reportOf(k: number) {
  const current = diamonds(k, 'ci')
  const baseline = diamonds(k, 'prod')
  return makeReport({
    info: runInfo(),
    baseline: synthManifest(baseline.nodes),
    artifacts: {
      manifest: synthManifest(current.nodes),
      runResults: synthRunResults([{ unique_id: 'model.shop.top', status: 'success', compiled_code: baseline.sql }]),
      problems: [],
      manifestPath: '',
      runResultsPath: ''
    }
  })
}

function count(refs: ReportRef[]): number {
  return refs.reduce((n, r) => n + 1 + count(r.children), 0)
}

describe('a chain of ephemeral diamonds', () => {
  it('lists each ephemeral’s refs once, so the report grows by a constant per layer', () => {
    const sizes = [8, 12, 16, 24].map((k) => {
      const report = reportOf(k)
      return { k, refs: count(report.nodes[0].refs), bytes: JSON.stringify(report).length }
    })
    // Two entries per layer for the layer's models, two more for the references to the layer
    // below from the second model of each layer, and the base twice at the bottom.
    for (const { k, refs } of sizes) expect(refs).toBe(4 * k)
    const perLayer = (sizes[3].bytes - sizes[2].bytes) / 8
    expect(sizes[1].bytes - sizes[0].bytes).toBeCloseTo(perLayer * 4, -2)
  })

  it('still says where the base resolved, and that an ephemeral seen again was listed above', () => {
    const report = reportOf(18)
    const flat: ReportRef[] = []
    const walk = (r: ReportRef): void => {
      flat.push(r)
      r.children.forEach(walk)
    }
    report.nodes[0].refs.forEach(walk)
    expect(flat.filter((r) => r.name === 'base').map((r) => r.classification)).toEqual(['production', 'production'])
    expect(
      flat
        .filter((r) => r.children.length === 0 && r.classification === 'inlined')
        .every((r) => r.evidence.includes('listed where it first appears'))
    ).toBe(true)
    expect(new Set(flat.filter((r) => r.children.length > 0).map((r) => r.unique_id)).size).toBe(
      flat.filter((r) => r.children.length > 0).length
    )
    expect(renderMarkdown(report, { maxChars: 60_000 }).length).toBeLessThan(60_000)
  })
})
