import { describe, expect, it } from '@jest/globals'
import { analyzeRun } from '../src/resolution/analyze.js'
import { annotationsFor } from '../src/report/annotations.js'
import { buildReport } from '../src/report/build.js'
import { code, escapeBlock, escapeInline, link, truncate } from '../src/report/markdown.js'
import { renderWithLevel } from '../src/report/render.js'
import type { Report } from '../src/report/types.js'
import { hugeRun, jaffleRun, rel, runInfo, synthManifest, synthRunResults, type SynthRun } from './helpers/synthetic.js'

const ZWJ = '\u200D'
const HOSTILE =
  'x|y</details></summary><img src=x onerror=alert(1)><script>alert(2)</script> @octocat `tick` [link](javascript:alert(3)) ![img](https://evil.example/p.png) *bold* _em_ # h $x$ #12 https://evil.example'

function reportOf(run: SynthRun): Report {
  const info = runInfo({ success: false })
  const analysis = analyzeRun({ manifest: run.manifest, baseline: run.baseline, runResults: run.runResults, deferredEnv: 'production' })
  return buildReport({ analysis, runResults: run.runResults, manifest: run.manifest, run: info })
}

/** A run whose names, messages, relations and files are all hostile. */
function hostileRun(): SynthRun {
  const model = `model.shop.${HOSTILE}`
  const parent = 'model.shop.parent'
  const test = `test.shop.${HOSTILE}.abc`
  const nodes = (schema: string) => [
    { id: parent, relation: `"warehouse"."${schema}"."p|a\`r</details>@me"`.replace('`', '``') },
    { id: model, relation: rel(schema, 'evil'), deps: [parent], file: `models/${HOSTILE}.sql` },
    { id: test, deps: [model], file: 'models/<img src=x>.yml' }
  ]
  const results = synthRunResults([
    {
      unique_id: model,
      status: 'error',
      message: `${HOSTILE}\n</pre><img src=x onerror=alert(4)>\n@octocat line two`,
      compiled_code: `select * from "warehouse"."prod"."p|a\`\`r</details>@me"`
    },
    { unique_id: test, status: 'fail', message: HOSTILE, compiled_code: `select * from ${rel('ci', 'evil')}` }
  ])
  return { manifest: synthManifest(nodes('ci')), baseline: synthManifest(nodes('prod')), runResults: results }
}

