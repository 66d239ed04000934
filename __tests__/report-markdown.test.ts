import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { analyzeRun } from '../src/resolution/analyze.js'
import { buildReport } from '../src/report/build.js'
import { renderMarkdown, renderWithLevel } from '../src/report/render.js'
import type { Report, RunInfo } from '../src/report/types.js'
import { repoRoot } from './helpers/paths.js'
import { hugeRun, jaffleRun, runInfo, type SynthRun } from './helpers/synthetic.js'

const COMMENT = { maxChars: 60_000, summaryHint: 'the job summary of this workflow run' }
const GITHUB_LIMIT = 65_536

function reportOf(run: SynthRun, info: RunInfo = runInfo()): Report {
  const analysis = analyzeRun({ manifest: run.manifest, baseline: run.baseline, runResults: run.runResults, deferredEnv: info.deferredEnv })
  return buildReport({ analysis, runResults: run.runResults, manifest: run.manifest, run: info })
}

/** Compares with __tests__/golden/<name>; rewrites it only when UPDATE_GOLDEN=1 is set. */
function expectGolden(name: string, actual: string): void {
  const file = join(repoRoot, '__tests__', 'golden', name)
  if (process.env.UPDATE_GOLDEN === '1') {
    mkdirSync(join(repoRoot, '__tests__', 'golden'), { recursive: true })
    writeFileSync(file, actual)
    return
  }
  if (!existsSync(file)) throw new Error(`Golden file ${file} is missing: run the tests with UPDATE_GOLDEN=1, then review the file.`)
  expect(actual).toBe(readFileSync(file, 'utf8'))
}

/** Every `<details>`, `<summary>`, `<pre>`, `<code>`, `<b>`, `<a>`, `<sub>` opened is closed, in order. */
function unbalancedTags(md: string): string[] {
  const stack: string[] = []
  const problems: string[] = []
  for (const m of md.matchAll(/<(\/?)(details|summary|pre|code|b|a|sub)\b[^>]*>/g)) {
    if (!m[1]) stack.push(m[2])
    else if (stack.pop() !== m[2]) problems.push(`unexpected </${m[2]}> at ${m.index}`)
  }
  return [...problems, ...stack.map((t) => `unclosed <${t}>`)]
}

/** Rows of every markdown table must have as many cells as its header. */
function raggedTableRows(md: string): string[] {
  const bad: string[] = []
  let width = 0
  for (const line of md.split('\n')) {
    if (!line.startsWith('| ')) {
      width = 0
      continue
    }
    const cells = line.split(' | ').length
    if (width === 0) width = cells
    else if (cells !== width) bad.push(line)
  }
  return bad
}

