import { describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { findLag, gitIn } from '../src/selection/lag.js'
import { MAX_CHARS, MAX_DRAWN, renderLineage, type LineageNode, type LineageRef } from '../src/selection/lineage.js'
import { reasonText } from '../src/selection/explain.js'
import { repoRoot } from './helpers/paths.js'

/** Mermaid's own parser on the diagram inside a ```mermaid block. */
function mermaidParse(markdown: string): { ok: boolean; out: string } {
  const graph = /```mermaid\n([\s\S]*?)\n```/.exec(markdown)?.[1] ?? ''
  const r = spawnSync(process.execPath, [join(repoRoot, '__tests__', 'helpers', 'mermaid-parse.mjs')], { input: graph, encoding: 'utf8' })
  return { ok: r.status === 0, out: r.stdout.trim() }
}

const ref = (id: string, classification: LineageRef['classification'], children: LineageRef[] = []): LineageRef => ({
  unique_id: `model.shop.${id}`,
  name: id,
  resource_type: 'model',
  classification,
  children
})

const scenario: LineageNode[] = [
  {
    uniqueId: 'model.shop.customers',
    name: 'customers',
    resourceType: 'model',
    reason: 'body changed',
    refs: [ref('orders', 'production'), ref('stg_customers', 'staging'), ref('eph "x"', 'inlined', [ref('stg_payments', 'dev')])],
    downstream: [{ uniqueId: 'exposure.shop.dashboard', name: 'dashboard', resourceType: 'exposure' }]
  },
  {
    uniqueId: 'model.shop.customer_segments',
    name: 'customer_segments',
    resourceType: 'model',
    reason: 'downstream of customers',
    refs: [ref('customers', 'this-run')],
    downstream: []
  },
  {
    uniqueId: 'test.shop.unique_customers',
    name: 'unique_customers',
    resourceType: 'test',
    reason: 'tests customers',
    refs: [],
    downstream: []
  }
]

describe('the lineage picture', () => {
  it('draws built nodes with their reason, parents by where they resolved, and unbuilt children (golden, parsed by Mermaid)', () => {
    const lineage = renderLineage(scenario)
    const golden = join(repoRoot, '__tests__', 'golden', 'lineage.md')
    if (process.env.UPDATE_GOLDEN) writeFileSync(golden, lineage.markdown)
    expect(lineage.markdown).toBe(readFileSync(golden, 'utf8'))
    expect(lineage.omitted).toEqual({ parents: 0, downstream: 0, built: 0 })
    expect(mermaidParse(lineage.markdown)).toEqual({ ok: true, out: 'flowchart-v2' })
  })

  it('draws only the built nodes of a large selection, says what it left out, and stays parseable', () => {
    const big: LineageNode[] = Array.from({ length: 150 }, (_, i) => ({
      uniqueId: `model.shop.m${i}`,
      name: `m${i}`,
      resourceType: 'model',
      reason: 'macros changed (only macro cents_to_dollars)',
      refs: [ref(`p${i}`, 'production'), ...(i > 0 ? [{ ...ref(`m${i - 1}`, 'this-run') }] : [])],
      downstream: [{ uniqueId: `model.shop.c${i}`, name: `c${i}`, resourceType: 'model' }]
    }))
    const lineage = renderLineage(big)
    expect(lineage.drawn).toBeLessThanOrEqual(120)
    expect(lineage.omitted).toEqual({ parents: 150, downstream: 150, built: 30 })
    expect(lineage.markdown).toContain(
      'The graph shows 120 of the 150 built nodes and the refs between them; 30 built nodes, 150 parents, 150 downstream nodes were left out'
    )
    expect(lineage.markdown.length).toBeLessThan(MAX_CHARS + 1000)
    expect(mermaidParse(lineage.markdown).ok).toBe(true)
    const small = renderLineage(big.slice(0, 20))
    expect(small.drawn).toBeLessThanOrEqual(MAX_DRAWN)
  })

  it('rejects what Mermaid would reject: the check can fail', () => {
    expect(mermaidParse('```mermaid\nflowchart LR\n  a[["x" -->\n```').ok).toBe(false)
  })
})

describe('reasons in words', () => {
  it('says which part fired, how else a node got in, the flags and the lag', () => {
    expect(reasonText({ parts: ['body', 'configs'], via: null, flags: [], lag_only: false })).toBe('body changed, configs changed')
    expect(reasonText({ parts: [], via: { kind: 'tests', nodes: ['model.shop.customers'] }, flags: [], lag_only: false })).toBe(
      'tests customers'
    )
    expect(reasonText({ parts: [], via: { kind: 'downstream', of: 'model.shop.orders' }, flags: [], lag_only: true })).toBe(
      'downstream of orders; baseline lag only'
    )
    expect(
      reasonText({ parts: ['seed' as never].slice(0, 0), via: { kind: 'selection' }, flags: [{ kind: 'seed-by-path' }], lag_only: false })
    ).toBe('named by the selection (seed compared by path only)')
  })
})

describe('the baseline lag in a shallow checkout', () => {
  function g(dir: string, ...args: string[]): string {
    return execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@e', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@e' }
    }).trim()
  }

  it('fetches the history it lacks, then counts the commits between the baseline and the merge base', async () => {
    const origin = mkdtempSync(join(tmpdir(), 'dbt-defer-origin-'))
    g(origin, 'init', '-q', '-b', 'main')
    const commit = (file: string, msg: string): string => {
      writeFileSync(join(origin, file), msg)
      g(origin, 'add', '-A')
      g(origin, 'commit', '-q', '-m', msg)
      return g(origin, 'rev-parse', 'HEAD')
    }
    const deployed = commit('a.sql', 'deployed')
    commit('b.sql', 'main 1')
    const base = commit('c.sql', 'main 2')
    g(origin, 'checkout', '-q', '-b', 'pr')
    const head = commit('d.sql', 'the pr')
    const clone = mkdtempSync(join(tmpdir(), 'dbt-defer-shallow-'))
    g(clone, 'clone', '-q', '--depth', '1', '--branch', 'pr', `file://${origin}`, '.')
    expect(g(clone, 'rev-parse', '--is-shallow-repository')).toBe('true')
    const outcome = await findLag(gitIn(clone, process.env as Record<string, string>), {
      baselineSha: deployed,
      baseSha: base,
      headSha: head
    })
    expect(outcome).toEqual({
      kind: 'known',
      lag: {
        baselineSha: deployed,
        mergeBase: base,
        headSha: head,
        behind: 2,
        ahead: 0,
        prFiles: ['d.sql'],
        sinceBaseline: ['b.sql', 'c.sql', 'd.sql'],
        lagFiles: ['b.sql', 'c.sql']
      }
    })
  })

  it('says what fetch-depth to set when the commits cannot be fetched', async () => {
    const lonely = mkdtempSync(join(tmpdir(), 'dbt-defer-lonely-'))
    g(lonely, 'init', '-q', '-b', 'main')
    writeFileSync(join(lonely, 'x'), 'x')
    g(lonely, 'add', '-A')
    g(lonely, 'commit', '-q', '-m', 'x')
    const head = g(lonely, 'rev-parse', 'HEAD')
    const outcome = await findLag(gitIn(lonely, process.env as Record<string, string>), {
      baselineSha: 'f'.repeat(40),
      baseSha: head,
      headSha: head
    })
    expect(outcome).toEqual({
      kind: 'unknown',
      why: 'commit ffffffffffff is not in this checkout and could not be fetched: set `fetch-depth: 0` on actions/checkout'
    })
  })
})
