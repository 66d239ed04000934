import { describe, expect, it } from '@jest/globals'
import { stoppedAt, resultsOf } from '../src/compare/read.js'
import { modelChange, NO_KEY_NOTE, rowChange, schemaChange, totalsOf, valueSamples } from '../src/compare/result.js'
import { compareSql, jinjaLiteral, PROGRESS, RESULT_BEGIN, RESULT_END } from '../src/compare/sql.js'
import type { CompareTarget, RawResult } from '../src/compare/types.js'

const target: CompareTarget = {
  uniqueId: 'model.shop.customers',
  name: 'customers',
  resourceType: 'model',
  ci: { database: 'w', schema: 'ci', identifier: 'customers', rendered: '"w"."ci"."customers"' },
  deferred: { database: 'w', schema: 'prod', identifier: 'customers', rendered: '"w"."prod"."customers"' },
  key: { column: 'id', source: 'unique-test' }
}

function raw(overrides: Partial<RawResult> = {}): RawResult {
  const cols = [
    { name: 'id', type: 'INTEGER' },
    { name: 'name', type: 'VARCHAR' }
  ]
  return {
    i: 0,
    ci_exists: true,
    deferred_exists: true,
    ci_columns: cols,
    deferred_columns: cols,
    ci_rows: 10,
    deferred_rows: 10,
    ...overrides
  }
}

const keys = (only_ci: number, only_deferred: number, changed: number): RawResult['keys'] => ({
  column: 'id',
  compared: ['name'],
  only_ci,
  only_deferred,
  changed,
  examples: { only_ci: [], only_deferred: only_deferred ? ['7'] : [], changed: [] }
})

describe('schemaChange and rowChange', () => {
  it('finds added, removed and retyped columns by name', () => {
    const ci = [
      { name: 'id', type: 'INTEGER' },
      { name: 'amount', type: 'VARCHAR' },
      { name: 'new_col', type: 'BOOLEAN' }
    ]
    const prod = [
      { name: 'id', type: 'INTEGER' },
      { name: 'amount', type: 'DOUBLE' },
      { name: 'Gone', type: 'DATE' }
    ]
    expect(schemaChange(ci, prod)).toEqual({
      added: [{ name: 'new_col', type: 'BOOLEAN' }],
      removed: [{ name: 'Gone', type: 'DATE' }],
      type_changed: [{ name: 'amount', ci_type: 'VARCHAR', deferred_type: 'DOUBLE' }],
      unchanged: 1
    })
  })

  it('gives the change absolute and in percent, to one decimal', () => {
    expect(rowChange(5, 6)).toEqual({ ci: 5, deferred: 6, change: -1, change_pct: -16.7 })
    expect(rowChange(3, 0)).toEqual({ ci: 3, deferred: 0, change: 3, change_pct: null })
    expect(rowChange(3, null)).toEqual({ ci: 3, deferred: null, change: null, change_pct: null })
  })
})

describe('valueSamples', () => {
  it('pairs the example rows of both sides by key and keeps only the differing columns; null when off', () => {
    const values = {
      columns: ['id', 'name', 'city'],
      ci: [
        ['1', 'ANN', 'Oslo'],
        ['2', 'Bo', null]
      ],
      deferred: [
        ['2', 'Bo', 'Rome'],
        ['1', 'Ann', 'Oslo']
      ]
    }
    expect(valueSamples(values)).toEqual([
      { key: '1', columns: [{ name: 'name', ci: 'ANN', deferred: 'Ann' }] },
      { key: '2', columns: [{ name: 'city', ci: null, deferred: 'Rome' }] }
    ])
    expect(valueSamples(undefined)).toBeNull()
  })
})

