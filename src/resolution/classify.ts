/**
 * Classifies one parent of a node from the evidence in the node's compiled SQL: which of the
 * parent's relations (CI or baseline) the SQL names. Never guesses: when the SQL cannot tell,
 * the answer is `unknown` with a reason.
 */
import type { Manifest, ManifestNode, ManifestSource } from '../dbt/artifact-types.js'
import type { DeferredEnv } from '../settings.js'
import { containsCte, containsRelation, parseRelationName, sameRelation, type ScannedSql } from './relation-match.js'
import type { Classification, RefResolution, UnknownReason } from './types.js'

/** What the classification needs to know about the invocation. */
export interface ResolutionContext {
  /** The current (CI) manifest. */
  manifest: Manifest
  /** The baseline manifest, when there was one. */
  baseline: Manifest | null
  /** The environment the baseline belongs to. */
  deferredEnv: DeferredEnv | null
  /** True only when the invocation's args say `defer: false`. */
  deferOff: boolean
  /** unique_ids of the nodes this invocation built successfully. */
  builtThisRun: ReadonlySet<string>
}

type Parent = ManifestNode | ManifestSource

/** Looks a unique_id up among the nodes and sources of a manifest. */
export function lookupNode(manifest: Manifest | null, id: string): Parent | undefined {
  if (!manifest) return undefined
  return own(manifest.nodes, id) ?? own(manifest.sources, id)
}

/**
 * The entry of a manifest section, never an inherited property: an id such as `constructor`
 * or `__proto__` names a node only when the manifest has one of that name.
 */
export function own<T>(section: Record<string, T> | undefined, id: string): T | undefined {
  return section !== undefined && section !== null && Object.hasOwn(section, id) ? section[id] : undefined
}

/** A node's display name: `name`, or `name.v2` for a versioned model. */
export function displayName(node: Parent | undefined, id: string): string {
  if (!node) return id.split('.').slice(2).join('.') || id
  const version = (node as ManifestNode).version
  return version === undefined || version === null ? node.name : `${node.name}.v${version}`
}

/**
 * Resolves one parent against the scanned SQL of its consumer. `expanded` holds the ephemeral
 * models whose refs are already listed for this consumer: one compiled SQL resolves a parent the
 * same way on every path to it, so an ephemeral reached again (a diamond of ephemerals) is listed
 * without its refs, and the analysis stays linear in nodes and edges instead of doubling per layer.
 */
export function resolveParent(
  ctx: ResolutionContext,
  sql: ScannedSql,
  id: string,
  seen: ReadonlySet<string> = new Set(),
  expanded: Set<string> = new Set()
): RefResolution {
  const node = lookupNode(ctx.manifest, id)
  if (!node) return unknownRef(ctx, id, undefined, 'missing-parent', `${id} is not in the current manifest`)
  if (node.resource_type === 'source') return resolveSource(ctx, sql, node)
  if ((node as ManifestNode).config?.materialized === 'ephemeral') return resolveEphemeral(ctx, sql, node as ManifestNode, seen, expanded)
  return resolveRelation(ctx, sql, node)
}

/** A parent of a node that has no compiled SQL: nothing can be said. */
export function notCompiledRef(
  ctx: ResolutionContext,
  id: string,
  why: string,
  reason: Extract<UnknownReason, 'not-compiled' | 'reused'> = 'not-compiled'
): RefResolution {
  return unknownRef(ctx, id, lookupNode(ctx.manifest, id), reason, why)
}

function baseRef(
  ctx: ResolutionContext,
  id: string,
  node: Parent | undefined
): Omit<RefResolution, 'classification' | 'evidence' | 'reason'> {
  return {
    uniqueId: id,
    name: displayName(node, id),
    resourceType: node?.resource_type ?? 'unknown',
    relation: null,
    devRelation: node?.relation_name ?? null,
    stateRelation: lookupNode(ctx.baseline, id)?.relation_name ?? null,
    children: []
  }
}

/** An unknown ref: the reason, and the evidence sentence that explains it. */
function unknownRef(ctx: ResolutionContext, id: string, node: Parent | undefined, reason: UnknownReason, evidence: string): RefResolution {
  return { ...baseRef(ctx, id, node), classification: 'unknown', reason, evidence }
}

function knownRef(
  ctx: ResolutionContext,
  node: Parent,
  classification: Classification,
  relation: string | null,
  evidence: string
): RefResolution {
  return { ...baseRef(ctx, node.unique_id, node), classification, relation, evidence, reason: null }
}

/** Sources are never deferred: say so, and whether their relation shows in the SQL. */
function resolveSource(ctx: ResolutionContext, sql: ScannedSql, node: Parent): RefResolution {
  const rel = node.relation_name ?? null
  const parts = rel ? parseRelationName(rel) : null
  if (rel && parts && containsRelation(sql, parts)) {
    return knownRef(ctx, node, 'source', rel, `source (never deferred): the compiled SQL reads ${rel}`)
  }
  const what = rel ? `its relation ${rel} does not appear in the compiled SQL` : 'it has no relation name'
  return knownRef(ctx, node, 'source', null, `source (never deferred); ${what}`)
}

