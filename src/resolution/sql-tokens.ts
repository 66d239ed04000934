/**
 * A small SQL lexer: just enough to find dotted relation names in rendered SQL. Comments and
 * whitespace are dropped, string literals become opaque tokens, and quoted identifiers are
 * unescaped, so a relation mentioned in a comment or a string never counts as read.
 */

/** One lexical token of SQL, reduced to what relation matching needs. */
export type SqlToken =
  /** An identifier: `text` is its value (quotes removed, escapes resolved). */
  | { kind: 'ident'; text: string; quoted: boolean }
  /** The `.` between the parts of a qualified name. */
  | { kind: 'dot' }
  /** Anything else: string literals, numbers, operators, punctuation. */
  | { kind: 'other' }

const OTHER: SqlToken = { kind: 'other' }
const DOT: SqlToken = { kind: 'dot' }
const WORD = /[\p{L}\p{N}_$]/u
const SPACE = /\s/u

/** Where the lexer stands: the SQL and the next index to read. */
interface Cursor {
  sql: string
  i: number
}

/** Splits SQL into identifier, dot and other tokens, dropping comments and whitespace. */
export function tokenizeSql(sql: string): SqlToken[] {
  const out: SqlToken[] = []
  const c: Cursor = { sql, i: 0 }
  while (c.i < sql.length) {
    const tokens = nextTokens(c)
    for (const t of tokens) out.push(t)
  }
  return out
}

/** Reads the token(s) at the cursor (none for whitespace and comments). */
function nextTokens(c: Cursor): SqlToken[] {
  const ch = c.sql[c.i]
  const next = c.sql[c.i + 1]
  if (SPACE.test(ch)) return skip(c, 1)
  if (ch === '-' && next === '-') return skipLineComment(c)
  if (ch === '/' && next === '*') return skipBlockComment(c)
  if (ch === '.') return advance(c, 1, DOT)
  if (ch === '"') return [readQuoted(c, '"', '"')]
  if (ch === '[') return [readQuoted(c, '[', ']')]
  if (ch === '`') return splitBacktick(readQuoted(c, '`', '`'))
  if (ch === "'") return readString(c, false)
  if (ch === '$' && !isWordBefore(c)) {
    const dollar = readDollarString(c)
    if (dollar) return dollar
  }
  if (WORD.test(ch)) return readWord(c)
  return advance(c, 1, OTHER)
}

function skip(c: Cursor, n: number): SqlToken[] {
  c.i += n
  return []
}

function advance(c: Cursor, n: number, token: SqlToken): SqlToken[] {
  c.i += n
  return [token]
}

function isWordBefore(c: Cursor): boolean {
  return c.i > 0 && WORD.test(c.sql[c.i - 1])
}

function skipLineComment(c: Cursor): SqlToken[] {
  const end = c.sql.indexOf('\n', c.i)
  c.i = end < 0 ? c.sql.length : end + 1
  return []
}

/** Block comments nest in PostgreSQL and DuckDB; counting depth is harmless elsewhere. */
function skipBlockComment(c: Cursor): SqlToken[] {
  let depth = 0
  while (c.i < c.sql.length) {
    const two = c.sql.slice(c.i, c.i + 2)
    if (two === '/*') depth++
    else if (two === '*/') depth--
    c.i += two === '/*' || two === '*/' ? 2 : 1
    if (depth === 0) break
  }
  return []
}

/**
 * Reads a quoted identifier; a doubled closing quote is an escaped quote, and inside backticks
 * a backslash escapes the next character too. An unterminated quote swallows the rest.
 */
function readQuoted(c: Cursor, open: string, close: string): SqlToken {
  let text = ''
  c.i += open.length
  while (c.i < c.sql.length) {
    const ch = c.sql[c.i]
    if (close === '`' && ch === '\\' && c.i + 1 < c.sql.length) {
      text += c.sql[c.i + 1]
      c.i += 2
    } else if (ch === close && c.sql[c.i + 1] === close) {
      text += close
      c.i += 2
    } else if (ch === close) {
      c.i += 1
      return { kind: 'ident', text, quoted: true }
    } else {
      text += ch
      c.i += 1
    }
  }
  return OTHER
}

/** BigQuery accepts a whole path in one pair of backticks: `project.dataset.table`. */
function splitBacktick(token: SqlToken): SqlToken[] {
  if (token.kind !== 'ident' || !token.text.includes('.')) return [token]
  const out: SqlToken[] = []
  token.text.split('.').forEach((part, n) => {
    if (n > 0) out.push(DOT)
    out.push({ kind: 'ident', text: part, quoted: true })
  })
  return out
}

/** A string literal: `''` escapes a quote; in E'...' strings a backslash does too. */
function readString(c: Cursor, backslash: boolean): SqlToken[] {
  c.i += 1
  while (c.i < c.sql.length) {
    const ch = c.sql[c.i]
    if (backslash && ch === '\\') c.i += 2
    else if (ch === "'" && c.sql[c.i + 1] === "'") c.i += 2
    else if (ch === "'") return advance(c, 1, OTHER)
    else c.i += 1
  }
  return [OTHER]
}

/** PostgreSQL/Snowflake dollar quoting: $$...$$ or $tag$...$tag$. */
function readDollarString(c: Cursor): SqlToken[] | null {
  const m = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(c.sql.slice(c.i, c.i + 64))
  if (!m) return null
  const tag = m[0]
  const end = c.sql.indexOf(tag, c.i + tag.length)
  c.i = end < 0 ? c.sql.length : end + tag.length
  return [OTHER]
}

/** An unquoted word; `E'...'` starts an escape string rather than an identifier. */
function readWord(c: Cursor): SqlToken[] {
  const start = c.i
  while (c.i < c.sql.length && WORD.test(c.sql[c.i])) c.i++
  const text = c.sql.slice(start, c.i)
  if ((text === 'E' || text === 'e') && c.sql[c.i] === "'") return readString(c, true)
  return [{ kind: 'ident', text, quoted: false }]
}