describe('renderMarkdown: a passing run', () => {
  const md = renderMarkdown(reportOf(jaffleRun('pass')), COMMENT)

  it('says what ran, where it deferred, the baseline, the counts and the duration', () => {
    expect(md).toContain('### ✅ dbt build passed')
    expect(md).toContain('<code>dbt build --select state:modified+ --defer</code>')
    expect(md).toContain('**Deferred to:** 🏭 production')
    expect(md).toContain('<a href="https://github.com/acme/analytics/actions/runs/123456789">run 123456789</a>')
    expect(md).toContain('commit <code>a1b2c3d</code> · 3 hours old')
    expect(md).toContain('**Results:** 4 nodes: ❌ 1 fail · ✅ 1 pass · ✅ 2 success')
    expect(md).toContain('**Duration:** 12.5 s · dbt 1.11.0')
  })

  it('lists each built node with status, time, file link and where each ref resolved', () => {
    expect(md).toContain(
      '#### ✅ success · <a href="https://github.com/acme/analytics/blob/f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed/transform/models/marts/customers.sql"><b>customers</b></a>'
    )
    expect(md).toContain('model · 0.36 s')
    expect(md).toContain(
      'Refs: <code>orders</code> → 🔨 this run · <code>stg_customers</code> → 🧪 dev (CI) · <code>country_codes</code> → 🏭 production'
    )
    expect(md).toContain('<code>int_order_payments</code> → 🧩 inlined (<code>stg_payments</code> → 🏭 production)')
  })

  it('shows relation names on expand, and collapses the tests with the failing one visible', () => {
    expect(md).toContain('<details><summary>Relations read</summary>')
    expect(md).toContain(
      '| <code>country_codes</code> | 🏭 production | <code>&quot;warehouse&quot;.&quot;prod&quot;.&quot;country_codes&quot;</code>'
    )
    expect(md).toContain('### Tests (2)')
    expect(md).toContain('<details><summary>All 2 tests</summary>')
    expect(md).toMatch(
      /- ❌ fail · <a [^>]+><b>not_null_customers_customer_id<\/b><\/a> \(test\): Got 2 results, configured to fail if &#33;= 0/
    )
    expect(md.indexOf('### Models, seeds and snapshots')).toBeLessThan(md.indexOf('### Tests'))
  })

  it('has a legend, balanced tags, regular tables, and matches its golden file', () => {
    expect(md).toContain('🔨 this run: built earlier in this run')
    expect(md).toContain('❔ unknown: the compiled SQL does not tell')
    expect(unbalancedTags(md)).toEqual([])
    expect(raggedTableRows(md)).toEqual([])
    expectGolden('pass.md', md)
  })
})

describe('renderMarkdown: a failing run', () => {
  const md = renderMarkdown(reportOf(jaffleRun('fail'), runInfo({ success: false })), COMMENT)

  it('puts the failure first with its message, escaped in a <pre> block', () => {
    expect(md).toContain('### ❌ dbt build failed')
    expect(md.indexOf('❌ error')).toBeLessThan(md.indexOf('⏭️ skipped · '))
    expect(md).toContain(
      '<pre>Runtime Error in model orders (models/marts/orders.sql)\n  Parser Error: syntax error at or near "where"\n\n  LINE 9: where not_a_function(\n          ^</pre>'
    )
  })

  it('shows why the refs of skipped nodes are unknown', () => {
    expect(md).toContain('Refs: <code>orders</code> → ❔ unknown · <code>stg_customers</code> → ❔ unknown')
    expect(md).toContain('the node was skipped, so dbt compiled no SQL')
    expect(unbalancedTags(md)).toEqual([])
    expect(raggedTableRows(md)).toEqual([])
    expectGolden('fail.md', md)
  })
})

describe('renderMarkdown: no baseline, no defer', () => {
  it('says loudly that everything was built', () => {
    const md = renderMarkdown(
      reportOf(jaffleRun('pass'), runInfo({ builtAll: true, defer: false, deferredEnv: null, baseline: null })),
      COMMENT
    )
    expect(md).toContain('> [!WARNING]\n> **No baseline found: built everything.**')
    expect(md).toContain('**Deferred to:** nothing: no baseline was found, so everything was built')
    expect(md).not.toContain('**Baseline:**')
  })
  it('says when defer was off', () => {
    const md = renderMarkdown(reportOf(jaffleRun('pass'), runInfo({ defer: false, deferredEnv: null })), COMMENT)
    expect(md).toContain('> [!NOTE]\n> **No defer:**')
    expect(md).toContain('**Deferred to:** nothing (no defer)')
  })
  it('names staging when deferring to staging', () => {
    const md = renderMarkdown(reportOf(jaffleRun('pass'), runInfo({ deferredEnv: 'staging' })), COMMENT)
    expect(md).toContain('**Deferred to:** 🚧 staging')
    expect(md).toContain('<code>country_codes</code> → 🚧 staging')
    expect(md).not.toContain('🏭 production ')
  })
})

