/**
 * Why each node was selected: which part of dbt's `state:modified` fired for it, asked of dbt
 * itself (`dbt ls` with the `state:modified.<part>` sub-selectors and `state:new`, against the
 * same state), never re-implemented. On top of dbt's answer, the known false-positive patterns
 * are flagged from the two manifests. Pure, except `askDbt`, which runs the `dbt ls` steps.
 */
import type { Manifest, ManifestNode } from '../dbt/artifact-types.js'

/** The parts of `state:modified` dbt can be asked for one by one, and `new`. */
export const PARTS = ['new', 'body', 'configs', 'relation', 'persisted_descriptions', 'macros', 'contract'] as const
/** One part. */
export type Part = (typeof PARTS)[number]

/** How a selected node with no part of its own got into the selection. */
export type Via =
  /** A data test of a node that was selected (dbt's indirect selection). */
  | { kind: 'tests'; nodes: string[] }
  /** Downstream of a modified node (a `+` in the selection). */
  | { kind: 'downstream'; of: string }
  /** The selection names it some other way (a name, a tag, a path). */
  | { kind: 'selection' }

/** A known false positive of `state:modified`, flagged so a reviewer can tell noise from signal. */
export type Flag =
  /** Only configs differ, and only in their rendered values: a config that depends on the target (dbt-core#9562). */
  | { kind: 'env-aware-config'; keys: string[] }
  /** Selected only because these macros (or macros they call) changed. */
  | { kind: 'macro-only'; macros: string[] }
  /** A seed above dbt's size limit: dbt compares its path only, not its contents. */
  | { kind: 'seed-by-path' }

/** Why one node was selected. */
export interface NodeWhy {
  uniqueId: string
  /** The parts of `state:modified` that fired for it (empty: see `via`). */
  parts: Part[]
  via?: Via
  flags: Flag[]
}

/** Which nodes each part selects, as dbt answered. */
export type PartSets = Record<Part, ReadonlySet<string>>

/** The dbt selector of one part. */
export function selectorOf(part: Part): string {
  return part === 'new' ? 'state:new' : `state:modified.${part}`
}

/**
 * The `dbt ls` arguments for one part: only the nodes the part fires for, no tests by indirect
 * selection. The step runner adds the flags that shape the parse (`--vars` among them).
 */
export function lsArgs(part: Part, stateDir: string): string[] {
  return [
    'ls',
    '--quiet',
    '--select',
    selectorOf(part),
    '--state',
    stateDir,
    '--indirect-selection',
    'empty',
    '--output',
    'json',
    '--output-keys',
    'unique_id'
  ]
}

/** The unique_id of a `dbt ls --output json` line, or undefined for any other line. */
export function idOfLine(line: string): string | undefined {
  const text = line.trim()
  if (!text.startsWith('{') || !text.includes('"unique_id"')) return undefined
  try {
    const parsed = JSON.parse(text) as { unique_id?: unknown }
    return typeof parsed.unique_id === 'string' ? parsed.unique_id : undefined
  } catch {
    return undefined
  }
}

export function nodeOf(manifest: Manifest, id: string): ManifestNode | undefined {
  return manifest.nodes[id] ?? manifest.unit_tests?.[id]
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null)
}

/** Config keys whose values differ between the two manifests' nodes. */
export function differingConfigKeys(current: ManifestNode, baseline: ManifestNode): string[] {
  const now = current.config ?? {}
  const then = baseline.config ?? {}
  return [...new Set([...Object.keys(now), ...Object.keys(then)])].filter((k) => !same(now[k], then[k])).sort()
}

/** Config keys whose rendered values differ while what the project wrote is the same in both manifests. */
function envAwareKeys(current: ManifestNode, baseline: ManifestNode): string[] | undefined {
  const differing = differingConfigKeys(current, baseline)
  if (differing.length === 0) return undefined
  const unrenderedNow = (current.unrendered_config ?? {}) as Record<string, unknown>
  const unrenderedThen = (baseline.unrendered_config ?? {}) as Record<string, unknown>
  return differing.every((k) => k in unrenderedNow && same(unrenderedNow[k], unrenderedThen[k])) ? differing : undefined
}

