import { describe, expect, it } from '@jest/globals'
import type { CompiledSql } from '../src/dbt/compiled-sql.js'
import { analyzeRun } from '../src/resolution/analyze.js'
import { buildReport } from '../src/report/build.js'
import { renderMarkdown } from '../src/report/render.js'
import { jaffleRun, runInfo } from './helpers/synthetic.js'

// dbt Fusion's results: no compiled_code (before 2.0.0-preview.209), the SQL read from the files
// dbt wrote, a node reused from state, and the engine named in the header.

const J = 'model.jaffle_shop'

function fusionReport() {
  const run = jaffleRun('pass')
  const sqlFiles = new Map<string, CompiledSql>()
  const results = run.runResults.results.map((r) => {
    if (r.compiled_code)
      sqlFiles.set(r.unique_id, { code: r.compiled_code, from: r.unique_id === `${J}.orders` ? 'target/run' : 'target/compiled' })
    return { ...r, compiled_code: undefined }
  })
  const fusionMeta = { ...run.runResults.metadata, dbt_version: '2.0.0-preview.150' }
  const filesOnly = analyzeRun({
    manifest: run.manifest,
    baseline: run.baseline,
    runResults: { ...run.runResults, metadata: fusionMeta, results },
    deferredEnv: 'production',
    sqlFiles
  })
  // In the reported run, orders was reused by dbt State: no SQL of this run.
  const reusedOrders = results.map((r) => (r.unique_id === `${J}.orders` ? { ...r, status: 'reused', execution_time: 0 } : r))
  const runResults = { ...run.runResults, metadata: fusionMeta, results: reusedOrders }
  const reused = analyzeRun({ manifest: run.manifest, baseline: run.baseline, runResults, deferredEnv: 'production', sqlFiles })
  const withCode = analyzeRun({ manifest: run.manifest, baseline: run.baseline, runResults: run.runResults, deferredEnv: 'production' })
  const report = buildReport({ analysis: reused, runResults, manifest: run.manifest, run: runInfo() })
  return { filesOnly, withCode, report, md: renderMarkdown(report, { maxChars: 60_000 }) }
}

describe("a report of dbt Fusion's results", () => {
  const { filesOnly, withCode, report, md } = fusionReport()

  it('classifies every ref read from the files exactly as from compiled_code, and says which file', () => {
    expect(filesOnly.map((n) => [n.uniqueId, n.refs, n.compiled])).toEqual(withCode.map((n) => [n.uniqueId, n.refs, n.compiled]))
    expect(filesOnly.find((n) => n.uniqueId === `${J}.customers`)?.sqlFrom).toBe('target/compiled')
    expect(filesOnly.find((n) => n.uniqueId === `${J}.orders`)?.sqlFrom).toBe('target/run')
    expect(withCode.every((n) => n.sqlFrom === 'run_results')).toBe(true)
  })

  it('reads a parent that dbt reused as not built by this run: the CI relation (dev)', () => {
    const customers = report.nodes.find((n) => n.unique_id === `${J}.customers`)
    expect(customers?.refs.find((r) => r.name === 'orders')?.classification).toBe('dev')
  })

  it('reports a reused node as its own outcome, its refs not analysed and said so', () => {
    const orders = report.nodes.find((n) => n.unique_id === `${J}.orders`)
    expect(orders?.status).toBe('reused')
    expect(orders?.refs.map((r) => [r.classification, r.reason])).toEqual(orders?.refs.map(() => ['unknown', 'reused']))
    expect(orders?.refs.length).toBeGreaterThan(0)
    expect(md).toContain('#### ♻️ reused')
    expect(md).toContain('its refs are not analysed')
    expect(md).not.toContain('failed before compiling')
  })

  it('names the engine and the evidence in the header', () => {
    expect(report.run.dbt_engine).toBe('dbt-fusion')
    expect(md).toContain('dbt Fusion 2.0.0-preview.150')
    expect(md).toContain(
      '**Evidence:** run_results.json holds no compiled SQL, so the refs were read from the SQL files dbt wrote: <code>target/compiled</code> for 3 nodes'
    )
    expect(report.nodes.map((n) => [n.name, n.sql_from])).toEqual(
      expect.arrayContaining([
        ['customers', 'target/compiled'],
        ['orders', null]
      ])
    )
  })
})
