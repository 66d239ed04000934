/**
 * Words and symbols of the report: status and classification labels, durations, ages.
 */
import type { Classification } from '../resolution/types.js'
import type { ReportNode, ReportRef } from './types.js'

const FAILED = new Set(['error', 'fail', 'runtime error'])
const WARNED = new Set(['warn', 'partial success'])
const PASSED = new Set(['success', 'pass'])

/** How a status reads at a glance. */
export type Outcome = 'failed' | 'warned' | 'passed' | 'skipped' | 'reused' | 'other'

/** Groups dbt's statuses into outcomes. */
export function outcomeOf(status: string): Outcome {
  if (FAILED.has(status)) return 'failed'
  if (WARNED.has(status)) return 'warned'
  if (PASSED.has(status)) return 'passed'
  if (status === 'skipped') return 'skipped'
  // dbt Fusion's: the node's relation from state was kept and nothing ran.
  if (status === 'reused') return 'reused'
  return 'other'
}

const OUTCOME_EMOJI: Record<Outcome, string> = { failed: '❌', warned: '⚠️', passed: '✅', skipped: '⏭️', reused: '♻️', other: '➖' }

/** The emoji of a status. */
export function statusEmoji(status: string): string {
  return OUTCOME_EMOJI[outcomeOf(status)]
}

/** Order of outcomes in the report: what needs attention first. */
export function outcomeRank(status: string): number {
  return ['failed', 'warned', 'skipped', 'other', 'reused', 'passed'].indexOf(outcomeOf(status))
}

/** Classification labels, in legend order. */
export const CLASSIFICATIONS: ReadonlyArray<{ key: Classification; emoji: string; label: string; meaning: string }> = [
  { key: 'this-run', emoji: '🔨', label: 'this run', meaning: 'built earlier in this run' },
  { key: 'dev', emoji: '🧪', label: 'dev (CI)', meaning: 'the CI schema, not rebuilt by this run' },
  {
    key: 'clone',
    emoji: '🧬',
    label: 'clone (CI)',
    meaning: "the CI schema, holding a dbt clone of the deferred environment's relation made by this run"
  },
  { key: 'staging', emoji: '🚧', label: 'staging', meaning: "deferred to staging's relation" },
  { key: 'production', emoji: '🏭', label: 'production', meaning: "deferred to production's relation" },
  { key: 'source', emoji: '🌱', label: 'source', meaning: 'a dbt source (never deferred)' },
  { key: 'inlined', emoji: '🧩', label: 'inlined', meaning: 'an ephemeral model compiled in as a CTE; its own refs follow' },
  { key: 'unknown', emoji: '❔', label: 'unknown', meaning: 'the compiled SQL does not tell (the evidence says why)' }
]

/** Emoji and label of a classification, e.g. "🏭 production". */
export function classificationLabel(c: Classification): string {
  const entry = CLASSIFICATIONS.find((e) => e.key === c)
  return entry ? `${entry.emoji} ${entry.label}` : c
}

/** Seconds as "0.41 s", "1 min 5 s", "2 h 3 min". */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '–'
  if (seconds < 60) return `${seconds < 10 ? seconds.toFixed(2) : seconds.toFixed(1)} s`
  const s = Math.round(seconds)
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`
}

/** An age in words: "3 hours old", "1 day old", "less than a minute old". */
export function formatAge(seconds: number): string {
  const units: Array<[number, string]> = [
    [86400, 'day'],
    [3600, 'hour'],
    [60, 'minute']
  ]
  for (const [size, unit] of units) {
    const n = Math.floor(seconds / size)
    if (n >= 1) return `${n} ${unit}${n === 1 ? '' : 's'} old`
  }
  return 'less than a minute old'
}

/** Every ref of a node, inlined refs' children included, depth first. */
export function flattenRefs(refs: readonly ReportRef[]): ReportRef[] {
  return refs.flatMap((r) => [r, ...flattenRefs(r.children)])
}

/** Whether a ref (or a ref inlined under it) was deferred to the baseline's environment. */
export function isDeferred(r: ReportRef): boolean {
  return r.classification === 'staging' || r.classification === 'production'
}

/** Nodes sorted for reading: failures first, then warnings, skips, the rest; by name within. */
export function sortNodes(nodes: readonly ReportNode[]): ReportNode[] {
  return [...nodes].sort((a, b) => outcomeRank(a.status) - outcomeRank(b.status) || cmp(a.name, b.name) || cmp(a.unique_id, b.unique_id))
}

const collator = new Intl.Collator('en', { numeric: true })

/** Natural order (m2 before m10), the same on every machine. */
export function cmp(a: string, b: string): number {
  return collator.compare(a, b) || (a < b ? -1 : a > b ? 1 : 0)
}