describe('renderMarkdown: size budget', () => {
  const huge = reportOf(hugeRun(2500, 7), runInfo({ success: false }))
  const failures = huge.nodes.filter((n) => n.status === 'error').map((n) => n.name)

  it('renders 5,000 nodes under GitHub’s limit, naming every failure and pointing to the summary', () => {
    expect(huge.nodes).toHaveLength(5000)
    expect(failures).toHaveLength(7)
    const { markdown, level } = renderWithLevel(huge, COMMENT)
    expect(markdown.length).toBeLessThan(GITHUB_LIMIT)
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(COMMENT.maxChars)
    expect(level).toBe('truncated')
    for (const name of failures) expect(markdown).toContain(`<b>${name}</b>`)
    expect(markdown).toMatch(/Not shown: \d+ nodes with deferred refs\. The full report is in the job summary of this workflow run\./)
    expect(unbalancedTags(markdown)).toEqual([])
    expectGolden('huge.md', markdown)
  })

  it('names every failure and every node with deferred refs within the job summary budget', () => {
    const { markdown, level } = renderWithLevel(huge, { maxChars: 1_000_000 })
    expect(level).toBe('essentials')
    expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(1_000_000)
    expect(markdown).toContain('### Failures (7)')
    expect(markdown).toContain('### Deferred refs (2493 nodes)')
    for (let i = 0; i < 2500; i++) expect(markdown).toContain(`<b>m${i}</b>`)
    expect(markdown).toContain(
      '- ❌ error · <a href="https://github.com/acme/analytics/blob/f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed/transform/models/m2499.sql"><b>m2499</b></a> (model): Database Error in model m2499   division by zero'
    )
  })

  it('steps down level by level as the budget shrinks, always valid and within budget', () => {
    const report = reportOf(hugeRun(60, 2), runInfo({ success: false }))
    const full = renderWithLevel(report, { maxChars: 1_000_000 })
    expect(full.level).toBe('full')
    const seen = new Set<string>()
    for (let max = Buffer.byteLength(full.markdown); max > 200; max = Math.floor(max * 0.8)) {
      const { markdown, level } = renderWithLevel(report, { maxChars: max, summaryHint: 'the job summary' })
      seen.add(level)
      expect(Buffer.byteLength(markdown)).toBeLessThanOrEqual(max)
      expect(unbalancedTags(markdown)).toEqual([])
      expect(raggedTableRows(markdown)).toEqual([])
      if (level !== 'truncated') expect(markdown).toContain('### ❌ dbt build failed')
    }
    expect([...seen]).toEqual(['full', 'compact', 'essentials', 'truncated'])
  })

  it('drops relation names at the compact level but keeps one line per node', () => {
    const report = reportOf(hugeRun(60, 2), runInfo({ success: false }))
    const fullSize = Buffer.byteLength(renderMarkdown(report, { maxChars: 1_000_000 }))
    const { markdown, level } = renderWithLevel(report, { maxChars: fullSize - 1, summaryHint: 'the job summary' })
    expect(level).toBe('compact')
    expect(markdown).not.toContain('Relations read')
    expect(markdown).toContain('| Status | Node | Type | Time | Refs |')
    for (let i = 0; i < 60; i++) expect(markdown).toContain(`<b>m${i}</b>`)
    expect(markdown).toContain('Shortened to fit (relation names and evidence left out): the full report is in the job summary.')
  })

  it('links the job summary when the hint is a URL', () => {
    const url = 'https://github.com/acme/analytics/actions/runs/42'
    const markdown = renderMarkdown(huge, { maxChars: 60_000, summaryHint: url })
    expect(markdown).toContain(`The full report is in <a href="${url}">the job summary of this run</a>.</sub>`)
    const compact = renderMarkdown(reportOf(hugeRun(60, 2)), { maxChars: 30_000, summaryHint: 'javascript:alert(1)' })
    expect(compact).toContain('the full report is in javascript:alert&#40;1&#41;')
  })

  it('never exceeds even a tiny budget', () => {
    const report = reportOf(jaffleRun('fail'), runInfo({ success: false }))
    for (const max of [0, 10, 40, 300]) expect(Buffer.byteLength(renderMarkdown(report, { maxChars: max }))).toBeLessThanOrEqual(max)
  })
})
