/**
 * From what dbt answered to the data changes the report shows: schema differences, row counts,
 * the key diff, the notes that say why a part is missing, and the totals of the headline. Pure.
 */
import type { DeferredEnv } from '../settings.js'
import type {
  ColumnInfo,
  CompareTarget,
  DataChangeTotals,
  KeyDiff,
  ModelDataChange,
  RawResult,
  RowChange,
  SchemaChange,
  ValueSample
} from './types.js'

/** The schema difference: columns only in CI, only in the deferred environment, and with another type. */
export function schemaChange(ci: ColumnInfo[], deferred: ColumnInfo[]): SchemaChange {
  const base = new Map(deferred.map((c) => [c.name, c.type]))
  const mine = new Set(ci.map((c) => c.name))
  const typeChanged = ci
    .filter((c) => base.has(c.name) && base.get(c.name) !== c.type)
    .map((c) => ({ name: c.name, ci_type: c.type, deferred_type: base.get(c.name) as string }))
  return {
    added: ci.filter((c) => !base.has(c.name)),
    removed: deferred.filter((c) => !mine.has(c.name)),
    type_changed: typeChanged,
    unchanged: ci.filter((c) => base.get(c.name) === c.type).length
  }
}

/** Row counts and their change (percent to one decimal). */
export function rowChange(ci: number, deferred: number | null): RowChange {
  if (deferred === null) return { ci, deferred: null, change: null, change_pct: null }
  const change = ci - deferred
  return { ci, deferred, change, change_pct: deferred > 0 ? Math.round((change / deferred) * 1000) / 10 : null }
}

/** What a key-less model's report says. */
export const NO_KEY_NOTE =
  'no key declared (a unique test on one column, a primary key constraint or unique_key): schema and row counts only'

function keyNote(target: CompareTarget, raw: RawResult, failedNote: string | undefined, schema: SchemaChange | null): string | null {
  if (!target.key) return NO_KEY_NOTE
  if (failedNote) return failedNote
  if (raw.key_skipped) return `key diff skipped: ${raw.key_skipped}`
  if (schema && schema.type_changed.length > 0)
    return `values of the columns whose type changed are not compared: ${schema.type_changed.map((c) => c.name).join(', ')}`
  return null
}

/** Pairs the example changed rows of both sides by key and keeps the columns that differ. */
export function valueSamples(values: NonNullable<RawResult['keys']>['values']): ValueSample[] | null {
  if (!values) return null
  const deferred = new Map(values.deferred.map((row) => [row[0] ?? '', row]))
  return values.ci.map((row) => {
    const other = deferred.get(row[0] ?? '') ?? []
    const columns = values.columns
      .map((name, i) => ({ name, ci: row[i] ?? null, deferred: other[i] ?? null }))
      .filter((c, i) => i > 0 && c.ci !== c.deferred)
    return { key: row[0] ?? '', columns }
  })
}

function keyDiff(raw: RawResult): KeyDiff | null {
  const k = raw.keys
  if (!k) return null
  const { only_ci, only_deferred, changed, examples } = k
  return { only_ci, only_deferred, changed, compared_columns: k.compared, examples, value_samples: valueSamples(k.values) }
}

function base(
  target: CompareTarget
): Omit<ModelDataChange, 'status' | 'columns' | 'schema' | 'rows' | 'key_diff' | 'key_diff_note' | 'error'> {
  return {
    unique_id: target.uniqueId,
    name: target.name,
    resource_type: target.resourceType,
    ci_relation: target.ci.rendered,
    deferred_relation: target.deferred?.rendered ?? null,
    key: target.key
  }
}

/** A model whose comparison failed. */
export function failedChange(target: CompareTarget, error: string): ModelDataChange {
  return { ...base(target), status: 'failed', columns: [], schema: null, rows: null, key_diff: null, key_diff_note: null, error }
}

/**
 * One model's data change. `failedKeyNote` says why the key diff failed in an earlier attempt.
 * Returns a warning too, when the deferred environment lacks a relation its manifest names.
 */
export function modelChange(
  target: CompareTarget,
  raw: RawResult,
  env: DeferredEnv,
  failedKeyNote?: string
): { change: ModelDataChange; warning?: string } {
  if (!raw.ci_exists || raw.ci_rows === null)
    return { change: failedChange(target, `the CI relation ${target.ci.rendered} was not found, although this run built it`) }
  if (!target.deferred || !raw.deferred_exists) {
    const warning = target.deferred
      ? `${target.name}: ${env}'s manifest names ${target.deferred.rendered}, but that relation does not exist; it is reported as a new model.`
      : undefined
    const change: ModelDataChange = {
      ...base(target),
      deferred_relation: null,
      status: 'new',
      columns: raw.ci_columns,
      schema: null,
      rows: rowChange(raw.ci_rows, null),
      key_diff: null,
      key_diff_note: null,
      error: null
    }
    return { change, warning }
  }
  const schema = schemaChange(raw.ci_columns, raw.deferred_columns)
  return {
    change: {
      ...base(target),
      status: 'compared',
      columns: [],
      schema,
      rows: rowChange(raw.ci_rows, raw.deferred_rows),
      key_diff: keyDiff(raw),
      key_diff_note: keyNote(target, raw, failedKeyNote, schema),
      error: null
    }
  }
}

/** Whether a compared model changed in any way the comparison sees. */
export function hasChanges(m: ModelDataChange): boolean {
  if (m.status !== 'compared') return true
  const s = m.schema
  const schemaChanged = Boolean(s && (s.added.length || s.removed.length || s.type_changed.length))
  const rowsChanged = Boolean(m.rows?.change)
  const keysChanged = Boolean(m.key_diff && (m.key_diff.only_ci || m.key_diff.only_deferred || m.key_diff.changed))
  return schemaChanged || rowsChanged || keysChanged
}

/** The totals of the headline. */
export function totalsOf(models: ModelDataChange[], removed: number): DataChangeTotals {
  const sum = (f: (m: ModelDataChange) => number): number => models.reduce((n, m) => n + f(m), 0)
  return {
    models: models.length,
    new_models: models.filter((m) => m.status === 'new').length,
    removed_models: removed,
    columns_added: sum((m) => m.schema?.added.length ?? 0),
    columns_removed: sum((m) => m.schema?.removed.length ?? 0),
    columns_type_changed: sum((m) => m.schema?.type_changed.length ?? 0),
    rows_changed: sum((m) => (m.key_diff ? m.key_diff.only_ci + m.key_diff.only_deferred + m.key_diff.changed : 0)),
    row_count_changes: models.filter((m) => m.status === 'compared' && Boolean(m.rows?.change)).length,
    failed: models.filter((m) => m.status === 'failed').length
  }
}
