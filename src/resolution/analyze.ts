/**
 * The resolution analysis: for every result of a dbt invocation, where each of its refs
 * resolved, read from the compiled SQL (dbt does not record the defer decision anywhere else).
 */
import type { ManifestNode, RunResult } from '../dbt/artifact-types.js'
import { ownSql, type CompiledSql } from '../dbt/compiled-sql.js'
import { displayName, notCompiledRef, own, resolveParent, unique, type ResolutionContext } from './classify.js'
import { scanSql } from './relation-match.js'
import type { AnalysisInput, NodeResolution, RefResolution } from './types.js'

const TEST_TYPES = new Set(['test', 'unit_test'])
const BUILT_TYPES = new Set(['model', 'seed', 'snapshot'])
const BUILT_STATUSES = new Set(['success', 'partial success'])
/** Commands whose "success" does not mean a relation was created. */
const NON_BUILDING = new Set(['compile', 'show', 'test', 'list', 'ls', 'parse', 'docs', 'source', 'run-operation'])

/**
 * Analyses every result of run_results.json: which environment each ref of each node read.
 * Pure: the artifacts in, one NodeResolution per result out (in run_results order).
 */
export function analyzeRun(input: AnalysisInput): NodeResolution[] {
  const ctx = contextOf(input)
  return input.runResults.results.map((r) => analyzeResult(ctx, r, input.sqlFiles))
}

function contextOf(input: AnalysisInput): ResolutionContext {
  const args = input.runResults.args ?? {}
  return {
    manifest: input.manifest,
    baseline: input.baseline,
    deferredEnv: input.deferredEnv,
    deferOff: args.defer === false,
    builtThisRun: builtIds(input)
  }
}

/** Nodes this invocation created: models, seeds and snapshots that succeeded in a building command. */
function builtIds(input: AnalysisInput): Set<string> {
  const which = input.runResults.args?.which
  if (typeof which === 'string' && NON_BUILDING.has(which)) return new Set()
  const built = input.runResults.results.filter(
    (r) => BUILT_STATUSES.has(r.status) && BUILT_TYPES.has(nodeOf(input.manifest, r.unique_id)?.resource_type ?? '')
  )
  return new Set(built.map((r) => r.unique_id))
}

function nodeOf(manifest: AnalysisInput['manifest'], id: string): ManifestNode | undefined {
  return own(manifest.nodes, id) ?? own(manifest.unit_tests, id)
}

function analyzeResult(ctx: ResolutionContext, r: RunResult, sqlFiles: AnalysisInput['sqlFiles']): NodeResolution {
  const node = nodeOf(ctx.manifest, r.unique_id)
  const resourceType = node?.resource_type ?? r.unique_id.split('.')[0]
  // A node reused from state did not run: any SQL file of it is not this run's.
  const sql = r.status === 'reused' ? undefined : (ownSql(r) ?? sqlFiles?.get(r.unique_id))
  return {
    uniqueId: r.unique_id,
    name: displayName(node, r.unique_id),
    resourceType,
    isTest: TEST_TYPES.has(resourceType),
    status: r.status,
    executionTime: typeof r.execution_time === 'number' ? r.execution_time : null,
    message: r.message ?? null,
    failures: typeof r.failures === 'number' ? r.failures : null,
    relation: r.relation_name ?? node?.relation_name ?? null,
    file: node?.original_file_path ?? null,
    compiled: sql !== undefined,
    sqlFrom: sql?.from ?? null,
    refs: resourceType === 'unit_test' ? [] : refsOf(ctx, r, sql, unique(node?.depends_on?.nodes ?? []))
  }
}

/** Why a result without SQL says nothing of its refs. */
function noSqlReason(r: RunResult): { reason: 'reused' | 'not-compiled'; why: string } {
  if (r.status === 'reused') {
    return {
      reason: 'reused',
      why: 'dbt reused the node from state without running it, so there is no SQL of this run to read; its refs are not analysed'
    }
  }
  if (r.status === 'skipped')
    return { reason: 'not-compiled', why: 'the node was skipped, so dbt compiled no SQL that shows where this ref resolved' }
  return {
    reason: 'not-compiled',
    why: `the node has no compiled SQL (status ${r.status}), neither in run_results.json nor in the files dbt wrote: it failed before compiling`
  }
}

/** Unit tests read fixtures, not relations, so they get no refs. */
function refsOf(ctx: ResolutionContext, r: RunResult, sql: CompiledSql | undefined, parents: string[]): RefResolution[] {
  if (!sql) {
    const { reason, why } = noSqlReason(r)
    return parents.map((p) => notCompiledRef(ctx, p, why, reason))
  }
  const scanned = scanSql(sql.code)
  const expanded = new Set<string>()
  return parents.map((p) => resolveParent(ctx, scanned, p, new Set(), expanded))
}
