/**
 * Finding a relation name (as dbt writes it in `relation_name`) in rendered SQL, whatever the
 * adapter's quoting: "a"."b"."c", `a`.`b`.`c`, [a].[b].[c], a.b.c, two-part names.
 */
import { tokenizeSql, type SqlToken } from './sql-tokens.js'

/** One part of a qualified name. */
export interface NamePart {
  /** The identifier's value, quotes removed and escapes resolved. */
  text: string
  /** Whether it was quoted (quoted identifiers compare case-sensitively with each other). */
  quoted: boolean
}

/** Rendered SQL, lexed once and searched for many relations. */
export interface ScannedSql {
  readonly tokens: readonly SqlToken[]
}

/** Lexes SQL for repeated searches. */
export function scanSql(sql: string): ScannedSql {
  return { tokens: tokenizeSql(sql) }
}

/**
 * Parses a relation name into its parts; null when it is not a dotted chain of identifiers
 * (e.g. empty, or holding a literal or an operator).
 */
export function parseRelationName(name: string): NamePart[] | null {
  const tokens = tokenizeSql(name)
  if (tokens.length === 0 || tokens.length % 2 === 0) return null
  const parts: NamePart[] = []
  for (let n = 0; n < tokens.length; n++) {
    const t = tokens[n]
    if (n % 2 === 1 ? t.kind !== 'dot' : t.kind !== 'ident') return null
    if (t.kind === 'ident') parts.push({ text: t.text, quoted: t.quoted })
  }
  return parts
}

/**
 * Whether two identifiers denote the same name: exact when both are quoted, case-insensitive
 * when either is unquoted (unquoted identifiers fold case, up or down depending on the engine).
 */
export function samePart(a: NamePart, b: NamePart): boolean {
  if (a.quoted && b.quoted) return a.text === b.text
  return a.text.toLowerCase() === b.text.toLowerCase()
}

/** Whether two parsed relation names denote the same relation under `samePart`. */
export function sameRelation(a: readonly NamePart[], b: readonly NamePart[]): boolean {
  return a.length === b.length && a.every((part, n) => samePart(part, b[n]))
}

/**
 * Whether the SQL contains the relation as a whole qualified name: the same parts in order,
 * joined by dots, and not itself part of a longer dotted chain (so `prod.orders` is not found
 * in `x.prod.orders`, nor `"prod"."orders"` in `"prod"."orders_archive"`).
 */
export function containsRelation(sql: ScannedSql, parts: readonly NamePart[]): boolean {
  const t = sql.tokens
  const span = parts.length * 2 - 1
  for (let i = 0; i + span <= t.length; i++) {
    if (!isChainStart(t, i) || !isChainEnd(t, i + span - 1)) continue
    if (matchesAt(t, i, parts)) return true
  }
  return false
}

function isIdent(t: SqlToken | undefined): t is Extract<SqlToken, { kind: 'ident' }> {
  return t?.kind === 'ident'
}

function isChainStart(t: readonly SqlToken[], i: number): boolean {
  return !(t[i - 1]?.kind === 'dot' && isIdent(t[i - 2]))
}

/** The chain goes on when a dot is followed by another identifier (`rel.*` still ends at rel). */
function isChainEnd(t: readonly SqlToken[], last: number): boolean {
  return !(t[last + 1]?.kind === 'dot' && isIdent(t[last + 2]))
}

function matchesAt(t: readonly SqlToken[], i: number, parts: readonly NamePart[]): boolean {
  return parts.every((part, n) => {
    const token = t[i + n * 2]
    if (!isIdent(token) || !samePart(token, part)) return false
    return n === parts.length - 1 || t[i + n * 2 + 1].kind === 'dot'
  })
}

/** Whether the SQL names the CTE an ephemeral model with this identifier compiles into. */
export function containsCte(sql: ScannedSql, identifier: string): boolean {
  const cte: NamePart = { text: `__dbt__cte__${identifier}`, quoted: false }
  return sql.tokens.some((t) => isIdent(t) && samePart(t, cte))
}
