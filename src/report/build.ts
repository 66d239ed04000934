/**
 * Builds the report (report.json) from the resolution analysis and the run's facts. Pure.
 */
import type { DataChanges } from '../compare/types.js'
import type { Manifest, RunResults } from '../dbt/artifact-types.js'
import { parseDbtVersion } from '../dbt/engine.js'
import type { ReportSelection } from '../selection/explain.js'
import type { NodeResolution, RefResolution } from '../resolution/types.js'
import type { Report, ReportCounts, ReportNode, ReportRef, ReportRun, RunInfo } from './types.js'

/** Arguments of `buildReport`. */
export interface BuildReportArgs {
  /** `analyzeRun`'s output. */
  analysis: NodeResolution[]
  /** The invocation's run_results.json. */
  runResults: RunResults
  /** The current manifest (for the dbt version when run_results lacks it). */
  manifest: Manifest | null
  /** Facts about the invocation. */
  run: RunInfo
  /** Nodes `dbt clone` copied into the CI schema from the deferred environment before the build. */
  cloned?: ReadonlySet<string>
  /** The data comparison's result, when it ran. */
  dataChanges?: DataChanges | null
  /** Why each node was selected, when dbt was asked. */
  selection?: ReportSelection | null
}

/** Assembles report.json: schema version, the run, counts and every node with its refs. */
export function buildReport(args: BuildReportArgs): Report {
  const nodes = args.analysis.map((n) => toReportNode(n, args.run))
  if (args.cloned?.size) markClones(nodes, args.cloned, args.run.deferredEnv ?? 'production')
  return {
    schema_version: 4,
    run: toReportRun(args),
    counts: countsOf(nodes),
    nodes,
    data_changes: args.dataChanges ?? null,
    selection: args.selection ?? null
  }
}

function toReportRun({ run, runResults, manifest }: BuildReportArgs): ReportRun {
  const version = run.dbtVersion ?? runResults.metadata?.dbt_version ?? manifest?.metadata?.dbt_version ?? null
  return {
    command: run.command,
    select: [...run.select],
    exclude: [...run.exclude],
    selector: run.selector ?? null,
    defer: run.defer,
    favor_state: run.favorState,
    deferred_env: run.deferredEnv,
    built_all: run.builtAll,
    baseline: run.baseline ? toReportBaseline(run.baseline, run.now) : null,
    success: run.success,
    elapsed_seconds: run.elapsed ?? (typeof runResults.elapsed_time === 'number' ? runResults.elapsed_time : null),
    dbt_version: version,
    dbt_engine: parseDbtVersion(version)?.engine ?? null,
    repository: run.repository ?? null,
    server_url: run.serverUrl ?? null,
    head_sha: run.headSha ?? null,
    project_dir: run.projectDir ?? null,
    generated_at: run.now.toISOString()
  }
}

function toReportBaseline(b: NonNullable<RunInfo['baseline']>, now: Date): NonNullable<ReportRun['baseline']> {
  return {
    source: b.source,
    run_id: b.runId ?? null,
    run_url: b.runUrl ?? null,
    sha: b.sha ?? null,
    generated_at: b.generatedAt ?? null,
    location: b.location ?? null,
    age_seconds: ageSeconds(b.generatedAt, now)
  }
}

/** Whole seconds between a timestamp and now; null when the timestamp is missing or invalid. */
export function ageSeconds(timestamp: string | undefined, now: Date): number | null {
  const t = timestamp ? Date.parse(timestamp) : NaN
  if (Number.isNaN(t)) return null
  return Math.max(0, Math.floor((now.getTime() - t) / 1000))
}

function toReportNode(n: NodeResolution, run: RunInfo): ReportNode {
  return {
    unique_id: n.uniqueId,
    name: n.name,
    resource_type: n.resourceType,
    is_test: n.isTest,
    status: n.status,
    execution_time: n.executionTime,
    message: n.message,
    failures: n.failures,
    relation: n.relation,
    file: n.file,
    file_url: n.file ? fileUrl(run, n.file) : null,
    compiled: n.compiled,
    sql_from: n.sqlFrom,
    refs: n.refs.map(toReportRef)
  }
}

function toReportRef(r: RefResolution): ReportRef {
  return {
    unique_id: r.uniqueId,
    name: r.name,
    resource_type: r.resourceType,
    classification: r.classification,
    relation: r.relation,
    dev_relation: r.devRelation,
    state_relation: r.stateRelation,
    evidence: r.evidence,
    reason: r.reason,
    children: r.children.map(toReportRef)
  }
}

/**
 * Link to a project file at the PR's commit; null unless the server, repository and commit
 * are known and the server URL is http(s).
 */
export function fileUrl(run: Pick<RunInfo, 'serverUrl' | 'repository' | 'headSha' | 'projectDir'>, file: string): string | null {
  const { serverUrl, repository, headSha } = run
  if (!serverUrl || !repository || !headSha || !/^https?:\/\//i.test(serverUrl)) return null
  if (!/^[\w.-]+\/[\w.-]+$/.test(repository) || !/^[0-9a-f]{7,64}$/i.test(headSha)) return null
  const segments = [...splitPath(run.projectDir ?? ''), ...splitPath(file)]
  if (segments.includes('..')) return null
  const path = segments.map(encodeSegment).join('/')
  return `${serverUrl.replace(/\/+$/, '')}/${repository}/blob/${headSha}/${path}`
}

function splitPath(p: string): string[] {
  return p.split(/[\\/]+/).filter((s) => s !== '' && s !== '.')
}

/** Percent-encodes a path segment, parentheses and quotes included (they end markdown links). */
function encodeSegment(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/**
 * Counts by status and by classification. Maps, not plain objects: a status is dbt's text, and
 * one such as `__proto__` or `hasOwnProperty` must count as itself, not as Object.prototype's.
 */
/**
 * A ref read from the CI schema whose relation `dbt clone` made in this run is no CI build: it
 * holds the deferred environment's data. Such refs are reported as what they are.
 */
function markClones(nodes: ReportNode[], cloned: ReadonlySet<string>, env: string): void {
  const visit = (refs: ReportRef[]): void => {
    for (const r of refs) {
      if (r.classification === 'dev' && cloned.has(r.unique_id)) {
        r.classification = 'clone'
        r.evidence = `${r.evidence}; the relation is a clone of ${env}'s, made by dbt clone before this build`
      }
      visit(r.children)
    }
  }
  for (const n of nodes) visit(n.refs)
}

function countsOf(nodes: ReportNode[]): ReportCounts {
  const byStatus = new Map<string, number>()
  const byClass = new Map<string, number>()
  const add = (counts: Map<string, number>, key: string): void => {
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  const visit = (refs: ReportRef[]): void => {
    for (const r of refs) {
      add(byClass, r.classification)
      visit(r.children)
    }
  }
  for (const n of nodes) {
    add(byStatus, n.status)
    visit(n.refs)
  }
  return { total: nodes.length, by_status: Object.fromEntries(byStatus), by_classification: Object.fromEntries(byClass) }
}
