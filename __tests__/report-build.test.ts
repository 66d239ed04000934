import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv2020Module from 'ajv/dist/2020.js'
import { analyzeRun } from '../src/resolution/analyze.js'
import { buildReport, fileUrl } from '../src/report/build.js'
import type { Report } from '../src/report/types.js'
import { repoRoot } from './helpers/paths.js'
import { hugeRun, jaffleRun, NOW, runInfo, type SynthRun } from './helpers/synthetic.js'

// ajv is CommonJS: imported from ESM, its class is the module's `default` property.
const Ajv2020 = Ajv2020Module.default
const schema = JSON.parse(readFileSync(join(repoRoot, 'docs', 'report-schema.json'), 'utf8')) as object
const validate = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(schema)

function errorsOf(report: unknown): string[] {
  return validate(report)
    ? []
    : (validate.errors ?? []).map((e: { instancePath: string; message?: string }) => `${e.instancePath} ${e.message}`)
}

function reportOf(run: SynthRun, info = runInfo()): Report {
  const analysis = analyzeRun({ manifest: run.manifest, baseline: run.baseline, runResults: run.runResults, deferredEnv: info.deferredEnv })
  return buildReport({ analysis, runResults: run.runResults, manifest: run.manifest, run: info })
}

describe('buildReport', () => {
  it('produces report.json that validates against docs/report-schema.json', () => {
    for (const report of [
      reportOf(jaffleRun('pass')),
      reportOf(jaffleRun('fail'), runInfo({ success: false })),
      reportOf(jaffleRun('pass'), runInfo({ defer: false, deferredEnv: null, baseline: null, builtAll: true })),
      reportOf(hugeRun(50, 3))
    ]) {
      expect(errorsOf(JSON.parse(JSON.stringify(report)))).toEqual([])
    }
  })

  /** report.json as plain data, so a test can break it on purpose. */
  type LooseReport = { nodes: Array<{ file_url?: string; refs: Array<Record<string, unknown>> }>; [key: string]: unknown }

  it('is rejected by the schema when it strays from the format', () => {
    const report = JSON.parse(JSON.stringify(reportOf(jaffleRun('pass')))) as LooseReport
    expect(errorsOf({ ...report, extra: 1 })).not.toEqual([])
    expect(errorsOf({ ...report, schema_version: 1 })).not.toEqual([])
    const badRef = structuredClone(report)
    badRef.nodes[0].refs[0].classification = 'prod'
    expect(errorsOf(badRef)).not.toEqual([])
    const unknownWithoutReason = structuredClone(report)
    Object.assign(unknownWithoutReason.nodes[0].refs[0], { classification: 'unknown', reason: null })
    expect(errorsOf(unknownWithoutReason)).not.toEqual([])
    const missing = structuredClone(report)
    delete missing.nodes[0].file_url
    expect(errorsOf(missing)).not.toEqual([])
  })

  it('holds the run, the counts and every node with its refs', () => {
    const report = reportOf(jaffleRun('pass'))
    expect(report.schema_version).toBe(4)
    expect(report.selection).toBeNull()
    expect(report.run).toMatchObject({
      command: 'build',
      select: ['state:modified+'],
      defer: true,
      deferred_env: 'production',
      built_all: false,
      elapsed_seconds: 12.5,
      dbt_version: '1.11.0',
      generated_at: NOW.toISOString()
    })
    expect(report.run.baseline).toMatchObject({ source: 'github-artifact', run_id: '123456789', age_seconds: 3 * 3600 })
    expect(report.counts).toEqual({
      total: 4,
      by_status: { success: 2, pass: 1, fail: 1 },
      by_classification: { production: 3, inlined: 1, dev: 1, 'this-run': 3 }
    })
    expect(report.nodes.map((n) => n.name)).toEqual(['orders', 'customers', 'unique_orders_order_id', 'not_null_customers_customer_id'])
    const customers = report.nodes[1]
    expect(customers).toMatchObject({
      unique_id: 'model.jaffle_shop.customers',
      resource_type: 'model',
      is_test: false,
      status: 'success',
      execution_time: 0.36,
      relation: '"warehouse"."ci"."customers"',
      file: 'models/marts/customers.sql',
      file_url: 'https://github.com/acme/analytics/blob/f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed/transform/models/marts/customers.sql'
    })
    expect(customers.refs.map((r) => [r.name, r.classification, r.relation])).toEqual([
      ['orders', 'this-run', '"warehouse"."ci"."orders"'],
      ['stg_customers', 'dev', '"warehouse"."ci"."stg_customers"'],
      ['country_codes', 'production', '"warehouse"."prod"."country_codes"']
    ])
    const orders = report.nodes[0]
    expect(orders.refs[1]).toMatchObject({ name: 'int_order_payments', classification: 'inlined' })
    expect(orders.refs[1].children.map((c) => [c.name, c.classification, c.state_relation])).toEqual([
      ['stg_payments', 'production', '"warehouse"."prod"."stg_payments"']
    ])
  })

  it('says when there was no baseline and counts a failing run', () => {
    const report = reportOf(jaffleRun('fail'), runInfo({ success: false, baseline: null, builtAll: true, defer: false, deferredEnv: null }))
    expect(report.run).toMatchObject({ success: false, baseline: null, built_all: true, deferred_env: null })
    expect(report.counts.by_status).toEqual({ error: 1, skipped: 3 })
    // Five refs of skipped nodes, and two that read a baseline relation nobody said was deferred.
    expect(report.counts.by_classification).toEqual({ unknown: 7, inlined: 1 })
    const reasons = report.nodes.flatMap((n) => n.refs.flatMap((r) => [r, ...r.children])).map((r) => r.reason)
    expect(reasons.filter((r) => r === 'not-compiled')).toHaveLength(5)
    expect(reasons.filter((r) => r === 'no-deferred-env')).toHaveLength(2)
  })

  it('leaves the baseline age empty when the timestamp is unusable', () => {
    const report = reportOf(jaffleRun('pass'), runInfo({ baseline: { source: 'path', generatedAt: 'yesterday' } }))
    expect(report.run.baseline).toEqual({
      source: 'path',
      run_id: null,
      run_url: null,
      sha: null,
      generated_at: 'yesterday',
      location: null,
      age_seconds: null
    })
  })
})

