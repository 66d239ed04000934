import { describe, expect, it } from '@jest/globals'
import { modelChange, totalsOf } from '../src/compare/result.js'
import type { CompareTarget, DataChanges, ModelDataChange, RawResult } from '../src/compare/types.js'
import { analyzeRun } from '../src/resolution/analyze.js'
import { buildReport } from '../src/report/build.js'
import { COMMENT_BUDGET } from '../src/report/publish.js'
import { dataHeadline, modelLine } from '../src/report/render-data.js'
import { renderWithLevel } from '../src/report/render.js'
import { sizeOf } from '../src/report/markdown.js'
import { hugeRun, runInfo } from './helpers/synthetic.js'

function target(name: string, key = true): CompareTarget {
  return {
    uniqueId: `model.shop.${name}`,
    name,
    resourceType: 'model',
    ci: { database: 'w', schema: 'ci', identifier: name, rendered: `"w"."ci"."${name}"` },
    deferred: { database: 'w', schema: 'prod', identifier: name, rendered: `"w"."prod"."${name}"` },
    key: key ? { column: 'id', source: 'unique-test' } : null
  }
}

const columns = Array.from({ length: 12 }, (_, i) => ({ name: `c${i}`, type: 'INTEGER' }))

function raw(over: Partial<RawResult> = {}): RawResult {
  const keys = {
    column: 'id',
    compared: ['c1'],
    only_ci: 0,
    only_deferred: 0,
    changed: 0,
    examples: { only_ci: [], only_deferred: [], changed: [] }
  }
  return {
    i: 0,
    ci_exists: true,
    deferred_exists: true,
    ci_columns: columns,
    deferred_columns: columns,
    ci_rows: 1204,
    deferred_rows: 1204,
    keys,
    ...over
  }
}

function changes(models: ModelDataChange[]): DataChanges {
  return {
    against: 'production',
    where: null,
    models,
    removed: [],
    not_compared: [],
    totals: totalsOf(models, 0),
    warnings: [],
    invocations: 1
  }
}

describe('the data changes in markdown', () => {
  it('says an unchanged model in one line, and the headline counts what changed', () => {
    const same = modelChange(target('orders'), raw(), 'production').change
    expect(modelLine(same, 'production')).toBe('- ✅ <b>orders</b>: same 12 columns, 1,204 rows, no changed rows')
    const added = modelChange(
      target('customers'),
      raw({ ci_columns: [...columns, { name: 'extra', type: 'BOOLEAN' }] }),
      'production'
    ).change
    const keys = {
      column: 'id',
      compared: ['c1'],
      only_ci: 0,
      only_deferred: 0,
      changed: 2,
      examples: { only_ci: [], only_deferred: [], changed: ['7', '9'] }
    }
    const rows = modelChange(target('payments'), raw({ keys }), 'production').change
    expect(dataHeadline(changes([same, added, rows]))).toBe('3 models: 1 column added, 2 rows changed')
    // Keys only, unless value samples are on.
    expect(modelLine(rows, 'production')).toBe(
      '- ✏️ <b>payments</b>: same 12 columns, 1,204 rows, rows by <code>id</code>: 0 only in CI, 0 only in production, 2 changed (e.g. <code>7</code>, <code>9</code>)'
    )
    expect(dataHeadline(changes([same]))).toBe('1 model: no changes in the data')
  })

  it('fits the comment budget with hundreds of compared models on a huge run, keeping the headline', () => {
    const run = hugeRun(3000, 40)
    const info = runInfo()
    const analysis = analyzeRun({
      manifest: run.manifest,
      baseline: run.baseline,
      runResults: run.runResults,
      deferredEnv: info.deferredEnv
    })
    const models = Array.from(
      { length: 200 },
      (_, i) => modelChange(target(`model_${i}`, i % 2 === 0), raw({ ci_rows: 1204 + (i % 3) }), 'production').change
    )
    const report = buildReport({ analysis, runResults: run.runResults, manifest: run.manifest, run: info, dataChanges: changes(models) })
    const { markdown, level } = renderWithLevel(report, { maxChars: COMMENT_BUDGET })
    expect(sizeOf(markdown)).toBeLessThanOrEqual(COMMENT_BUDGET)
    expect(level).not.toBe('full')
    expect(markdown).toContain('- **Data changes against 🏭 production:** 200 models: row count changed in 133 models')
  })
})