describe('modelChange and totalsOf', () => {
  it('reports a keyed model with its key diff and a model without a key with counts only', () => {
    const keyed = modelChange(target, raw({ deferred_rows: 11, keys: keys(0, 1, 2) }), 'production').change
    expect(keyed).toMatchObject({
      status: 'compared',
      rows: { ci: 10, deferred: 11, change: -1 },
      key_diff: { only_deferred: 1, changed: 2 }
    })
    expect(keyed.key_diff_note).toBeNull()
    const bare = modelChange({ ...target, key: null }, raw(), 'production').change
    expect(bare.key_diff).toBeNull()
    expect(bare.key_diff_note).toBe(NO_KEY_NOTE)
    expect(totalsOf([keyed, bare], 1)).toEqual({
      models: 2,
      new_models: 0,
      removed_models: 1,
      columns_added: 0,
      columns_removed: 0,
      columns_type_changed: 0,
      rows_changed: 3,
      row_count_changes: 1,
      failed: 0
    })
  })

  it('reports a model the deferred environment lacks as new, with a warning when its manifest names the relation', () => {
    const { change, warning } = modelChange(target, raw({ deferred_exists: false, deferred_columns: [], deferred_rows: null }), 'staging')
    expect(change).toMatchObject({ status: 'new', deferred_relation: null, rows: { ci: 10, deferred: null }, columns: raw().ci_columns })
    expect(warning).toBe(
      `customers: staging's manifest names "w"."prod"."customers", but that relation does not exist; it is reported as a new model.`
    )
    expect(modelChange({ ...target, deferred: null }, raw(), 'staging').warning).toBeUndefined()
  })

  it('says why the key diff is missing', () => {
    expect(
      modelChange(target, raw({ key_skipped: 'more than 5 rows (compare-key-diff-max-rows)' }), 'production').change.key_diff_note
    ).toBe('key diff skipped: more than 5 rows (compare-key-diff-max-rows)')
    expect(modelChange(target, raw(), 'production', 'key diff failed: boom').change.key_diff_note).toBe('key diff failed: boom')
  })
})

describe('the comparison program and its answer', () => {
  it('escapes every name that enters the Jinja and only reads', () => {
    const sql = compareSql([{ ...target, ci: { ...target.ci, identifier: "it's" } }], {
      keyDiffMaxRows: 100,
      exampleKeys: 3,
      where: "x = 'a'"
    })
    expect(sql).toContain("'it\\'s'")
    expect(sql).toContain("' where (x = \\'a\\')'")
    expect(sql).not.toMatch(/(?<!\.)\b(create|drop|alter|insert|delete|update|truncate|merge|grant)\b/i)
    expect(sql).toContain('{%- set samples = false -%}')
    expect(compareSql([target], { keyDiffMaxRows: 1, exampleKeys: 1, valueSamples: true })).toContain('{%- set samples = true -%}')
    expect(jinjaLiteral({ a: [1, null, true, 'b'] })).toBe("{'a': [1, none, true, 'b']}")
  })

  it('reads the result between the markers, and where a failed run stopped in text and JSON logs', () => {
    const result = [raw()]
    expect(
      resultsOf({
        metadata: { dbt_schema_version: '' },
        results: [{ unique_id: 'x', status: 'success', compiled_code: `${RESULT_BEGIN}${JSON.stringify(result)}${RESULT_END}select 1` }]
      })
    ).toEqual(result)
    const text = [
      `${PROGRESS} 0:columns`,
      `${PROGRESS} 0:rows`,
      `${PROGRESS} 1:columns`,
      '05:10:01  Encountered an error:',
      'Runtime Error',
      '  permission denied for table customers'
    ].join('\n')
    expect(stoppedAt(text)).toEqual({ index: 1, phase: 'columns', error: 'permission denied for table customers' })
    const pg = `${PROGRESS} 0:rows\nRuntime Error\n  Database Error in sql_operation inline_query (from remote system.sql)\n  permission denied for table t`
    expect(stoppedAt(pg)?.error).toBe('Database Error: permission denied for table t')
    const json = [
      JSON.stringify({ info: { msg: `${PROGRESS} 2:keys` } }),
      JSON.stringify({ info: { msg: 'could not identify an equality operator for type json' } })
    ].join('\n')
    expect(stoppedAt(json)).toEqual({ index: 2, phase: 'keys', error: 'could not identify an equality operator for type json' })
    expect(stoppedAt('Could not connect')).toBeUndefined()
  })
})