/** Ephemeral parents are inlined as CTEs; their own parents are read by the same SQL. */
function resolveEphemeral(
  ctx: ResolutionContext,
  sql: ScannedSql,
  node: ManifestNode,
  seen: ReadonlySet<string>,
  expanded: Set<string>
): RefResolution {
  const cte = `__dbt__cte__${node.alias ?? node.name}`
  if (!containsCte(sql, node.alias ?? node.name)) {
    return unknownRef(ctx, node.unique_id, node, 'none-found', `ephemeral model, but its CTE ${cte} does not appear in the compiled SQL`)
  }
  if (expanded.has(node.unique_id)) {
    return knownRef(ctx, node, 'inlined', null, `ephemeral model, inlined as the CTE ${cte}; its refs are listed where it first appears`)
  }
  expanded.add(node.unique_id)
  const inner = new Set(seen).add(node.unique_id)
  const parents = unique(node.depends_on?.nodes ?? []).filter((p) => !inner.has(p))
  const children = parents.map((p) => resolveParent(ctx, sql, p, inner, expanded))
  return { ...knownRef(ctx, node, 'inlined', null, `ephemeral model, inlined as the CTE ${cte}`), children }
}

/** A parent with a relation: compare its CI and baseline relation names with the SQL. */
function resolveRelation(ctx: ResolutionContext, sql: ScannedSql, node: Parent): RefResolution {
  const dev = node.relation_name ?? null
  const state = lookupNode(ctx.baseline, node.unique_id)?.relation_name ?? null
  const unknown = (reason: UnknownReason, evidence: string) => unknownRef(ctx, node.unique_id, node, reason, evidence)
  if (!dev) return unknown('no-relation', `${node.name} has no relation name in the current manifest`)
  const devParts = parseRelationName(dev)
  const stateParts = state === null ? null : parseRelationName(state)
  if (!devParts) return unknown('unparseable-relation', `cannot parse the CI relation name ${dev}`)
  if (state !== null && !stateParts) return unknown('unparseable-relation', `cannot parse the baseline relation name ${state}`)
  const devFound = containsRelation(sql, devParts)
  if (stateParts && sameRelation(devParts, stateParts)) return resolveIdentical(ctx, node, dev, devFound)
  const stateFound = stateParts ? containsRelation(sql, stateParts) : false
  return decide(ctx, node, { dev, state, devFound, stateFound })
}

/** What the SQL showed about a parent's two relation names. */
interface Found {
  dev: string
  state: string | null
  devFound: boolean
  stateFound: boolean
}

function decide(ctx: ResolutionContext, node: Parent, f: Found): RefResolution {
  const env = ctx.deferredEnv
  const unknown = (reason: UnknownReason, evidence: string) => unknownRef(ctx, node.unique_id, node, reason, evidence)
  if (f.devFound && f.stateFound) return unknown('both-found', `the compiled SQL reads both ${f.dev} (CI) and ${f.state} (baseline)`)
  if (f.devFound) return devOrThisRun(ctx, node, f)
  if (f.stateFound && env) {
    const evidence = `the compiled SQL reads ${f.state}, the ${env} relation; the CI relation ${f.dev} does not appear`
    return knownRef(ctx, node, env, f.state, evidence)
  }
  if (f.stateFound) {
    return unknown(
      'no-deferred-env',
      `the compiled SQL reads the baseline relation ${f.state}, but which environment it belongs to was not given`
    )
  }
  const missing = f.state
    ? `neither ${f.dev} (CI) nor ${f.state} (baseline) appears`
    : `${f.dev} (CI) does not appear, and the baseline has no such node`
  return unknown('none-found', `${missing} in the compiled SQL`)
}

function devOrThisRun(ctx: ResolutionContext, node: Parent, f: Found): RefResolution {
  if (ctx.builtThisRun.has(node.unique_id)) {
    return knownRef(ctx, node, 'this-run', f.dev, `the compiled SQL reads ${f.dev}, which this run built`)
  }
  const other = f.state ? `the baseline relation ${f.state} does not appear` : 'the baseline has no such node, so it could not be deferred'
  return knownRef(ctx, node, 'dev', f.dev, `the compiled SQL reads the CI relation ${f.dev}, not built by this run; ${other}`)
}

/**
 * Same name in both manifests: the SQL cannot tell the environments apart. It can still be
 * certain when this run built the relation, or when defer was off (nothing could be deferred).
 */
function resolveIdentical(ctx: ResolutionContext, node: Parent, rel: string, found: boolean): RefResolution {
  const unknown = (reason: UnknownReason, evidence: string) => unknownRef(ctx, node.unique_id, node, reason, evidence)
  if (!found) return unknown('none-found', `${rel} (the same name in CI and baseline) does not appear in the compiled SQL`)
  if (ctx.builtThisRun.has(node.unique_id)) {
    return knownRef(ctx, node, 'this-run', rel, `the compiled SQL reads ${rel}, which this run built`)
  }
  if (ctx.deferOff) {
    return knownRef(ctx, node, 'dev', rel, `the compiled SQL reads ${rel}; defer was off, so no ref could resolve elsewhere`)
  }
  return unknown(
    'identical-names',
    `the compiled SQL reads ${rel}, the relation name in both CI and the baseline: the SQL cannot tell them apart`
  )
}

/** Keeps the first occurrence of each id. */
export function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)]
}
