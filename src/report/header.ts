/**
 * The top of the report: what ran, where it deferred, the baseline, counts and duration.
 */
import { code, escapeInline, isSafeUrl, link } from './markdown.js'
import { classificationLabel, CLASSIFICATIONS, cmp, formatAge, formatDuration, outcomeRank, statusEmoji } from './format.js'
import { dataHeaderLine } from './render-data.js'
import { downstreamWords } from './render-selection.js'
import { engineLabel, parseDbtVersion } from '../dbt/engine.js'
import type { Report } from './types.js'

/** The title line: command and overall outcome. */
export function title(report: Report): string {
  const cmd = escapeInline(report.run.command, 40)
  return report.run.success ? `### ✅ dbt ${cmd} passed` : `### ❌ dbt ${cmd} failed`
}

/** The command line as run, with its selection flags. */
export function commandLine(report: Report): string {
  const r = report.run
  const words = ['dbt', r.command]
  if (r.select.length > 0) words.push('--select', ...r.select)
  if (r.exclude.length > 0) words.push('--exclude', ...r.exclude)
  if (r.selector) words.push('--selector', r.selector)
  if (r.defer) words.push('--defer')
  if (r.favor_state) words.push('--favor-state')
  return code(words.join(' '), 500)
}

/** Where refs could be deferred to, said loudly when nothing was. */
export function deferLine(report: Report): string {
  const r = report.run
  if (r.built_all) return '**Deferred to:** nothing: no baseline was found, so everything was built'
  if (!r.defer) return '**Deferred to:** nothing (no defer)'
  if (!r.deferred_env) return '**Deferred to:** unknown environment'
  return `**Deferred to:** ${classificationLabel(r.deferred_env)}${r.favor_state ? ' (favor state)' : ''}`
}

/** The baseline: source, deploy run link, commit, age, location. */
export function baselineLine(report: Report): string | null {
  const b = report.run.baseline
  if (!b) return null
  const bits = [escapeInline(b.source, 40)]
  if (b.run_id || isSafeUrl(b.run_url)) bits.push(link(`run ${escapeInline(b.run_id ?? 'link', 40)}`, b.run_url))
  if (b.sha) bits.push(`commit ${code(b.sha.slice(0, 7), 7)}`)
  if (b.age_seconds !== null) bits.push(formatAge(b.age_seconds))
  if (b.location) bits.push(escapeInline(b.location, 200))
  return `**Baseline:** ${bits.join(' · ')}`
}

/** Counts by status, e.g. "✅ 3 success · ❌ 1 error · ⏭️ 2 skipped". */
export function countsLine(report: Report): string {
  const entries = Object.entries(report.counts.by_status).sort(([a], [b]) => outcomeRank(a) - outcomeRank(b) || cmp(a, b))
  const counts = entries.map(([status, n]) => `${statusEmoji(status)} ${n} ${escapeInline(status, 40)}`).join(' · ')
  const total = report.counts.total
  return `**Results:** ${total} ${total === 1 ? 'node' : 'nodes'}${counts ? `: ${counts}` : ''}`
}

/** Duration and dbt version. */
export function durationLine(report: Report): string {
  const parsed = parseDbtVersion(report.run.dbt_version)
  const named = parsed ? engineLabel(parsed) : report.run.dbt_version ? `dbt ${report.run.dbt_version}` : ''
  const version = named ? ` · ${escapeInline(named, 60)}` : ''
  return `**Duration:** ${formatDuration(report.run.elapsed_seconds)}${version}`
}

/** GitHub alerts for runs that did not defer: they must not pass unnoticed. */
export function notice(report: Report): string | null {
  const r = report.run
  if (r.built_all) {
    return [
      '> [!WARNING]',
      '> **No baseline found: built everything.** No deployed manifest was found to defer to, so this run built',
      '> without defer: every ref read this run or the CI schema, and nothing was compared with a deployed environment.'
    ].join('\n')
  }
  if (!r.defer) {
    return '> [!NOTE]\n> **No defer:** dbt ran with `--no-defer`, so every ref read the CI schema (or this run).'
  }
  return null
}

/** Downstream and lag counts of the selection, when dbt was asked and there is something to say. */
function selectionHeaderLine(report: Report): string | null {
  const s = report.selection
  if (!s) return null
  const parts: string[] = []
  const downstream = Object.values(s.downstream).reduce((a, b) => a + b, 0)
  if (downstream > 0) parts.push(`${downstreamWords(s.downstream)} downstream, not rebuilt`)
  if (s.lag.known && s.lag.lag_only.length > 0) parts.push(`${s.lag.lag_only.length} selected only because the baseline lags`)
  return parts.length > 0 ? `- **Selection:** ${parts.join(' · ')}` : null
}

/**
 * Where the SQL the refs were read from came from, when not all of it was run_results.json's
 * `compiled_code` (dbt Fusion leaves it out): the evidence is then the files dbt wrote.
 */
export function evidenceLine(report: Report): string | null {
  const from = new Map<string, number>()
  for (const n of report.nodes) if (n.sql_from && n.sql_from !== 'run_results') from.set(n.sql_from, (from.get(n.sql_from) ?? 0) + 1)
  if (from.size === 0) return null
  const files = [...from].map(([dir, n]) => `${code(dir, 20)} for ${n} ${n === 1 ? 'node' : 'nodes'}`).join(', ')
  return `**Evidence:** run_results.json holds no compiled SQL, so the refs were read from the SQL files dbt wrote: ${files}`
}

/** The whole header block. */
export function header(report: Report): string {
  const lines = [
    `- **Ran:** ${commandLine(report)}`,
    `- ${deferLine(report)}`,
    baselineLine(report),
    `- ${countsLine(report)}`,
    report.data_changes ? `- ${dataHeaderLine(report.data_changes)}` : null,
    selectionHeaderLine(report),
    evidenceLine(report),
    `- ${durationLine(report)}`
  ].map((l) => (l && !l.startsWith('- ') ? `- ${l}` : l))
  const blocks = [title(report), lines.filter((l): l is string => l !== null).join('\n')]
  const n = notice(report)
  if (n) blocks.push(n)
  return blocks.join('\n\n')
}

/** The legend of the classifications. */
export function legend(): string {
  const items = CLASSIFICATIONS.map((c) => `${c.emoji} ${c.label}: ${c.meaning}`).join(' · ')
  return `<sub>Where refs resolved: ${items}.</sub>`
}
