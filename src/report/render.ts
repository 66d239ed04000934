/**
 * Renders the report as markdown within a size budget. Levels of detail, tried in order until
 * one fits: full (every ref with relation names on expand) → compact (one line per node) →
 * essentials (failures and deferred refs only) → truncated (as many essential lines as fit,
 * failures first, then a pointer to the full report). Blocks are only ever dropped whole, so
 * the output never ends inside a tag or a table.
 */
import { escapeInline, isSafeUrl, link, sizeOf, table } from './markdown.js'
import { flattenRefs, isDeferred, outcomeOf, sortNodes } from './format.js'
import { header, legend, title } from './header.js'
import { dataChangesBlocks } from './render-data.js'
import { selectionBlocks } from './render-selection.js'
import { deferredItem, failureItem, MESSAGE_MAX, nodeFull, nodeRow, testRow } from './render-node.js'
import type { Report, ReportNode } from './types.js'

/** Options of `renderMarkdown`. */
export interface RenderOptions {
  /** Upper bound of the output's size (checked in UTF-8 bytes, the strictest reading). */
  maxChars: number
  /** Where the full report is (e.g. "the job summary of this run", or its URL), named when shortened. */
  summaryHint?: string
}

/** Level of detail, most detailed first. */
export type Level = 'full' | 'compact' | 'essentials'

const LEVELS: Level[] = ['full', 'compact', 'essentials']

interface Parts {
  report: Report
  built: ReportNode[]
  tests: ReportNode[]
  failures: ReportNode[]
}

/** Renders the report as markdown no larger than `opts.maxChars`, as detailed as fits. */
export function renderMarkdown(report: Report, opts: RenderOptions): string {
  return renderWithLevel(report, opts).markdown
}

/** Like renderMarkdown, also saying which level of detail fitted. */
export function renderWithLevel(report: Report, opts: RenderOptions): { markdown: string; level: Level | 'truncated' } {
  const parts = partsOf(report)
  for (const level of LEVELS) {
    const md = assemble(blocksFor(level, parts, opts), opts.maxChars)
    if (md !== null) return { markdown: md, level }
  }
  return { markdown: truncated(parts, opts), level: 'truncated' }
}

function partsOf(report: Report): Parts {
  const sorted = sortNodes(report.nodes)
  return {
    report,
    built: sorted.filter((n) => !n.is_test),
    tests: sorted.filter((n) => n.is_test),
    failures: sorted.filter((n) => outcomeOf(n.status) === 'failed' || outcomeOf(n.status) === 'warned')
  }
}

/** Joins blocks with blank lines; null as soon as they exceed `max`. */
function assemble(blocks: Iterable<string>, max: number): string | null {
  const out: string[] = []
  let size = 0
  for (const block of blocks) {
    size += sizeOf(block) + (out.length > 0 ? 2 : 0)
    if (size > max) return null
    out.push(block)
  }
  return out.join('\n\n')
}

function* blocksFor(level: Level, p: Parts, opts: RenderOptions): Generator<string> {
  yield header(p.report)
  if (level === 'essentials') {
    yield* essentials(p)
    if (p.report.data_changes) yield* dataChangesBlocks(p.report.data_changes, true)
    yield* selectionBlocks(p.report, level)
  } else {
    yield* builtSection(level, p)
    if (p.report.data_changes) yield* dataChangesBlocks(p.report.data_changes, false)
    yield* selectionBlocks(p.report, level)
    yield* testSection(level, p)
  }
  yield legend()
  if (level !== 'full')
    yield shortenedNote(opts, level === 'compact' ? 'relation names and evidence' : 'passing nodes without deferred refs')
}

function* builtSection(level: Level, p: Parts): Generator<string> {
  yield `### Models, seeds and snapshots (${p.built.length})`
  if (p.built.length === 0) {
    yield 'None ran.'
    return
  }
  if (level === 'full') {
    for (const node of p.built) yield nodeFull(node, p.report)
    return
  }
  yield table(['Status', 'Node', 'Type', 'Time', 'Refs'], p.built.map(nodeRow))
  const failed = p.built.filter((n) => outcomeOf(n.status) !== 'passed' && n.message)
  if (failed.length > 0) yield failed.map((n) => failureItem(n, MESSAGE_MAX.compact)).join('\n')
}

function* testSection(level: Level, p: Parts): Generator<string> {
  if (p.tests.length === 0) return
  yield `### Tests (${p.tests.length})`
  const failing = p.tests.filter((n) => outcomeOf(n.status) === 'failed' || outcomeOf(n.status) === 'warned')
  if (failing.length > 0) yield failing.map((n) => failureItem(n, level === 'full' ? MESSAGE_MAX.compact : MESSAGE_MAX.test)).join('\n')
  const rows = p.tests.map((n) => testRow(n, MESSAGE_MAX.test))
  yield `<details><summary>All ${p.tests.length} tests</summary>\n\n${table(['Status', 'Test', 'Refs', 'Time', 'Message'], rows)}\n\n</details>`
}