describe('fileUrl', () => {
  const run = { serverUrl: 'https://github.com/', repository: 'acme/analytics', headSha: 'abcdef1', projectDir: './transform/' }
  it('links the file at the PR commit, encoding what would end a link', () => {
    expect(fileUrl(run, 'models/a b(1).sql')).toBe('https://github.com/acme/analytics/blob/abcdef1/transform/models/a%20b%281%29.sql')
    expect(fileUrl({ ...run, projectDir: '' }, 'models/x.sql')).toBe('https://github.com/acme/analytics/blob/abcdef1/models/x.sql')
  })
  it('gives no link without a repository, commit or http(s) server, or for paths leaving the repository', () => {
    expect(fileUrl({ ...run, headSha: undefined }, 'm.sql')).toBeNull()
    expect(fileUrl({ ...run, serverUrl: 'javascript:alert(1)//' }, 'm.sql')).toBeNull()
    expect(fileUrl({ ...run, repository: 'a/b"><img' }, 'm.sql')).toBeNull()
    expect(fileUrl(run, '../../etc/passwd')).toBeNull()
  })
})

describe('refs to relations dbt clone made', () => {
  it('are reported as clones of the deferred environment, not as CI builds, and counted so', () => {
    const run = jaffleRun('pass')
    const analysis = analyzeRun({ manifest: run.manifest, baseline: run.baseline, runResults: run.runResults, deferredEnv: 'production' })
    const plain = buildReport({ analysis, runResults: run.runResults, manifest: run.manifest, run: runInfo() })
    const dev = plain.nodes.flatMap((n) => n.refs).filter((r) => r.classification === 'dev')
    const target = (dev[0] ?? plain.nodes.flatMap((n) => n.refs)[0]).unique_id
    // Make one ref read the CI schema, as it does after a clone, then report the node as cloned.
    const asDev = analysis.map((n) => ({
      ...n,
      refs: n.refs.map((r) => (r.uniqueId === target ? { ...r, classification: 'dev' as const } : r))
    }))
    const report = buildReport({
      analysis: asDev,
      runResults: run.runResults,
      manifest: run.manifest,
      run: runInfo(),
      cloned: new Set([target])
    })
    const refs = report.nodes.flatMap((n) => n.refs).filter((r) => r.unique_id === target)
    expect(refs.length).toBeGreaterThan(0)
    for (const r of refs) {
      expect(r.classification).toBe('clone')
      expect(r.evidence).toContain("a clone of production's, made by dbt clone before this build")
    }
    expect(report.counts.by_classification.clone).toBe(refs.length)
    expect(errorsOf(JSON.parse(JSON.stringify(report)))).toEqual([])
  })
})
