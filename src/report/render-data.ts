/**
 * Markdown of the data changes: the headline of the header ("3 models: 1 column added, 2 rows
 * changed"), one line per model ("same 12 columns, 1,204 rows, no changed rows" when nothing
 * changed), what the PR removed, what was not compared, and the comparison's warnings. Example
 * keys are data from the warehouse: they go through code() like every other string.
 */
import type { ColumnInfo, DataChanges, ModelDataChange, ValueSample } from '../compare/types.js'
import { hasChanges } from '../compare/result.js'
import { classificationLabel } from './format.js'
import { bold, code, escapeInline } from './markdown.js'

const COLUMNS_SHOWN = 10

/** 1,204 */
export function count(n: number): string {
  return n.toLocaleString('en-US')
}

function plural(n: number, word: string, many = `${word}s`): string {
  return `${count(n)} ${n === 1 ? word : many}`
}

/** The headline: "3 models: 1 column added, 2 rows changed", or ": no changes in the data". */
export function dataHeadline(dc: DataChanges): string {
  const t = dc.totals
  const parts = [
    t.columns_added ? `${plural(t.columns_added, 'column')} added` : '',
    t.columns_removed ? `${plural(t.columns_removed, 'column')} removed` : '',
    t.columns_type_changed ? `${plural(t.columns_type_changed, 'column type')} changed` : '',
    t.rows_changed ? `${plural(t.rows_changed, 'row')} changed` : '',
    t.row_count_changes ? `row count changed in ${plural(t.row_count_changes, 'model')}` : '',
    t.new_models ? `${count(t.new_models)} new` : '',
    t.removed_models ? `${count(t.removed_models)} removed` : '',
    t.failed ? `${count(t.failed)} not compared (warnings)` : ''
  ].filter((p) => p !== '')
  return `${plural(t.models, 'model')}: ${parts.length > 0 ? parts.join(', ') : 'no changes in the data'}`
}

/** The header line of the data changes. */
export function dataHeaderLine(dc: DataChanges): string {
  return `**Data changes against ${classificationLabel(dc.against)}:** ${dataHeadline(dc)}`
}

function columnList(columns: ColumnInfo[]): string {
  const shown = columns.slice(0, COLUMNS_SHOWN).map((c) => `${code(c.name, 120)} ${escapeInline(c.type, 60)}`)
  const more = columns.length > COLUMNS_SHOWN ? `, and ${count(columns.length - COLUMNS_SHOWN)} more` : ''
  return `${shown.join(', ')}${more}`
}

function signed(n: number): string {
  return n > 0 ? `+${count(n)}` : n < 0 ? `−${count(-n)}` : '0'
}

function rowsPart(m: ModelDataChange, env: string): string {
  const r = m.rows
  if (!r || r.deferred === null) return ''
  if (r.change === 0) return `${plural(r.ci, 'row')}`
  const pct = r.change_pct === null ? '' : `, ${r.change_pct > 0 ? '+' : r.change_pct < 0 ? '−' : ''}${Math.abs(r.change_pct)}%`
  return `rows ${count(r.deferred)} in ${env} → ${count(r.ci)} in CI (${signed(r.change ?? 0)}${pct})`
}

function schemaParts(m: ModelDataChange): string[] {
  const s = m.schema
  if (!s) return []
  const total = s.unchanged + s.type_changed.length
  if (!s.added.length && !s.removed.length && !s.type_changed.length) return [`same ${plural(total, 'column')}`]
  const parts: string[] = []
  if (s.added.length) parts.push(`${plural(s.added.length, 'column')} added (${columnList(s.added)})`)
  if (s.removed.length) parts.push(`${plural(s.removed.length, 'column')} removed (${columnList(s.removed)})`)
  if (s.type_changed.length) {
    const list = s.type_changed.map((c) => `${code(c.name, 120)} ${escapeInline(c.deferred_type, 60)} → ${escapeInline(c.ci_type, 60)}`)
    parts.push(`${plural(s.type_changed.length, 'column type')} changed (${list.join(', ')})`)
  }
  return parts
}

