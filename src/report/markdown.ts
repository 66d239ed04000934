/**
 * Markdown helpers that make text from the project or from dbt (names, messages, SQL, relation
 * names) inert in a GitHub comment: it cannot break a table, close a tag, inject HTML, links
 * or images, start a code span, or notify anyone with an @mention.
 *
 * Escaping uses HTML character references rather than backslashes because the same text lands
 * both in markdown (table cells, list items) and inside raw HTML blocks (`<summary>`, `<pre>`),
 * where backslashes would show but character references decode.
 */

/** Zero-width joiner: breaks @mentions, #references and autolinks without a visible change. */
const ZWJ = '\u200D'

const INLINE_ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '*': '&#42;',
  _: '&#95;',
  '~': '&#126;',
  '[': '&#91;',
  ']': '&#93;',
  '(': '&#40;',
  ')': '&#41;',
  '|': '&#124;',
  '\\': '&#92;',
  '!': '&#33;',
  '#': '&#35;',
  $: '&#36;'
}

/** Cuts text to at most `max` characters (code points), ending with an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  const chars = Array.from(text)
  if (chars.length <= max) return text
  return chars.slice(0, Math.max(0, max - 1)).join('') + '…'
}

/** Breaks GitHub's @mentions, cross references (#123) and autolinks (http://, www.). */
function neutralize(text: string): string {
  return text
    .replace(/@/g, `@${ZWJ}`)
    .replace(/#(?=\d)/g, `#${ZWJ}`)
    .replace(/:\/\//g, `:${ZWJ}//`)
    .replace(/\bwww\./gi, (m) => `${m.slice(0, 3)}${ZWJ}.`)
}

/**
 * Escapes text for one line of markdown or HTML (a table cell, a list item, a `<summary>`):
 * line breaks become spaces, markdown and HTML syntax become character references.
 * An underscore inside a word is left alone (it cannot start emphasis there).
 */
export function escapeInline(text: string, max = 300): string {
  // Control characters are exactly what this strips.
  // eslint-disable-next-line no-control-regex
  const flat = truncate(text.replace(/[\r\n\t\v\f\u2028\u2029]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, ''), max)
  const escaped = neutralize(flat).replace(/[&<>"'`*_~[\]()|\\!#$]/g, (c, offset: number, all: string) =>
    c === '_' && isWordChar(all[offset - 1]) && isWordChar(all[offset + 1]) ? c : INLINE_ENTITIES[c]
  )
  return escaped
}

function isWordChar(c: string | undefined): boolean {
  return c !== undefined && /[\p{L}\p{N}]/u.test(c)
}

/**
 * Escapes multi-line text for a `<pre>` block: line breaks kept, HTML neutralised (so the block
 * cannot be closed from inside). Markdown is not interpreted inside `<pre>`; backticks, brackets
 * and pipes are encoded anyway, so no renderer could read a link, code span or table there.
 */
export function escapeBlock(text: string, max = 3000): string {
  // eslint-disable-next-line no-control-regex
  const clean = truncate(text.replace(/\r\n?/g, '\n').replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, ''), max)
  return neutralize(clean).replace(/[&<>`[\]|]/g, (c) => INLINE_ENTITIES[c])
}

/** Project text as code: `<code>` with escaped content (backticks cannot end it). */
export function code(text: string, max = 300): string {
  return `<code>${escapeInline(text, max)}</code>`
}

/** Project text in bold. */
export function bold(text: string, max = 300): string {
  return `<b>${escapeInline(text, max)}</b>`
}

/** Only http(s) URLs are linked; anything else (javascript:, data:) is not. */
export function isSafeUrl(url: string | null | undefined): url is string {
  return typeof url === 'string' && /^https?:\/\/[^\s"'<>`]+$/i.test(url)
}

/** A link around already-escaped HTML, or the HTML alone when the URL is not http(s). */
export function link(html: string, url: string | null | undefined): string {
  if (!isSafeUrl(url)) return html
  return `<a href="${url.replace(/&/g, '&amp;')}">${html}</a>`
}

/** A multi-line message as a `<pre>` block (blank lines around it keep markdown intact). */
export function preBlock(text: string, max = 3000): string {
  return `<pre>${escapeBlock(text, max)}</pre>`
}

/** One markdown table, every cell already escaped. */
export function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]): string => `| ${cells.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

/** The size GitHub's limit is checked against: UTF-8 bytes, never fewer than characters. */
export function sizeOf(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}
