/**
 * The parts of dbt's artifacts (manifest v12, run_results v6) the action reads. dbt adds keys
 * without bumping the schema, so every type here is open: unknown keys are kept and ignored.
 */

/** A node of the manifest (model, seed, snapshot, test, analysis, ...). */
export interface ManifestNode {
  unique_id: string
  resource_type: string
  name: string
  package_name: string
  original_file_path: string
  /** The file's path under its resource directory (for a YAML-defined test, the test's own file name). */
  path?: string
  patch_path?: string | null
  database?: string | null
  schema?: string | null
  alias?: string | null
  identifier?: string | null
  relation_name?: string | null
  version?: string | number | null
  latest_version?: string | number | null
  config?: { materialized?: string; [key: string]: unknown }
  depends_on?: { nodes?: string[]; macros?: string[] }
  refs?: Array<{ name: string; package?: string | null; version?: string | number | null }>
  checksum?: { name: string; checksum: string }
  [key: string]: unknown
}

/** A source of the manifest. */
export interface ManifestSource {
  unique_id: string
  resource_type: 'source'
  name: string
  source_name: string
  database?: string | null
  schema?: string | null
  identifier?: string | null
  relation_name?: string | null
  original_file_path: string
  [key: string]: unknown
}

/** manifest.json metadata. */
export interface ManifestMetadata {
  dbt_schema_version: string
  dbt_version?: string
  generated_at?: string
  invocation_id?: string
  project_name?: string
  project_id?: string
  adapter_type?: string
  [key: string]: unknown
}

/** manifest.json. */
export interface Manifest {
  metadata: ManifestMetadata
  nodes: Record<string, ManifestNode>
  sources: Record<string, ManifestSource>
  /** Unit tests (dbt 1.8+); their results appear in run_results as `unit_test.*`. */
  unit_tests?: Record<string, ManifestNode>
  parent_map?: Record<string, string[]>
  child_map?: Record<string, string[]>
  [key: string]: unknown
}

/** One result of run_results.json. */
export interface RunResult {
  unique_id: string
  status: string
  execution_time?: number
  message?: string | null
  failures?: number | null
  compiled?: boolean | null
  compiled_code?: string | null
  relation_name?: string | null
  timing?: Array<{ name: string; started_at?: string | null; completed_at?: string | null }>
  adapter_response?: Record<string, unknown>
  thread_id?: string
  [key: string]: unknown
}

/** run_results.json. */
export interface RunResults {
  metadata: { dbt_schema_version: string; dbt_version?: string; generated_at?: string; invocation_id?: string; [key: string]: unknown }
  results: RunResult[]
  elapsed_time?: number
  args?: Record<string, unknown>
  [key: string]: unknown
}
