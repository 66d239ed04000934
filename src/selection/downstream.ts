/**
 * What lies downstream of each node the run built and was not rebuilt: its children in the
 * current manifest's child_map (models, snapshots, seeds, exposures, metrics, semantic models,
 * saved queries, analyses; tests are left out, they are the node's own checks). Pure.
 */
import type { Manifest } from '../dbt/artifact-types.js'

/** One child that the run did not build. */
export interface DownstreamNode {
  uniqueId: string
  name: string
  resourceType: string
}

/** Resource types of a child that count as "reading" the node. */
const NOT_COUNTED = new Set(['test', 'unit_test'])

/** Name and type of any manifest entry (nodes, exposures, metrics, semantic models, saved queries). */
function describe(manifest: Manifest, id: string): DownstreamNode {
  for (const section of ['nodes', 'exposures', 'metrics', 'semantic_models', 'saved_queries', 'sources'] as const) {
    const entry = (manifest[section] as Record<string, { name?: string; resource_type?: string }> | undefined)?.[id]
    if (entry) return { uniqueId: id, name: entry.name ?? id, resourceType: entry.resource_type ?? section.replace(/s$/, '') }
  }
  return { uniqueId: id, name: id.split('.').pop() ?? id, resourceType: id.split('.')[0] }
}

/** For each built node, its direct children that this run did not build. */
export function unbuiltChildren(manifest: Manifest, built: readonly string[]): Map<string, DownstreamNode[]> {
  const ran = new Set(built)
  const result = new Map<string, DownstreamNode[]>()
  for (const id of built) {
    const children = (manifest.child_map?.[id] ?? [])
      .filter((child) => !ran.has(child))
      .map((child) => describe(manifest, child))
      .filter((child) => !NOT_COUNTED.has(child.resourceType))
      .sort((a, b) => a.resourceType.localeCompare(b.resourceType) || a.name.localeCompare(b.name))
    result.set(id, children)
  }
  return result
}

/** Counts by resource type, e.g. { model: 12, exposure: 1 }, over every built node's unbuilt children (each child once). */
export function downstreamCounts(children: ReadonlyMap<string, DownstreamNode[]>): Record<string, number> {
  const seen = new Map<string, string>()
  for (const list of children.values()) for (const c of list) seen.set(c.uniqueId, c.resourceType)
  const counts: Record<string, number> = {}
  for (const type of seen.values()) counts[type] = (counts[type] ?? 0) + 1
  return counts
}
