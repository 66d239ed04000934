/**
 * The comparison as one inline Jinja program that dbt renders under the CI target: for each
 * target it asks the adapter for both relations (`adapter.get_relation`), their columns
 * (`adapter.get_columns_in_relation`), their row counts, and, for a keyed model, the keys only
 * in CI, only in the deferred environment, and the keys whose other columns differ, through
 * dbt's own `except` and `get_limit_subquery_sql` macros and `adapter.quote`. Only selects: it
 * creates nothing. It prints a progress line before each phase of each target, so a failure
 * (a denied read) names the relation it stopped at. Pure.
 */
import { jinjaString } from '../safety/marker.js'
import type { CompareTarget } from './types.js'

/** Markers around the result in the compiled code. */
export const RESULT_BEGIN = '/*DBT_DEFER_COMPARE'
export const RESULT_END = 'DBT_DEFER_COMPARE*/'
/** The progress line's prefix: `DBT_DEFER_COMPARE_AT <index>:<phase>`. */
export const PROGRESS = 'DBT_DEFER_COMPARE_AT'

/** The phases of one target, in order. */
export type ComparePhase = 'columns' | 'rows' | 'keys'

/** Options of the comparison program. */
export interface CompareSqlOptions {
  /** A SQL predicate both sides are filtered by, or undefined. */
  where?: string
  /** Above this many rows on either side, the key diff is skipped. */
  keyDiffMaxRows: number
  /** How many example keys of each kind to report (0: none). */
  exampleKeys: number
  /** Also read the example changed rows' values on both sides. */
  valueSamples?: boolean
}

/** A value as a Jinja literal; strings escaped. */
export function jinjaLiteral(value: unknown): string {
  if (value === null || value === undefined) return 'none'
  if (typeof value === 'string') return jinjaString(value)
  if (typeof value === 'number') return String(value)
  if (typeof value === 'boolean') return value ? 'true' : 'false'
  if (Array.isArray(value)) return `[${value.map(jinjaLiteral).join(', ')}]`
  return `{${Object.entries(value as Record<string, unknown>)
    .map(([k, v]) => `${jinjaString(k)}: ${jinjaLiteral(v)}`)
    .join(', ')}}`
}

function targetLiteral(t: CompareTarget, i: number): unknown {
  const parts = (r: CompareTarget['ci'] | null): unknown => (r ? [r.database, r.schema, r.identifier] : null)
  return { i, c: parts(t.ci), d: parts(t.deferred), k: t.key?.column ?? null }
}

const progress = (phase: ComparePhase): string => `{%- do print('${PROGRESS} ' ~ t.i ~ ':${phase}') -%}`

const RELATIONS =
  `{%- set ci = adapter.get_relation(database=t.c[0], schema=t.c[1], identifier=t.c[2]) -%}` +
  `{%- set base = adapter.get_relation(database=t.d[0], schema=t.d[1], identifier=t.d[2]) if t.d else none -%}` +
  `{%- set r = {'i': t.i, 'ci_exists': ci is not none, 'deferred_exists': base is not none, 'ci_columns': [], 'deferred_columns': [], 'ci_rows': none, 'deferred_rows': none} -%}`

const columnsOf = (rel: string, list: string): string =>
  `{%- if ${rel} is not none -%}{%- for c in adapter.get_columns_in_relation(${rel}) -%}` +
  `{%- do r.${list}.append({'name': c.name, 'type': c.data_type}) -%}{%- endfor -%}{%- endif -%}`

const countOf = (rel: string, field: string): string =>
  `{%- if ${rel} is not none -%}{%- do r.update({'${field}': run_query('select count(*) as n from ' ~ ${rel} ~ where).columns[0].values()[0] | int}) -%}{%- endif -%}`

/** Finds the key among both sides' columns (case-insensitively) and the columns whose values compare. */
const KEY_COLUMNS =
  `{%- set kn = [] -%}{%- for c in r.ci_columns if c.name | lower == t.k | lower -%}{%- do kn.append(c.name) -%}{%- endfor -%}` +
  `{%- set bt = {} -%}{%- for c in r.deferred_columns -%}{%- do bt.update({c.name: c.type}) -%}{%- endfor -%}` +
  `{%- set cols = [] -%}{%- for c in r.ci_columns if kn and c.name != kn[0] and bt.get(c.name) == c.type -%}{%- do cols.append(c.name) -%}{%- endfor -%}`

