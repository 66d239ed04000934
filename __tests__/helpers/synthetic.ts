/**
 * Synthetic dbt artifacts for unit tests of the resolution analysis and the report: small,
 * explicit manifests and run results built in code (the scenario tests use real dbt instead).
 */
import type { Manifest, ManifestNode, ManifestSource, RunResult, RunResults } from '../../src/dbt/artifact-types.js'

/** A node to put in a synthetic manifest. */
export interface SynthNode {
  /** unique_id, e.g. `model.shop.orders`; the resource type is its first segment. */
  id: string
  /** Relation name; null for ephemeral models. */
  relation?: string | null
  /** depends_on.nodes */
  deps?: string[]
  /** config.materialized */
  materialized?: string
  /** alias (the CTE name of an ephemeral model derives from it) */
  alias?: string
  version?: number
  file?: string
}

function nameOf(id: string): string {
  const parts = id.split('.')
  return parts[0] === 'source' ? parts[3] : parts[2]
}

function toNode(n: SynthNode): ManifestNode {
  const type = n.id.split('.')[0]
  return {
    unique_id: n.id,
    resource_type: type,
    name: nameOf(n.id),
    package_name: 'shop',
    original_file_path: n.file ?? `models/${nameOf(n.id)}.sql`,
    relation_name: n.relation === undefined ? null : n.relation,
    alias: n.alias ?? nameOf(n.id),
    version: n.version ?? null,
    config: { materialized: n.materialized ?? (type === 'test' ? 'test' : 'table') },
    depends_on: { nodes: n.deps ?? [], macros: [] }
  }
}

function toSource(n: SynthNode): ManifestSource {
  const [, , sourceName, name] = n.id.split('.')
  return { unique_id: n.id, resource_type: 'source', name, source_name: sourceName, relation_name: n.relation ?? null, original_file_path: 'models/_sources.yml' }
}

/** A manifest holding exactly these nodes and sources. */
export function synthManifest(nodes: SynthNode[]): Manifest {
  const m: Manifest = { metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', dbt_version: '1.11.0' }, nodes: {}, sources: {} }
  for (const n of nodes) {
    if (n.id.startsWith('source.')) m.sources[n.id] = toSource(n)
    else m.nodes[n.id] = toNode(n)
  }
  return m
}

/** A result to put in synthetic run results. */
export type SynthResult = Pick<RunResult, 'unique_id' | 'status'> & Partial<RunResult>

/** run_results.json with these results and invocation args (defer on by default). */
export function synthRunResults(results: SynthResult[], args: Record<string, unknown> = {}): RunResults {
  return {
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json', dbt_version: '1.11.0' },
    results: results.map((r) => ({ execution_time: 0.5, message: r.status === 'success' ? 'OK' : null, compiled_code: null, ...r })),
    elapsed_time: 12.5,
    args: { which: 'build', defer: true, favor_state: false, ...args }
  }
}

/** `"warehouse"."<schema>"."<name>"`, the DuckDB/PostgreSQL form of a relation name. */
export function rel(schema: string, name: string, db = 'warehouse'): string {
  return `"${db}"."${schema}"."${name}"`
}
