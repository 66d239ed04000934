/**
 * The data comparison: what is compared (the plan), what dbt answered for each relation, and the
 * typed result the report shows. Names follow report.json (snake_case) where they land there.
 */
import type { DeferredEnv } from '../settings.js'

/** A relation as dbt's relation API takes it. */
export interface RelationParts {
  database: string
  schema: string
  identifier: string
  /** The rendered, quoted name dbt gives it (`relation_name`). */
  rendered: string
}

/** Where a model's key comes from. */
export type KeySource = 'unique-test' | 'primary-key' | 'unique-key'

/** The one-column key the project declares for a model. */
export interface DeclaredKey {
  column: string
  source: KeySource
}

/** One relation the comparison reads, CI beside the deferred environment's. */
export interface CompareTarget {
  uniqueId: string
  name: string
  resourceType: string
  ci: RelationParts
  /** The deferred environment's relation; null for a model the baseline does not have. */
  deferred: RelationParts | null
  key: DeclaredKey | null
}

/** A node the comparison left out, and why. */
export interface NotCompared {
  unique_id: string
  name: string
  reason: string
}

/** A model of the baseline that the PR removed. */
export interface RemovedModel {
  unique_id: string
  name: string
  resource_type: string
  relation: string | null
}

/** What to compare. Pure output of planComparison. */
export interface ComparePlan {
  targets: CompareTarget[]
  notCompared: NotCompared[]
  removed: RemovedModel[]
}

/** A column as the adapter reports it. */
export interface ColumnInfo {
  name: string
  type: string
}

/** What dbt answered for one target (the raw result of the Jinja). */
export interface RawResult {
  i: number
  ci_exists: boolean
  deferred_exists: boolean
  ci_columns: ColumnInfo[]
  deferred_columns: ColumnInfo[]
  ci_rows: number | null
  deferred_rows: number | null
  /** Present when the key diff ran. */
  keys?: {
    column: string
    compared: string[]
    only_ci: number
    only_deferred: number
    changed: number
    examples: { only_ci: string[]; only_deferred: string[]; changed: string[] }
    /** With value samples on: the example changed rows on both sides, key first. */
    values?: { columns: string[]; ci: Array<Array<string | null>>; deferred: Array<Array<string | null>> }
  }
  /** Why the key diff did not run, when a key is declared. */
  key_skipped?: string
}

/** The schema part of a model's change. */
export interface SchemaChange {
  added: ColumnInfo[]
  removed: ColumnInfo[]
  type_changed: Array<{ name: string; ci_type: string; deferred_type: string }>
  /** Number of columns with the same name and type on both sides. */
  unchanged: number
}

/** The row counts of a model. */
export interface RowChange {
  ci: number
  deferred: number | null
  change: number | null
  /** Percent change against the deferred environment; null when it had no rows or is absent. */
  change_pct: number | null
}

/** One example changed row's differing values (value samples on). */
export interface ValueSample {
  key: string
  columns: Array<{ name: string; ci: string | null; deferred: string | null }>
}

/** The changed rows by key. */
export interface KeyDiff {
  only_ci: number
  only_deferred: number
  changed: number
  /** Columns whose values were compared (the key's own excluded). */
  compared_columns: string[]
  examples: { only_ci: string[]; only_deferred: string[]; changed: string[] }
  /** The differing values of the example changed rows; null unless compare-value-samples is on. */
  value_samples: ValueSample[] | null
}

/** How a model compared. */
export type ModelCompareStatus = 'compared' | 'new' | 'failed'

/** The data changes of one model, as report.json has them. */
export interface ModelDataChange {
  unique_id: string
  name: string
  resource_type: string
  status: ModelCompareStatus
  ci_relation: string
  deferred_relation: string | null
  /** The CI relation's columns (for new models); empty otherwise. */
  columns: ColumnInfo[]
  schema: SchemaChange | null
  rows: RowChange | null
  key: DeclaredKey | null
  key_diff: KeyDiff | null
  /** Why there is no key diff (no key declared, too many rows, a failure); null when it ran. */
  key_diff_note: string | null
  /** Why the comparison of this model failed; null unless status is failed. */
  error: string | null
}

/** The totals of the headline. */
export interface DataChangeTotals {
  models: number
  new_models: number
  removed_models: number
  columns_added: number
  columns_removed: number
  columns_type_changed: number
  /** Rows only in CI, only in the deferred environment, or changed, over the keyed models. */
  rows_changed: number
  /** Models whose row count differs. */
  row_count_changes: number
  failed: number
}

/** The data changes of the run, report.json's `data_changes`. */
export interface DataChanges {
  against: DeferredEnv
  where: string | null
  models: ModelDataChange[]
  removed: RemovedModel[]
  not_compared: NotCompared[]
  totals: DataChangeTotals
  warnings: string[]
  /** dbt invocations the comparison took. */
  invocations: number
}
