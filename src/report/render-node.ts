/**
 * Markdown of one node (or one line about it) at each level of detail. Every string from the
 * project or dbt goes through markdown.ts.
 */
import { bold, code, escapeInline, link, preBlock, table } from './markdown.js'
import { classificationLabel, CLASSIFICATIONS, flattenRefs, formatDuration, isDeferred, outcomeOf, statusEmoji } from './format.js'
import type { Report, ReportNode, ReportRef } from './types.js'

/** Message lengths (characters) by level of detail. */
export const MESSAGE_MAX = { full: 3000, compact: 500, essentials: 300, test: 200 } as const

/** "❌ error" */
export function statusLabel(status: string): string {
  return `${statusEmoji(status)} ${escapeInline(status, 40)}`
}

/** The node's name in bold, linked to its file at the PR's commit when known. */
export function nodeName(node: ReportNode): string {
  return link(bold(node.name), node.file_url)
}

/** Refs with their resolution, inline: `a` → 🏭 production · `b` → 🧩 inlined (`c` → 🏭 production). */
export function refsInline(refs: readonly ReportRef[]): string {
  if (refs.length === 0) return 'none'
  return refs.map(refInline).join(' · ')
}

function refInline(r: ReportRef): string {
  const own = `${code(r.name, 120)} → ${classificationLabel(r.classification)}`
  return r.children.length === 0 ? own : `${own} (${r.children.map(refInline).join(', ')})`
}

/** Refs grouped by classification: 🏭 production: `a`, `b` · 🔨 this run: `c`. */
export function refsGrouped(refs: readonly ReportRef[], filter: (r: ReportRef) => boolean = () => true): string {
  const flat = flattenRefs(refs).filter(filter)
  if (flat.length === 0) return 'none'
  return CLASSIFICATIONS.map(({ key }) => {
    const names = unique(flat.filter((r) => r.classification === key).map((r) => r.name))
    return names.length === 0 ? '' : `${classificationLabel(key)}: ${names.map((n) => code(n, 120)).join(', ')}`
  })
    .filter((s) => s !== '')
    .join(' · ')
}

function unique(xs: string[]): string[] {
  return [...new Set(xs)]
}

/** Table of every ref (children of inlined refs indented) with relation names and evidence. */
export function relationTable(refs: readonly ReportRef[], report: Report): string {
  const env = report.run.deferred_env ?? 'baseline'
  const rows = refs.flatMap((r) => relationRows(r, ''))
  return table(['Ref', 'Resolved to', 'Relation read', 'CI relation', `${env} relation`, 'Evidence'], rows)
}

function relationRows(r: ReportRef, via: string): string[][] {
  const name = via ? `↳ ${code(r.name, 120)} (via ${via})` : code(r.name, 120)
  const rel = (s: string | null): string => (s ? code(s, 200) : '–')
  const row = [
    name,
    classificationLabel(r.classification),
    rel(r.relation),
    rel(r.dev_relation),
    rel(r.state_relation),
    escapeInline(r.evidence, 300)
  ]
  return [row, ...r.children.flatMap((c) => relationRows(c, code(r.name, 120)))]
}

/** Full detail: heading, refs, relation names on expand, the failure message. */
export function nodeFull(node: ReportNode, report: Report): string {
  const parts = [
    `#### ${statusLabel(node.status)} · ${nodeName(node)}`,
    `${escapeInline(node.resource_type, 40)} · ${formatDuration(node.execution_time)}${fileNote(node)}`,
    `Refs: ${refsInline(node.refs)}`
  ]
  if (node.refs.length > 0) {
    parts.push(`<details><summary>Relations read</summary>\n\n${relationTable(node.refs, report)}\n\n</details>`)
  }
  if (node.message && outcomeOf(node.status) !== 'passed') parts.push(preBlock(node.message, MESSAGE_MAX.full))
  return parts.join('\n\n')
}

function fileNote(node: ReportNode): string {
  if (!node.file) return ''
  return ` · ${link(code(node.file, 200), node.file_url)}`
}

/** One table row: status, node, type, time, refs grouped by resolution. */
export function nodeRow(node: ReportNode): string[] {
  return [
    statusLabel(node.status),
    nodeName(node),
    escapeInline(node.resource_type, 40),
    formatDuration(node.execution_time),
    refsGrouped(node.refs)
  ]
}

/** One list item about a failure (or warning), with its message cut to `max`. */
export function failureItem(node: ReportNode, max: number): string {
  const head = `- ${statusLabel(node.status)} · ${nodeName(node)} (${escapeInline(node.resource_type, 40)})`
  return node.message && max > 0 ? `${head}: ${escapeInline(node.message, max)}` : head
}

/** One list item naming a node's deferred refs; null when it has none. */
export function deferredItem(node: ReportNode): string | null {
  if (!flattenRefs(node.refs).some(isDeferred)) return null
  return `- ${nodeName(node)} (${escapeInline(node.resource_type, 40)}): ${refsGrouped(node.refs, isDeferred)}`
}

/** One table row of a test: status, name, refs, time, message. */
export function testRow(node: ReportNode, messageMax: number): string[] {
  const message = node.message && outcomeOf(node.status) !== 'passed' ? escapeInline(node.message, messageMax) : ''
  return [statusLabel(node.status), nodeName(node), refsGrouped(node.refs), formatDuration(node.execution_time), message]
}
