/**
 * The "Why this selection" part of the markdown report: the headline (which parts of
 * `state:modified` fired, the false positives, what a lagging baseline added, what lies
 * downstream), the lineage picture, and each built node's reason with its unbuilt children.
 * Pure.
 */
import { reasonText, type ReportSelection } from '../selection/explain.js'
import { renderLineage, type LineageNode } from '../selection/lineage.js'
import type { Part } from '../selection/why.js'
import { code, escapeInline, isSafeUrl, link, table } from './markdown.js'
import type { Report } from './types.js'

const PART_NAMES: Record<Part, string> = {
  new: 'new',
  body: 'body',
  configs: 'configs',
  relation: 'relation',
  persisted_descriptions: 'persisted descriptions',
  macros: 'macros',
  contract: 'contract'
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`
}

function shortName(id: string): string {
  return id.split('.').slice(2).join('.') || id
}

/** "12 downstream models and 1 exposure". */
export function downstreamWords(counts: Record<string, number>): string {
  const parts = Object.entries(counts)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .map(([type, n]) => plural(n, type.replace(/_/g, ' ')))
  if (parts.length <= 1) return parts.join('')
  return `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]}`
}

function envAwareCount(s: ReportSelection): number {
  return Object.values(s.nodes).filter((n) => n.why.flags.some((f) => f.kind === 'env-aware-config')).length
}

/** The headline lines: parts, flags, lag, downstream. */
export function selectionHeadline(s: ReportSelection, env: string): string[] {
  const parts = (Object.entries(s.by_part) as Array<[Part, number]>).filter(([, n]) => n > 0).map(([p, n]) => `${n} ${PART_NAMES[p]}`)
  const lines = [
    `**Why selected:** ${parts.length > 0 ? parts.join(', ') : 'no node by state:modified itself'} (parts of \`state:modified\` that fired, asked of dbt).`
  ]
  const envAware = envAwareCount(s)
  if (envAware > 0) {
    lines.push(
      `⚠️ ${plural(envAware, 'node')} selected only for configs that render differently under this target (env-aware configs, dbt-core#9562): likely noise.`
    )
  }
  for (const m of s.macro_only) lines.push(`⚠️ ${plural(m.nodes, 'node')} selected only because macro ${code(shortName(m.macro))} changed.`)
  if (s.lag.known && s.lag.lag_only.length > 0) {
    const behind = s.lag.behind > 0 ? `${plural(s.lag.behind, 'commit')} behind` : ''
    const ahead = s.lag.ahead > 0 ? `${plural(s.lag.ahead, 'commit')} ahead of` : ''
    const where = [behind, ahead].filter(Boolean).join(' and ')
    const compare = isSafeUrl(s.lag.compare_url) ? ` (${link('compare', s.lag.compare_url)})` : ''
    lines.push(
      `⏳ ${plural(s.lag.lag_only.length, 'node is', 'nodes are')} selected only because the ${env} baseline is ${where} the pull request's merge base${compare}.`
    )
  } else if (!s.lag.known) {
    lines.push(`<sub>Baseline lag not known: ${escapeInline(s.lag.why, 300)}.</sub>`)
  }
  const total = Object.values(s.downstream).reduce((a, b) => a + b, 0)
  if (total > 0) lines.push(`↘️ ${downstreamWords(s.downstream)} read the built nodes and were not rebuilt.`)
  if (s.failed_parts.length > 0)
    lines.push(
      `<sub>dbt could not list ${s.failed_parts.map((p) => code(`state:modified.${p}`)).join(', ')}: those reasons are left out.</sub>`
    )
  return lines
}

function lineageNodes(report: Report, s: ReportSelection): LineageNode[] {
  return report.nodes
    .filter((n) => !n.is_test)
    .map((n) => {
      const sel = s.nodes[n.unique_id]
      return {
        uniqueId: n.unique_id,
        name: n.name,
        resourceType: n.resource_type,
        reason: sel ? reasonText(sel.why) : 'selected',
        refs: n.refs,
        downstream: (sel?.downstream ?? []).map((c) => ({ uniqueId: c.unique_id, name: c.name, resourceType: c.resource_type }))
      }
    })
}

function reasonsTable(report: Report, s: ReportSelection): string {
  const rows = report.nodes
    .filter((n) => !n.is_test && s.nodes[n.unique_id])
    .map((n) => {
      const sel = s.nodes[n.unique_id]
      const kids = sel.downstream
      const downstream =
        kids.length === 0
          ? '—'
          : `<details><summary>${kids.length}</summary>${kids.map((c) => `${escapeInline(c.resource_type, 40)} ${code(c.name, 120)}`).join('<br>')}</details>`
      return [code(n.name, 120), escapeInline(reasonText(sel.why), 300), downstream]
    })
  return table(['Node', 'Why selected', 'Downstream, not rebuilt'], rows)
}

/** The blocks of the selection part; `full` adds the lineage picture and the reasons table. */
export function selectionBlocks(report: Report, level: 'full' | 'compact' | 'essentials'): string[] {
  const s = report.selection
  if (!s) return []
  const blocks = ['### Why this selection', selectionHeadline(s, report.run.deferred_env ?? 'production').join('\n')]
  if (level === 'essentials') return blocks
  blocks.push(renderLineage(lineageNodes(report, s)).markdown.trimEnd())
  blocks.push(
    '<sub>Built nodes in blue with the reason they were selected; parents coloured by where the ref resolved (green this run, light blue CI, amber staging, violet production, grey source); dashed: read the built node and not rebuilt.</sub>'
  )
  if (level === 'full') blocks.push(reasonsTable(report, s))
  return blocks
}
