/**
 * The lineage picture of the report: a Mermaid flowchart (GitHub renders it in comments and
 * summaries) of the nodes the run built, their parents coloured by where each ref resolved, and
 * the first level of children the run did not build, with the reason on each built node. Bounded:
 * above a node count that stays readable, and within Mermaid's text limit, it draws the built
 * nodes only and says what was left out. Pure.
 */
import type { Classification } from '../resolution/types.js'
import type { DownstreamNode } from './downstream.js'

/** A ref of a built node, as report.json has it (inlined refs carry their own). */
export interface LineageRef {
  unique_id: string
  name: string
  resource_type: string
  classification: Classification
  children: LineageRef[]
}

/** A built node: its reason, its refs and its unbuilt children. */
export interface LineageNode {
  uniqueId: string
  name: string
  resourceType: string
  /** Why it was selected, a few words. */
  reason: string
  refs: LineageRef[]
  downstream: DownstreamNode[]
}

/** The most nodes drawn in full; above it only the built nodes are drawn. */
export const MAX_DRAWN = 60
/** The most built nodes drawn at all. */
export const MAX_BUILT = 120
/** Mermaid refuses diagrams above 50,000 characters by default; stay well inside. */
export const MAX_CHARS = 40_000

/** The picture and what it left out. */
export interface Lineage {
  /** A ```mermaid block, and a note when something was left out. */
  markdown: string
  /** Nodes drawn. */
  drawn: number
  /** Parents and children left out, and built nodes left out. */
  omitted: { parents: number; downstream: number; built: number }
}

const CLASSES: Array<[string, string]> = [
  ['built', 'fill:#dbeafe,stroke:#1d4ed8,stroke-width:2px'],
  ['this_run', 'fill:#dcfce7,stroke:#15803d'],
  ['dev', 'fill:#e0f2fe,stroke:#0369a1'],
  ['clone', 'fill:#e0f2fe,stroke:#0369a1,stroke-dasharray:3 3'],
  ['staging', 'fill:#fef3c7,stroke:#b45309'],
  ['production', 'fill:#fae8ff,stroke:#a21caf'],
  ['source', 'fill:#f1f5f9,stroke:#475569'],
  ['inlined', 'fill:#ffffff,stroke:#94a3b8,stroke-dasharray:2 2'],
  ['unknown', 'fill:#fee2e2,stroke:#b91c1c'],
  ['downstream', 'fill:#ffffff,stroke:#64748b,stroke-dasharray:4 4']
]

/** A label safe inside `["…"]`: Mermaid's entity codes for the characters that would end it. */
function label(text: string): string {
  return text.replace(/[#"<>]/g, (c) => ({ '#': '#35;', '"': '#quot;', '<': '#lt;', '>': '#gt;' })[c] as string)
}

function classOf(c: Classification): string {
  return c === 'this-run' ? 'this_run' : c
}

interface Drawing {
  ids: Map<string, string>
  nodes: string[]
  edges: string[]
}

function idFor(d: Drawing, uniqueId: string): { id: string; fresh: boolean } {
  const known = d.ids.get(uniqueId)
  if (known) return { id: known, fresh: false }
  const id = `n${d.ids.size}`
  d.ids.set(uniqueId, id)
  return { id, fresh: true }
}

function drawParents(d: Drawing, ref: LineageRef, childId: string, built: ReadonlySet<string>): void {
  const { id, fresh } = idFor(d, ref.unique_id)
  if (fresh && !built.has(ref.unique_id)) d.nodes.push(`  ${id}["${label(ref.name)}"]:::${classOf(ref.classification)}`)
  d.edges.push(`  ${id} --> ${childId}`)
  for (const inner of ref.children) drawParents(d, inner, id, built)
}

function draw(nodes: readonly LineageNode[], full: boolean): Drawing {
  const d: Drawing = { ids: new Map(), nodes: [], edges: [] }
  const built = new Set(nodes.map((n) => n.uniqueId))
  for (const n of nodes) {
    const { id } = idFor(d, n.uniqueId)
    d.nodes.push(`  ${id}["${label(n.name)}<br/><i>${label(n.reason)}</i>"]:::built`)
  }
  for (const n of nodes) {
    const childId = d.ids.get(n.uniqueId) as string
    for (const ref of n.refs) {
      if (built.has(ref.unique_id)) d.edges.push(`  ${d.ids.get(ref.unique_id)} --> ${childId}`)
      else if (full) drawParents(d, ref, childId, built)
    }
    if (!full) continue
    for (const child of n.downstream) {
      const { id, fresh } = idFor(d, child.uniqueId)
      if (fresh) d.nodes.push(`  ${id}["${label(child.name)}<br/><i>${label(child.resourceType)}, not rebuilt</i>"]:::downstream`)
      d.edges.push(`  ${childId} -.-> ${id}`)
    }
  }
  return d
}

function text(d: Drawing): string {
  const classes = CLASSES.map(([name, style]) => `  classDef ${name} ${style}`)
  return ['flowchart LR', ...d.nodes, ...[...new Set(d.edges)], ...classes].join('\n')
}

function countOthers(nodes: readonly LineageNode[]): { parents: number; downstream: number } {
  const built = new Set(nodes.map((n) => n.uniqueId))
  const parents = new Set<string>()
  const walk = (r: LineageRef): void => {
    if (!built.has(r.unique_id)) parents.add(r.unique_id)
    r.children.forEach(walk)
  }
  nodes.forEach((n) => n.refs.forEach(walk))
  const downstream = new Set(nodes.flatMap((n) => n.downstream.map((c) => c.uniqueId)))
  return { parents: parents.size, downstream: downstream.size }
}

/** The lineage picture of the built nodes (tests are not drawn). */
export function renderLineage(all: readonly LineageNode[]): Lineage {
  const nodes = all.filter((n) => n.resourceType !== 'test' && n.resourceType !== 'unit_test')
  const others = countOthers(nodes)
  const fullDrawing = draw(nodes, true)
  if (fullDrawing.ids.size <= MAX_DRAWN && text(fullDrawing).length <= MAX_CHARS) {
    return { markdown: block(text(fullDrawing)), drawn: fullDrawing.ids.size, omitted: { parents: 0, downstream: 0, built: 0 } }
  }
  let shown = nodes.slice(0, MAX_BUILT)
  let drawing = draw(shown, false)
  while (text(drawing).length > MAX_CHARS && shown.length > 1) {
    shown = shown.slice(0, Math.floor(shown.length / 2))
    drawing = draw(shown, false)
  }
  const omitted = { ...others, built: nodes.length - shown.length }
  const left = [
    omitted.built ? `${omitted.built} built nodes` : '',
    omitted.parents ? `${omitted.parents} parents` : '',
    omitted.downstream ? `${omitted.downstream} downstream nodes` : ''
  ].filter(Boolean)
  const note = `The graph shows ${shown.length} of the ${nodes.length} built nodes and the refs between them; ${left.join(', ')} were left out to keep it readable (every node's refs and downstream are listed below and in report.json).`
  return { markdown: `${block(text(drawing))}\n${note}\n`, drawn: drawing.ids.size, omitted }
}

function block(graph: string): string {
  return `\`\`\`mermaid\n${graph}\n\`\`\`\n`
}
