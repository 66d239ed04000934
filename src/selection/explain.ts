/**
 * The "why this selection" part of the report: for every node the run built, which part of
 * `state:modified` fired (or how else it was selected), the false positives flagged, whether it
 * is there only because the baseline lags, and its children the run did not build; with the
 * headline counts. Pure: it works from what dbt and git answered (see step.ts).
 */
import type { Manifest } from '../dbt/artifact-types.js'
import { downstreamCounts, unbuiltChildren, type DownstreamNode } from './downstream.js'
import { lagOnly, type Lag, type LagOutcome } from './lag.js'
import type { Answer } from './ask-dbt.js'
import { differingConfigKeys, explainSelection, macroOnlyCounts, nodeOf, PARTS, type NodeWhy, type Part } from './why.js'

/** report.json's `why` of one node. */
export interface ReportWhy {
  parts: Part[]
  via: NodeWhy['via'] | null
  flags: NodeWhy['flags']
  /** Selected only because the baseline lags the PR's merge base. */
  lag_only: boolean
}

/** report.json's `selection` section. */
export interface ReportSelection {
  /** How dbt was asked: in the run's dbt session, its programmatic runner (one invocation), or one `dbt ls` per part. */
  asked_with: Answer['how']
  invocations: number
  /** Parts whose `dbt ls` failed: no node is attributed to them. */
  failed_parts: Part[]
  /** Nodes selected by each part (a node can count under several). */
  by_part: Record<Part, number>
  /** Nodes selected only because a macro changed, by macro. */
  macro_only: Array<{ macro: string; nodes: number }>
  lag:
    | {
        known: true
        baseline_sha: string
        merge_base: string
        head_sha: string
        behind: number
        ahead: number
        compare_url: string | null
        lag_only: string[]
      }
    | { known: false; why: string }
  /** Children the run did not build, by resource type, each counted once. */
  downstream: Record<string, number>
  /** Each built node: why it was selected, and its children the run did not build. */
  nodes: Record<string, { why: ReportWhy; downstream: Array<{ unique_id: string; name: string; resource_type: string }> }>
}

/** What the report takes for each node. */
export interface NodeSelection {
  why: ReportWhy
  downstream: DownstreamNode[]
}

/** The selection part of the report. */
export interface SelectionReport {
  section: ReportSelection
  nodes: Map<string, NodeSelection>
}

function lagSection(lag: LagOutcome, only: Set<string>): ReportSelection['lag'] {
  if (lag.kind === 'unknown') return { known: false, why: lag.why }
  const l: Lag = lag.lag
  return {
    known: true,
    baseline_sha: l.baselineSha,
    merge_base: l.mergeBase,
    head_sha: l.headSha,
    behind: l.behind,
    ahead: l.ahead,
    compare_url: l.compareUrl ?? null,
    lag_only: [...only].sort()
  }
}

/**
 * Nodes selected for their configs alone whose configs differ only in how they render (a config
 * that depends on the target or the environment, dbt-core#9562): what the project wrote for them
 * did not change since the baseline's commit (see configsWrittenSame in step.ts).
 */
function flagRenderedConfigs(whys: NodeWhy[], current: Manifest, baseline: Manifest, writtenSame: ReadonlySet<string>): void {
  for (const why of whys) {
    if (!writtenSame.has(why.uniqueId) || why.flags.some((f) => f.kind === 'env-aware-config')) continue
    const now = nodeOf(current, why.uniqueId)
    const then = nodeOf(baseline, why.uniqueId)
    const keys = now && then ? differingConfigKeys(now, then) : []
    if (keys.length > 0) why.flags.push({ kind: 'env-aware-config', keys })
  }
}

/** Builds the selection part of the report from dbt's answers, git's lag and the manifests. */
export function explainRun(args: {
  answer: Answer
  lag: LagOutcome
  /** The nodes the run built, in run_results order. */
  selected: readonly string[]
  current: Manifest
  baseline: Manifest
  /** The project directory relative to the repository root. */
  projectPath: string
  /** Configs-only nodes whose written configs did not change since the baseline's commit. */
  configsWrittenSame?: ReadonlySet<string>
}): SelectionReport {
  const whys = explainSelection(args.selected, args.answer.sets, args.current, args.baseline)
  flagRenderedConfigs(whys, args.current, args.baseline, args.configsWrittenSame ?? new Set())
  const only = args.lag.kind === 'known' ? lagOnly(whys, args.current, args.lag.lag, args.projectPath) : new Set<string>()
  const children = unbuiltChildren(args.current, args.selected)
  const nodes = new Map<string, NodeSelection>()
  for (const why of whys) {
    nodes.set(why.uniqueId, {
      why: { parts: why.parts, via: why.via ?? null, flags: why.flags, lag_only: only.has(why.uniqueId) },
      downstream: children.get(why.uniqueId) ?? []
    })
  }
  const byPart = Object.fromEntries(PARTS.map((p) => [p, whys.filter((w) => w.parts.includes(p)).length])) as Record<Part, number>
  return {
    section: {
      asked_with: args.answer.how,
      invocations: args.answer.invocations,
      failed_parts: args.answer.failed,
      by_part: byPart,
      macro_only: macroOnlyCounts(whys),
      lag: lagSection(args.lag, only),
      downstream: downstreamCounts(children),
      nodes: Object.fromEntries(
        [...nodes].map(([id, n]) => [
          id,
          { why: n.why, downstream: n.downstream.map((c) => ({ unique_id: c.uniqueId, name: c.name, resource_type: c.resourceType })) }
        ])
      )
    },
    nodes
  }
}

const PART_WORDS: Record<Part, string> = {
  new: 'new',
  body: 'body changed',
  configs: 'configs changed',
  relation: 'relation changed',
  persisted_descriptions: 'persisted descriptions changed',
  macros: 'macros changed',
  contract: 'contract changed'
}

function nameOf(id: string): string {
  return id.split('.').slice(2).join('.') || id
}

/** A node's reason in a few words, e.g. "body changed", "tests customers", "configs changed (env-aware: materialized)". */
export function reasonText(why: ReportWhy): string {
  const parts = why.parts.map((p) => PART_WORDS[p])
  let text = parts.join(', ')
  if (parts.length === 0 && why.via) {
    if (why.via.kind === 'tests') text = `tests ${why.via.nodes.map(nameOf).join(', ')}`
    else if (why.via.kind === 'downstream') text = `downstream of ${nameOf(why.via.of)}`
    else text = 'named by the selection'
  }
  const notes = why.flags.map((f) => {
    if (f.kind === 'env-aware-config') return `env-aware: ${f.keys.join(', ')}`
    if (f.kind === 'macro-only') return `only macro ${f.macros.map(nameOf).join(', ')}`
    return 'seed compared by path only'
  })
  if (notes.length > 0) text += ` (${notes.join('; ')})`
  return why.lag_only ? `${text}; baseline lag only` : text
}