const KEY_SETS =
  `{%- set k = adapter.quote(kn[0]) -%}{%- set qc = [k] -%}{%- for c in cols -%}{%- do qc.append(adapter.quote(c)) -%}{%- endfor -%}` +
  `{%- set ex = ' ' ~ dbt.except() | trim ~ ' ' -%}` +
  `{%- set ck = 'select ' ~ k ~ ' from ' ~ ci ~ where -%}{%- set bk = 'select ' ~ k ~ ' from ' ~ base ~ where -%}` +
  `{%- set cr = 'select ' ~ qc | join(', ') ~ ' from ' ~ ci ~ where -%}{%- set br = 'select ' ~ qc | join(', ') ~ ' from ' ~ base ~ where -%}` +
  `{%- set sets = {'only_ci': ck ~ ex ~ bk, 'only_deferred': bk ~ ex ~ ck, 'changed': 'select ' ~ k ~ ' from (' ~ cr ~ ex ~ br ~ ') as dbt_defer_d where ' ~ k ~ ' in (' ~ bk ~ ')'} -%}`

const KEY_COUNTS =
  `{%- set q = 'select (select count(*) from (' ~ sets.only_ci ~ ') as dbt_defer_a) as only_ci, (select count(*) from (' ~ sets.only_deferred ~ ') as dbt_defer_b) as only_deferred, (select count(*) from (' ~ sets.changed ~ ') as dbt_defer_c) as changed' -%}` +
  `{%- set row = run_query(q).rows[0] -%}` +
  `{%- set kd = {'column': kn[0], 'compared': cols, 'only_ci': row[0] | int, 'only_deferred': row[1] | int, 'changed': row[2] | int, 'examples': {'only_ci': [], 'only_deferred': [], 'changed': []}} -%}`

const KEY_EXAMPLES =
  `{%- if examples > 0 -%}{%- for name in ['only_ci', 'only_deferred', 'changed'] if kd[name] > 0 -%}` +
  `{%- set eq = get_limit_subquery_sql('select ' ~ k ~ ' from (' ~ sets[name] ~ ') as dbt_defer_e order by 1', examples) -%}` +
  `{%- for er in run_query(eq).rows -%}{%- do kd.examples[name].append('' if er[0] is none else er[0] | string) -%}{%- endfor -%}` +
  `{%- endfor -%}{%- endif -%}`

/** With value samples on: the example changed rows, whole, on both sides. */
const VALUE_SAMPLES =
  `{%- if samples and examples > 0 and kd.changed > 0 -%}` +
  `{%- set ek = get_limit_subquery_sql('select ' ~ k ~ ' from (' ~ sets.changed ~ ') as dbt_defer_e order by 1', examples) -%}` +
  `{%- set vs = {'columns': [kn[0]] + cols, 'ci': [], 'deferred': []} -%}` +
  `{%- for side, rel in [['ci', ci], ['deferred', base]] -%}` +
  `{%- set vq = 'select ' ~ qc | join(', ') ~ ' from ' ~ rel ~ (where ~ ' and ' if where else ' where ') ~ k ~ ' in (' ~ ek ~ ')' -%}` +
  `{%- for vr in run_query(vq).rows -%}{%- set vals = [] -%}{%- for v in vr -%}{%- do vals.append(none if v is none else v | string) -%}{%- endfor -%}` +
  `{%- do vs[side].append(vals) -%}{%- endfor -%}{%- endfor -%}{%- do kd.update({'values': vs}) -%}{%- endif -%}`

const KEY_DIFF =
  `{%- if t.k and ci is not none and base is not none -%}${KEY_COLUMNS}` +
  `{%- if not kn or kn[0] not in bt -%}{%- do r.update({'key_skipped': 'the key column ' ~ t.k ~ ' is not in both relations'}) -%}` +
  `{%- elif r.ci_rows > max_rows or r.deferred_rows > max_rows -%}{%- do r.update({'key_skipped': 'more than ' ~ max_rows ~ ' rows (compare-key-diff-max-rows)'}) -%}` +
  `{%- else -%}${progress('keys')}${KEY_SETS}${KEY_COUNTS}${KEY_EXAMPLES}${VALUE_SAMPLES}` +
  `{%- do r.update({'keys': kd}) -%}{%- endif -%}{%- endif -%}`

/** The inline SQL of the comparison of these targets; each target's index in the result is its index here. */
export function compareSql(targets: CompareTarget[], opts: CompareSqlOptions): string {
  const where = opts.where ? ` where (${opts.where})` : ''
  const list = jinjaLiteral(targets.map(targetLiteral))
  return (
    `{% if execute %}{%- set targets = ${list} -%}{%- set where = ${jinjaString(where)} -%}` +
    `{%- set max_rows = ${opts.keyDiffMaxRows} -%}{%- set examples = ${opts.exampleKeys} -%}{%- set samples = ${opts.valueSamples ? 'true' : 'false'} -%}{%- set results = [] -%}` +
    `{%- for t in targets -%}${progress('columns')}${RELATIONS}${columnsOf('ci', 'ci_columns')}${columnsOf('base', 'deferred_columns')}` +
    `${progress('rows')}${countOf('ci', 'ci_rows')}${countOf('base', 'deferred_rows')}${KEY_DIFF}{%- do results.append(r) -%}{%- endfor -%}` +
    `${RESULT_BEGIN}{{ tojson(results) }}${RESULT_END}{% endif %}select 1 as compared`
  )
}