function examples(keys: string[]): string {
  return keys.length > 0 ? ` (e.g. ${keys.map((k) => code(k, 80)).join(', ')})` : ''
}

const shownValue = (v: string | null): string => (v === null ? 'null' : code(v, 80))

/** Example changed rows with their differing values: `1`: `first_name` `Michael` → `MICHAEL`. */
function samples(values: ValueSample[], env: string): string {
  const one = (s: ValueSample): string =>
    `${code(s.key, 80)}: ${s.columns.map((c) => `${code(c.name, 120)} ${shownValue(c.deferred)} in ${env} → ${shownValue(c.ci)}`).join(', ')}`
  return ` (e.g. ${values.map(one).join('; ')})`
}

function keyPart(m: ModelDataChange, env: string): string {
  const d = m.key_diff
  if (!d) return m.key_diff_note ? escapeInline(m.key_diff_note, 300) : ''
  if (!d.only_ci && !d.only_deferred && !d.changed) return 'no changed rows'
  const key = code(m.key?.column ?? '', 120)
  const bits = [
    `${count(d.only_ci)} only in CI${examples(d.examples.only_ci)}`,
    `${count(d.only_deferred)} only in ${env}${examples(d.examples.only_deferred)}`,
    `${count(d.changed)} changed${d.value_samples?.length ? samples(d.value_samples, env) : examples(d.examples.changed)}`
  ]
  return `rows by ${key}: ${bits.join(', ')}`
}

/** One list item about one model. */
export function modelLine(m: ModelDataChange, env: string): string {
  const name = bold(m.name, 200)
  if (m.status === 'failed') return `- ⚠️ ${name}: not compared: ${escapeInline(m.error ?? '', 300)}`
  if (m.status === 'new')
    return `- 🆕 ${name} (new): ${plural(m.columns.length, 'column')} (${columnList(m.columns)}), ${plural(m.rows?.ci ?? 0, 'row')}`
  const rows = rowsPart(m, env)
  const parts = [...schemaParts(m), ...(rows ? [rows] : []), keyPart(m, env)].filter((p) => p !== '')
  const note = m.key_diff && m.key_diff_note ? ` (${escapeInline(m.key_diff_note, 300)})` : ''
  return `- ${hasChanges(m) ? '✏️' : '✅'} ${name}: ${parts.join(', ')}${note}`
}

/** The section's blocks; `changedOnly` keeps the models that changed (and the warnings). */
export function dataChangesBlocks(dc: DataChanges, changedOnly: boolean): string[] {
  const env = dc.against
  const shown = changedOnly ? dc.models.filter(hasChanges) : dc.models
  const blocks = [`### Data changes against ${classificationLabel(env)} (${plural(dc.models.length, 'model')})`]
  if (dc.where) blocks.push(`<sub>Both sides filtered by ${code(dc.where, 300)} (compare-where).</sub>`)
  const lines = shown.map((m) => modelLine(m, env))
  lines.push(
    ...dc.removed.map((r) => `- 🗑️ ${bold(r.name, 200)}: removed by this PR${r.relation ? ` (${env} has ${code(r.relation, 200)})` : ''}`)
  )
  if (lines.length > 0) blocks.push(lines.join('\n'))
  else if (dc.models.length === 0) blocks.push('No model, seed or snapshot was built, so there was nothing to compare.')
  if (changedOnly && shown.length < dc.models.length)
    blocks.push(`<sub>${plural(dc.models.length - shown.length, 'other model')} unchanged.</sub>`)
  if (dc.not_compared.length > 0) {
    const names = dc.not_compared.map((n) => code(n.name, 120)).join(', ')
    blocks.push(`<sub>Not compared, ${escapeInline(dc.not_compared[0].reason, 200)}: ${names}.</sub>`)
  }
  if (dc.warnings.length > 0) blocks.push(['> [!WARNING]', ...dc.warnings.map((w) => `> - ${escapeInline(w, 600)}`)].join('\n'))
  return blocks
}
