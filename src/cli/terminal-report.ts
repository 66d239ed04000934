/**
 * The resolution report for a terminal: each node the run built and where each of its refs was
 * read from, made from the same report structure as the pull request's. Coloured with ANSI
 * escapes when the terminal takes them, plain text otherwise. Pure.
 */
import type { Classification } from '../resolution/types.js'
import type { Report, ReportRef } from '../report/types.js'

/** Text styles the report uses. */
type Style = 'bold' | 'dim' | 'green' | 'red' | 'yellow' | 'cyan' | 'magenta' | 'blue'

const ANSI: Record<Style, [number, number]> = {
  bold: [1, 22],
  dim: [2, 22],
  red: [31, 39],
  green: [32, 39],
  yellow: [33, 39],
  blue: [34, 39],
  magenta: [35, 39],
  cyan: [36, 39]
}

/** Wraps text in a style, or not. */
export type Paint = (style: Style, text: string) => string

/** ANSI colours. */
export const colour: Paint = (style, text) => `\u001b[${ANSI[style][0]}m${text}\u001b[${ANSI[style][1]}m`
/** No colours. */
export const plain: Paint = (_style, text) => text

/** Whether to colour: a terminal, unless NO_COLOR is set; FORCE_COLOR forces it. */
export function wantsColour(isTTY: boolean | undefined, env: Record<string, string | undefined>): boolean {
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return true
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false
  return Boolean(isTTY) && env.TERM !== 'dumb'
}

/** Where a ref was read from, in the words of a developer's machine. */
const WHERE: Record<Classification, { label: string; style: Style }> = {
  'this-run': { label: 'this run', style: 'green' },
  dev: { label: 'dev', style: 'cyan' },
  clone: { label: 'clone (dev)', style: 'cyan' },
  staging: { label: 'staging', style: 'yellow' },
  production: { label: 'production', style: 'magenta' },
  source: { label: 'source', style: 'blue' },
  inlined: { label: 'inlined', style: 'dim' },
  unknown: { label: 'unknown', style: 'red' }
}

const STATUS_STYLE: Record<string, Style> = {
  success: 'green',
  pass: 'green',
  error: 'red',
  fail: 'red',
  warn: 'yellow',
  skipped: 'yellow',
  reused: 'dim'
}

function refLines(ref: ReportRef, depth: number, paint: Paint): string[] {
  const where = WHERE[ref.classification]
  const relation = ref.relation ?? ref.dev_relation ?? ref.state_relation
  const why = ref.classification === 'unknown' && ref.reason ? ` (${ref.reason}: ${ref.evidence})` : ''
  const line = `${'  '.repeat(depth)}${ref.resource_type} ${ref.name} ${paint('dim', '→')} ${paint(where.style, where.label)}${relation ? `  ${paint('dim', relation)}` : ''}${why}`
  return [line, ...ref.children.flatMap((child) => refLines(child, depth + 1, paint))]
}

function headline(report: Report): string {
  const run = report.run
  if (!run.defer) return run.built_all ? 'without defer: no baseline was found' : 'without defer (--no-defer): every ref reads dev'
  const b = run.baseline
  const parts = [b?.source, b?.run_id ? `run ${b.run_id}` : undefined, b?.sha ? `commit ${b.sha.slice(0, 7)}` : undefined]
  const age = b?.age_seconds != null ? `, ${ageText(b.age_seconds)} old` : ''
  return `deferred to ${run.deferred_env ?? 'the baseline'}${run.favor_state ? ' (favor-state)' : ''} (${parts.filter(Boolean).join(', ')}${age})`
}

/** An age in words: 45 s, 12 min, 3 h, 2 days. */
export function ageText(seconds: number): string {
  if (seconds < 90) return `${Math.round(seconds)} s`
  if (seconds < 90 * 60) return `${Math.round(seconds / 60)} min`
  if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} h`
  return `${Math.round(seconds / 86400)} days`
}

function countsLine(report: Report, paint: Paint): string {
  const byStatus = Object.entries(report.counts.by_status).map(([s, n]) => paint(STATUS_STYLE[s] ?? 'bold', `${n} ${s}`))
  const byWhere = Object.entries(report.counts.by_classification).map(([c, n]) => {
    const where = WHERE[c as Classification] ?? { label: c, style: 'bold' }
    return `${n} ${paint(where.style, where.label)}`
  })
  return `${report.counts.total} node${report.counts.total === 1 ? '' : 's'}: ${byStatus.join(', ') || 'none'}${byWhere.length ? `; refs: ${byWhere.join(', ')}` : ''}`
}

/** The report as terminal lines. */
export function renderTerminalReport(report: Report, paint: Paint): string {
  const lines = [paint('bold', `dbt-defer: dbt ${report.run.command} ${headline(report)}`)]
  for (const node of report.nodes) {
    const status = paint(STATUS_STYLE[node.status] ?? 'bold', node.status)
    const time = node.execution_time != null ? paint('dim', ` ${node.execution_time.toFixed(1)}s`) : ''
    lines.push(
      `  ${node.resource_type} ${paint('bold', node.name)}  ${status}${time}${node.relation ? `  ${paint('dim', node.relation)}` : ''}`
    )
    if (!node.compiled && !node.is_test && node.refs.length > 0)
      lines.push(`      ${paint('yellow', 'not compiled: where its refs resolve is not known')}`)
    for (const ref of node.refs) lines.push(...refLines(ref, 3, paint))
  }
  if (report.nodes.length === 0) lines.push('  dbt ran no nodes.')
  lines.push(countsLine(report, paint))
  return `${lines.join('\n')}\n`
}
