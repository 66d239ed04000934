/**
 * Types of the resolution analysis: for every node of a dbt invocation, where each of its refs
 * really resolved, read from the rendered SQL.
 */
import type { Manifest, RunResults } from '../dbt/artifact-types.js'
import type { CompiledSql, SqlSource } from '../dbt/compiled-sql.js'
import type { DeferredEnv } from '../settings.js'

/**
 * Where one ref of a node resolved.
 * - `this-run`: a parent built earlier in this invocation (its CI relation was read);
 * - `dev`: the CI/dev relation, not built by this invocation;
 * - `staging` / `production`: the deferred environment's relation (the baseline manifest's);
 * - `source`: a dbt source (never deferred);
 * - `inlined`: an ephemeral model compiled in as a CTE (its own refs are in `children`);
 * - `unknown`: the evidence does not tell (see `reason`).
 */
/**
 * Where a ref resolved. `clone` is never produced by the analysis: the report marks a `dev` ref
 * whose CI relation `dbt clone` made from the deferred environment in this run.
 */
export type Classification = 'this-run' | 'dev' | 'clone' | DeferredEnv | 'source' | 'inlined' | 'unknown'

/** Why a ref could not be classified. */
export type UnknownReason =
  /** The node has no compiled SQL (skipped, or failed before compiling). */
  | 'not-compiled'
  /** dbt reused the node from state without running it (dbt Fusion's `reused`): there is no SQL to read. */
  | 'reused'
  /** The CI and baseline relation names are the same: the SQL cannot tell them apart. */
  | 'identical-names'
  /** Both the CI and the baseline relation appear in the SQL. */
  | 'both-found'
  /** Neither relation (nor the CTE of an ephemeral parent) appears in the SQL. */
  | 'none-found'
  /** The parent is not in the current manifest. */
  | 'missing-parent'
  /** A relation name could not be parsed. */
  | 'unparseable-relation'
  /** The parent is neither ephemeral nor a source, yet has no relation name in the manifest. */
  | 'no-relation'
  /** The SQL reads the baseline relation but the caller did not say which environment that is. */
  | 'no-deferred-env'

/** Where one parent (`depends_on.nodes` entry) of a node resolved, with the evidence. */
export interface RefResolution {
  /** The parent's unique_id. */
  uniqueId: string
  /** The parent's name (with `.v<version>` for versioned models). */
  name: string
  /** The parent's resource type (model, seed, snapshot, source, ...); `unknown` when missing. */
  resourceType: string
  /** The classification. */
  classification: Classification
  /** The relation the compiled SQL read, when one was identified. */
  relation: string | null
  /** The parent's relation in the current (CI/dev) manifest. */
  devRelation: string | null
  /** The parent's relation in the baseline (deferred environment's) manifest. */
  stateRelation: string | null
  /** One sentence: what was found in the compiled SQL. */
  evidence: string
  /** Set when classification is `unknown`. */
  reason: UnknownReason | null
  /** For `inlined` parents: the ephemeral model's own refs, analysed against the same SQL. */
  children: RefResolution[]
}

/** One result of the invocation with the resolution of each of its refs. */
export interface NodeResolution {
  /** The node's unique_id. */
  uniqueId: string
  /** Display name (with `.v<version>` for versioned models). */
  name: string
  /** Resource type (model, seed, snapshot, test, unit_test, operation, ...). */
  resourceType: string
  /** True for data tests and unit tests, which the report collapses. */
  isTest: boolean
  /** run_results status (success, error, skipped, pass, fail, warn, ...). */
  status: string
  /** Seconds dbt spent on the node. */
  executionTime: number | null
  /** dbt's message (errors, test failures). */
  message: string | null
  /** Failing row count of tests, when dbt gives one. */
  failures: number | null
  /** The node's own relation in the current manifest (where it was built). */
  relation: string | null
  /** original_file_path, relative to the dbt project. */
  file: string | null
  /** Whether dbt produced compiled SQL for the node. */
  compiled: boolean
  /** Where the compiled SQL was read: run_results.json, or the files dbt wrote; null without SQL. */
  sqlFrom: SqlSource | null
  /** Its refs, in `depends_on.nodes` order. */
  refs: RefResolution[]
}

/** Input of `analyzeRun`. */
export interface AnalysisInput {
  /** The current (CI) manifest, written by the invocation. */
  manifest: Manifest
  /** The baseline (deferred environment's) manifest; null when there was none. */
  baseline: Manifest | null
  /** The invocation's run_results.json. */
  runResults: RunResults
  /** Which environment the baseline belongs to; null when nothing was deferred. */
  deferredEnv: DeferredEnv | null
  /**
   * The SQL of results that do not carry `compiled_code`, read from the files dbt wrote (dbt
   * Fusion leaves it out); results without an entry are read from run_results.json.
   */
  sqlFiles?: ReadonlyMap<string, CompiledSql>
}