/** Macros whose SQL differs between the manifests (or that are new). */
export function changedMacros(current: Manifest, baseline: Manifest): Set<string> {
  const now = (current.macros ?? {}) as Record<string, { macro_sql?: string }>
  const then = (baseline.macros ?? {}) as Record<string, { macro_sql?: string }>
  return new Set(Object.keys(now).filter((id) => then[id]?.macro_sql !== now[id]?.macro_sql))
}

/** The changed macros a node calls, directly or through other macros. */
function changedMacrosOf(node: ManifestNode, current: Manifest, changed: ReadonlySet<string>): string[] {
  const macros = (current.macros ?? {}) as Record<string, { depends_on?: { macros?: string[] } }>
  const seen = new Set<string>()
  const found = new Set<string>()
  const stack = [...(node.depends_on?.macros ?? [])]
  while (stack.length > 0) {
    const id = stack.pop() as string
    if (seen.has(id)) continue
    seen.add(id)
    if (changed.has(id)) found.add(id)
    stack.push(...(macros[id]?.depends_on?.macros ?? []))
  }
  return [...found].sort()
}

function flagsOf(id: string, parts: Part[], current: Manifest, baseline: Manifest, changed: ReadonlySet<string>): Flag[] {
  const node = nodeOf(current, id)
  const before = nodeOf(baseline, id)
  if (!node) return []
  const flags: Flag[] = []
  if (parts.length === 1 && parts[0] === 'configs' && before) {
    const keys = envAwareKeys(node, before)
    if (keys) flags.push({ kind: 'env-aware-config', keys })
  }
  if (parts.length === 1 && parts[0] === 'macros') {
    const macros = changedMacrosOf(node, current, changed)
    if (macros.length > 0) flags.push({ kind: 'macro-only', macros })
  }
  if (node.resource_type === 'seed' && node.checksum?.name === 'path') flags.push({ kind: 'seed-by-path' })
  return flags
}

/** The nearest ancestor (through depends_on) that a part fired for. */
function modifiedAncestor(id: string, current: Manifest, direct: ReadonlySet<string>): string | undefined {
  const seen = new Set<string>([id])
  let frontier = [id]
  while (frontier.length > 0) {
    const next: string[] = []
    for (const n of frontier) {
      for (const parent of nodeOf(current, n)?.depends_on?.nodes ?? []) {
        if (seen.has(parent)) continue
        if (direct.has(parent)) return parent
        seen.add(parent)
        next.push(parent)
      }
    }
    frontier = next
  }
  return undefined
}

function viaOf(id: string, current: Manifest, direct: ReadonlySet<string>, selected: ReadonlySet<string>): Via {
  const node = nodeOf(current, id)
  if (node?.resource_type === 'test' || node?.resource_type === 'unit_test') {
    const tested = (node.depends_on?.nodes ?? []).filter((p) => selected.has(p))
    if (tested.length > 0) return { kind: 'tests', nodes: tested }
  }
  const ancestor = modifiedAncestor(id, current, direct)
  return ancestor ? { kind: 'downstream', of: ancestor } : { kind: 'selection' }
}

/** Why each selected node was selected, from dbt's per-part answers and the two manifests. */
export function explainSelection(selected: readonly string[], sets: PartSets, current: Manifest, baseline: Manifest): NodeWhy[] {
  const selectedSet = new Set(selected)
  // dbt counts a new node under every part of state:modified; it is just new.
  const partsOf = (id: string): Part[] => (sets.new.has(id) ? ['new'] : PARTS.filter((p) => sets[p].has(id)))
  const direct = new Set(selected.filter((id) => partsOf(id).length > 0))
  const changed = changedMacros(current, baseline)
  return selected.map((id) => {
    const parts = partsOf(id)
    const why: NodeWhy = { uniqueId: id, parts, flags: flagsOf(id, parts, current, baseline, changed) }
    if (parts.length === 0) why.via = viaOf(id, current, direct, selectedSet)
    return why
  })
}

/** Nodes selected only because of each changed macro, for the headline ("41 nodes … macro `x` changed"). */
export function macroOnlyCounts(whys: readonly NodeWhy[]): Array<{ macro: string; nodes: number }> {
  const counts = new Map<string, number>()
  for (const why of whys) {
    for (const flag of why.flags) if (flag.kind === 'macro-only') for (const m of flag.macros) counts.set(m, (counts.get(m) ?? 0) + 1)
  }
  return [...counts].map(([macro, nodes]) => ({ macro, nodes })).sort((a, b) => b.nodes - a.nodes || a.macro.localeCompare(b.macro))
}