/** Problems that would make the markdown active or broken. */
function activeContent(md: string): string[] {
  const problems: string[] = []
  if (/<\/?(img|script)\b/i.test(md)) problems.push('an img or script tag')
  if (md.includes('](')) problems.push('a markdown link or image')
  if (md.includes('`')) problems.push('a backtick')
  if (/@octocat|@me\b/.test(md)) problems.push('an @mention')
  if (/#12\b/.test(md)) problems.push('an issue reference')
  if (/https:\/\/evil/.test(md)) problems.push('an autolink')
  if (md.includes('x|y')) problems.push('a raw pipe from a name')
  const opened = (md.match(/<details>/g) ?? []).length
  const closed = (md.match(/<\/details>/g) ?? []).length
  if (opened !== closed) problems.push(`${opened} <details> opened, ${closed} closed`)
  const pres = (md.match(/<pre>/g) ?? []).length
  if (pres !== (md.match(/<\/pre>/g) ?? []).length) problems.push('unbalanced <pre>')
  return problems
}

describe('hostile names and messages', () => {
  const report = reportOf(hostileRun())

  it('render inert at every level of detail', () => {
    const levels = new Set<string>()
    for (const max of [1_000_000, 9_000, 5_000, 2_500, 1_500]) {
      const { markdown, level } = renderWithLevel(report, { maxChars: max, summaryHint: HOSTILE })
      levels.add(level)
      expect({ level, problems: activeContent(markdown) }).toEqual({ level, problems: [] })
    }
    expect(levels.size).toBeGreaterThanOrEqual(3)
  })

  it('still show the hostile text, escaped, so the reader sees what dbt said', () => {
    const { markdown } = renderWithLevel(report, { maxChars: 1_000_000 })
    expect(markdown).toContain('x&#124;y&lt;/details&gt;&lt;/summary&gt;&lt;img src=x onerror=alert&#40;1&#41;&gt;')
    expect(markdown).toContain(`@${ZWJ}octocat &#96;tick&#96; &#91;link&#93;&#40;javascript:alert&#40;3&#41;&#41;`)
    expect(markdown).toContain(`&lt;/pre&gt;&lt;img src=x onerror=alert(4)&gt;\n@${ZWJ}octocat line two</pre>`)
    expect(markdown).toContain('<pre>x&#124;y&lt;/details&gt;')
    expect(markdown).toContain('models/%3Cimg%20src%3Dx%3E.yml')
  })
})

describe('escapeInline', () => {
  it('flattens lines and turns markdown and HTML syntax into character references', () => {
    expect(escapeInline('a|b\nc</details>')).toBe('a&#124;b c&lt;/details&gt;')
    expect(escapeInline('`x` *y* [z](u) ![i](v)')).toBe('&#96;x&#96; &#42;y&#42; &#91;z&#93;&#40;u&#41; &#33;&#91;i&#93;&#40;v&#41;')
    expect(escapeInline('&lt; stays literal')).toBe('&amp;lt; stays literal')
  })
  it('keeps underscores inside words and escapes those that could start emphasis', () => {
    expect(escapeInline('stg_orders')).toBe('stg_orders')
    expect(escapeInline('_private_')).toBe('&#95;private&#95;')
  })
  it('breaks mentions, references and autolinks with a zero-width joiner', () => {
    expect(escapeInline('@team/x #12 http://a www.b')).toBe(`@${ZWJ}team/x &#35;${ZWJ}12 http:${ZWJ}//a www${ZWJ}.b`)
  })
  it('cuts long text before escaping, never inside a character reference or a surrogate pair', () => {
    expect(escapeInline('<<<<<', 3)).toBe('&lt;&lt;…')
    expect(truncate('😀😀😀', 2)).toBe('😀…')
  })
})

describe('escapeBlock, code and link', () => {
  it('keeps lines in blocks but neutralises tags', () => {
    expect(escapeBlock('a\r\nb</pre><b>')).toBe('a\nb&lt;/pre&gt;&lt;b&gt;')
    expect(escapeBlock('[x](y) `z` a|b')).toBe('&#91;x&#93;(y) &#96;z&#96; a&#124;b')
  })
  it('wraps code without backticks', () => {
    expect(code('a`b')).toBe('<code>a&#96;b</code>')
  })
  it('links only http(s) URLs', () => {
    expect(link('x', 'https://github.com/a')).toBe('<a href="https://github.com/a">x</a>')
    expect(link('x', 'javascript:alert(1)')).toBe('x')
    expect(link('x', 'https://a.example/"onmouseover=1')).toBe('x')
  })
})

describe('annotationsFor', () => {
  it('annotates failed nodes with their file and plain message, models first', () => {
    const report = reportOf(jaffleRun('fail'))
    report.nodes[3] = { ...report.nodes[3], status: 'fail', message: 'Got 2 results, configured to fail if != 0' }
    expect(annotationsFor(report)).toEqual([
      {
        title: 'dbt model orders: error',
        file: 'transform/models/marts/orders.sql',
        message: expect.stringContaining('Parser Error: syntax error at or near "where"')
      },
      {
        title: 'dbt test not_null_customers_customer_id: fail',
        file: 'transform/models/marts/_marts.yml',
        message: 'Got 2 results, configured to fail if != 0'
      }
    ])
  })

  it('caps at ten and says how many more there are', () => {
    const report = reportOf(hugeRun(20, 13))
    const notes = annotationsFor(report)
    expect(notes).toHaveLength(10)
    expect(notes.map((n) => n.title)).toEqual(Array.from({ length: 10 }, (_, i) => `dbt model m${7 + i}: error`))
    expect(notes[9].message).toContain('(3 more failures are not annotated; the job summary lists them all.)')
  })

  it('is empty for a run without failures', () => {
    const report = reportOf(jaffleRun('pass'))
    report.nodes = report.nodes.filter((n) => n.status !== 'fail')
    expect(annotationsFor(report)).toEqual([])
  })
})
