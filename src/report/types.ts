/**
 * The report: what ran, against which baseline, and where every ref of every node resolved.
 * `Report` is the exact shape written to report.json (described by docs/report-schema.json).
 */
import type { BaselineSourceKind, DeferredEnv } from '../settings.js'
import type { Classification, UnknownReason } from '../resolution/types.js'
import type { ReportSelection } from '../selection/explain.js'
import type { DataChanges } from '../compare/types.js'
import type { SqlSource } from '../dbt/compiled-sql.js'
import type { DbtEngine } from '../dbt/engine.js'

/** The baseline the invocation deferred to, as the report shows it. */
export interface RunBaseline {
  /** Where it came from. */
  source: BaselineSourceKind
  /** Deploy run id, when known. */
  runId?: string
  /** Link to the deploy run, when known. */
  runUrl?: string
  /** Commit the deploy built, when known. */
  sha?: string
  /** When dbt wrote the baseline manifest (ISO 8601). */
  generatedAt?: string
  /** Human description of where it was found. */
  location?: string
}

/** Facts about the invocation that the artifacts do not hold (or hold less reliably). */
export interface RunInfo {
  /** The dbt command (build, run, test, ...). */
  command: string
  /** `--select` values. */
  select: string[]
  /** `--exclude` values. */
  exclude: string[]
  /** `--selector` name. */
  selector?: string
  /** Whether `--defer` was on. */
  defer: boolean
  /** Whether `--favor-state` was on. */
  favorState: boolean
  /** The environment deferred to; null when nothing was deferred. */
  deferredEnv: DeferredEnv | null
  /** The baseline used, when one was found. */
  baseline?: RunBaseline | null
  /** True when no baseline was found and everything was built without defer. */
  builtAll: boolean
  /** Whether dbt exited successfully. */
  success: boolean
  /** Seconds the invocation took; defaults to run_results `elapsed_time`. */
  elapsed?: number
  /** dbt version; defaults to run_results metadata. */
  dbtVersion?: string
  /** owner/repo, for file links. */
  repository?: string
  /** Web base URL (https://github.com), for file links. */
  serverUrl?: string
  /** The PR's head commit, for file links. */
  headSha?: string
  /** The dbt project directory relative to the repository root ('' or '.' for the root). */
  projectDir?: string
  /** The clock: the baseline's age is measured from here. */
  now: Date
}

/** One ref of a node in report.json. */
export interface ReportRef {
  unique_id: string
  name: string
  resource_type: string
  classification: Classification
  relation: string | null
  dev_relation: string | null
  state_relation: string | null
  evidence: string
  reason: UnknownReason | null
  children: ReportRef[]
}

/** One node of the invocation in report.json. */
export interface ReportNode {
  unique_id: string
  name: string
  resource_type: string
  is_test: boolean
  status: string
  execution_time: number | null
  message: string | null
  failures: number | null
  relation: string | null
  file: string | null
  /** Link to the file at the PR's commit, when the repository is known. */
  file_url: string | null
  compiled: boolean
  /** Where the compiled SQL was read: `run_results` (compiled_code), `target/compiled` or `target/run` (the files dbt wrote). */
  sql_from: SqlSource | null
  refs: ReportRef[]
}

/** The `run` section of report.json. */
export interface ReportRun {
  command: string
  select: string[]
  exclude: string[]
  selector: string | null
  defer: boolean
  favor_state: boolean
  deferred_env: DeferredEnv | null
  built_all: boolean
  baseline: {
    source: BaselineSourceKind
    run_id: string | null
    run_url: string | null
    sha: string | null
    generated_at: string | null
    location: string | null
    age_seconds: number | null
  } | null
  success: boolean
  elapsed_seconds: number | null
  dbt_version: string | null
  /** The engine that ran: dbt-core (1.x) or dbt Fusion (2.x), from the version. */
  dbt_engine: DbtEngine | null
  repository: string | null
  server_url: string | null
  head_sha: string | null
  project_dir: string | null
  generated_at: string
}

/** Counts of report.json. */
export interface ReportCounts {
  /** Number of nodes. */
  total: number
  /** Nodes by run_results status. */
  by_status: Record<string, number>
  /** Refs (children of inlined refs included) by classification. */
  by_classification: Record<string, number>
}

/** report.json. */
export interface Report {
  schema_version: 4
  run: ReportRun
  counts: ReportCounts
  nodes: ReportNode[]
  /** What the change did to the data, against the deferred environment; null when not compared. */
  data_changes: DataChanges | null
  /** Why each node was selected, what a lagging baseline added, what lies downstream; null when not asked. */
  selection: ReportSelection | null
}