function* essentials(p: Parts): Generator<string> {
  if (p.failures.length > 0) {
    yield failuresHeading(p)
    yield p.failures.map((n) => failureItem(n, MESSAGE_MAX.essentials)).join('\n')
  }
  const deferred = deferredItems(p)
  if (deferred.length > 0) {
    yield `### Deferred refs (${deferred.length} nodes)`
    yield deferred.join('\n')
  }
  const rest = p.report.nodes.length - p.failures.length - deferred.length
  if (rest > 0) yield `<sub>${rest} other nodes ran without failures or deferred refs.</sub>`
}

function failuresHeading(p: Parts): string {
  const warned = p.failures.some((n) => outcomeOf(n.status) === 'warned')
  return `### ${warned ? 'Failures and warnings' : 'Failures'} (${p.failures.length})`
}

/** Deferred refs of the models, seeds and snapshots that did not fail. */
function deferredItems(p: Parts): string[] {
  return p.built.filter((n) => !p.failures.includes(n) && flattenRefs(n.refs).some(isDeferred)).map((n) => deferredItem(n) as string)
}

/** The summary hint: a link when it is an http(s) URL, else escaped text. */
function pointer(hint: string): string {
  return isSafeUrl(hint) ? link('the job summary of this run', hint) : escapeInline(hint, 300)
}

function shortenedNote(opts: RenderOptions, dropped: string): string {
  const where = opts.summaryHint ? `: the full report is in ${pointer(opts.summaryHint)}` : ''
  return `<sub>Shortened to fit (${dropped} left out)${where}.</sub>`
}

/**
 * Last resort: header, then failure lines (no messages), then deferred-ref lines, as many as
 * fit, and a closing line that says what was left out and where the full report is.
 */
function truncated(p: Parts, opts: RenderOptions): string {
  const max = opts.maxChars
  const room = max - reserveFor(opts, p)
  const heading = failuresHeading(p)
  const groups = [
    { heading, items: failureItems(p, header(p.report), heading, room), what: 'failures' },
    { heading: '### Deferred refs', items: deferredItems(p), what: 'nodes with deferred refs' }
  ]
  let out = header(p.report)
  const left: string[] = []
  for (const g of groups) {
    const r = appendList(out, g.heading, g.items, room)
    out = r.out
    if (r.omitted > 0) left.push(`${r.omitted} ${g.what}`)
  }
  const end = truncatedNote(opts, left)
  const final = `${out}\n\n${end}`
  return sizeOf(final) <= max ? final : minimal(p, max)
}

/** Failure lines with a short message when they all fit so, else names only (every failure named first). */
function failureItems(p: Parts, head: string, heading: string, room: number): string[] {
  const withMessages = p.failures.map((n) => failureItem(n, MESSAGE_MAX.test))
  const fits = sizeOf(`${head}\n\n${heading}\n\n${withMessages.join('\n')}`) <= room
  return fits ? withMessages : p.failures.map((n) => failureItem(n, 0))
}

/** Room kept for the closing line (its longest form). */
function reserveFor(opts: RenderOptions, p: Parts): number {
  return sizeOf(truncatedNote(opts, [`${p.report.nodes.length} failures`, `${p.report.nodes.length} nodes with deferred refs`])) + 2
}

function appendList(out: string, heading: string, items: string[], max: number): { out: string; omitted: number } {
  const lines: string[] = []
  let size = sizeOf(out) + sizeOf(heading) + 4
  for (const item of items) {
    size += sizeOf(item) + (lines.length > 0 ? 1 : 0)
    if (size > max) break
    lines.push(item)
  }
  const text = lines.length > 0 ? `${out}\n\n${heading}\n\n${lines.join('\n')}` : out
  return { out: text, omitted: items.length - lines.length }
}

function truncatedNote(opts: RenderOptions, left: string[]): string {
  const omitted = left.length > 0 ? ` Not shown: ${left.join(', ')}.` : ''
  const where = opts.summaryHint ? ` The full report is in ${pointer(opts.summaryHint)}.` : ''
  return `<sub>Truncated to fit.${omitted}${where}</sub>`
}

/** When even the header does not fit: the title alone, or as much of it as fits. */
function minimal(p: Parts, max: number): string {
  const t = title(p.report)
  if (sizeOf(t) <= max) return t
  const plain = p.report.run.success ? 'dbt passed' : 'dbt failed'
  return plain.slice(0, Math.max(0, max))
}
