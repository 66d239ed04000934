/**
 * Which relations the comparison reads: every model, seed and snapshot the run built that has a
 * relation, most downstream first, capped; its relation in the deferred environment (from the
 * baseline manifest) when the baseline has the node; and the one-column key the project declares
 * for it. Pure.
 */
import type { Manifest, ManifestNode, RunResults } from '../dbt/artifact-types.js'
import { entriesOf } from '../dbt/json-file.js'
import type { ComparePlan, CompareTarget, DeclaredKey, NotCompared, RelationParts, RemovedModel } from './types.js'

const COMPARED_TYPES = new Set(['model', 'seed', 'snapshot'])

/** What planComparison reads. */
export interface PlanArgs {
  runResults: RunResults
  manifest: Manifest
  baseline: Manifest
  /** The most models to compare. */
  maxModels: number
}

/** The relation of a node, when it has one dbt can name. */
export function relationOf(node: ManifestNode | undefined): RelationParts | null {
  if (!node || !node.relation_name || node.config?.materialized === 'ephemeral') return null
  const identifier = node.alias || node.identifier || node.name
  if (!node.schema || !identifier) return null
  return { database: node.database ?? '', schema: node.schema, identifier, rendered: node.relation_name }
}

function isComparable(node: ManifestNode | undefined): node is ManifestNode {
  return Boolean(node && COMPARED_TYPES.has(node.resource_type) && relationOf(node))
}

/** The key the project declares for a node: a unique test on one column, a primary key, or `unique_key`. */
export function declaredKey(node: ManifestNode, manifest: Manifest): DeclaredKey | null {
  return uniqueTestKey(node, manifest) ?? primaryKey(node) ?? uniqueKeyConfig(node)
}

function uniqueTestKey(node: ManifestNode, manifest: Manifest): DeclaredKey | null {
  const columns = Object.values(manifest.nodes)
    .filter((t) => t.resource_type === 'test' && t.attached_node === node.unique_id)
    .filter((t) => (t.test_metadata as { name?: string } | undefined)?.name === 'unique' && typeof t.column_name === 'string')
    .map((t) => t.column_name as string)
    .sort()
  return columns.length > 0 ? { column: columns[0], source: 'unique-test' } : null
}

interface Constraint {
  type?: string
  columns?: string[]
}

function primaryKey(node: ManifestNode): DeclaredKey | null {
  const model = ((node.constraints as Constraint[] | undefined) ?? []).find((c) => c.type === 'primary_key')
  if (model?.columns?.length === 1) return { column: model.columns[0], source: 'primary-key' }
  const columns = (node.columns as Record<string, { name?: string; constraints?: Constraint[] }> | undefined) ?? {}
  const column = Object.entries(columns).find(([, c]) => (c.constraints ?? []).some((k) => k.type === 'primary_key'))
  return column ? { column: column[1].name ?? column[0], source: 'primary-key' } : null
}

function uniqueKeyConfig(node: ManifestNode): DeclaredKey | null {
  const key = node.config?.unique_key
  const one = Array.isArray(key) && key.length === 1 ? key[0] : key
  return typeof one === 'string' && /^[^\s,()]+$/.test(one) ? { column: one, source: 'unique-key' } : null
}

/** Depth of every node in the current manifest's graph: roots 0, each child one more than its deepest parent. */
export function depths(manifest: Manifest): Map<string, number> {
  const memo = new Map<string, number>()
  const visiting = new Set<string>()
  const depth = (id: string): number => {
    const known = memo.get(id)
    if (known !== undefined) return known
    if (visiting.has(id)) return 0
    visiting.add(id)
    const parents = manifest.nodes[id]?.depends_on?.nodes ?? []
    const d = parents.length === 0 ? 0 : 1 + Math.max(...parents.map(depth))
    visiting.delete(id)
    memo.set(id, d)
    return d
  }
  for (const id of Object.keys(manifest.nodes)) depth(id)
  return memo
}

function removedModels(manifest: Manifest, baseline: Manifest): RemovedModel[] {
  const removed: RemovedModel[] = []
  // One node at a time: a big baseline's nodes are read from its file as they are reached.
  for (const [, entry] of entriesOf(baseline.nodes)) {
    const n = entry as ManifestNode
    if (COMPARED_TYPES.has(n.resource_type) && n.package_name === baseline.metadata.project_name && !manifest.nodes[n.unique_id])
      removed.push({ unique_id: n.unique_id, name: n.name, resource_type: n.resource_type, relation: n.relation_name ?? null })
  }
  return removed.sort((a, b) => (a.unique_id < b.unique_id ? -1 : 1))
}

function targetOf(node: ManifestNode, manifest: Manifest, baseline: Manifest): CompareTarget {
  return {
    uniqueId: node.unique_id,
    name: node.version === null || node.version === undefined ? node.name : `${node.name}.v${node.version}`,
    resourceType: node.resource_type,
    ci: relationOf(node) as RelationParts,
    deferred: relationOf(baseline.nodes[node.unique_id]),
    key: declaredKey(node, manifest)
  }
}

/** The comparison's plan: the targets, most downstream first and capped; what is left out; what the PR removed. */
export function planComparison(args: PlanArgs): ComparePlan {
  const { manifest, baseline } = args
  const built = args.runResults.results
    .filter((r) => r.status === 'success')
    .map((r) => manifest.nodes[r.unique_id])
    .filter(isComparable)
  const depth = depths(manifest)
  built.sort((a, b) => (depth.get(b.unique_id) ?? 0) - (depth.get(a.unique_id) ?? 0) || (a.unique_id < b.unique_id ? -1 : 1))
  const targets = built.slice(0, args.maxModels).map((n) => targetOf(n, manifest, baseline))
  const notCompared: NotCompared[] = built.slice(args.maxModels).map((n) => ({
    unique_id: n.unique_id,
    name: n.name,
    reason: `over compare-max-models (${args.maxModels}): the ${args.maxModels} most downstream models were compared`
  }))
  return { targets, notCompared, removed: removedModels(manifest, baseline) }
}
