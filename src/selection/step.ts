/**
 * The "why selected" step: before the build, dbt is asked which part of `state:modified` fires
 * for which node, and git how far the baseline lags the pull request. Best effort: a failure is a
 * warning and the report says the reasons are not known.
 */
import type { DbtProcess } from '../dbt/process.js'
import type { DbtRunner } from '../dbt/runner.js'
import { messageOf } from '../errors.js'
import type { Logger } from '../logger.js'
import type { DbtSettings } from '../settings.js'
import { askDbt, type Answer } from './ask-dbt.js'
import { parse } from 'yaml'
import { findLag, inProject, type Git, type LagCommits, type LagOutcome } from './lag.js'
import type { Manifest } from '../dbt/artifact-types.js'
import { explainRun, type SelectionReport } from './explain.js'
import { nodeOf, PARTS } from './why.js'

/** What the step needs of the run. */
export interface SelectionStepDeps {
  dbt: Pick<DbtSettings, 'executable' | 'projectDir' | 'profilesDir' | 'target' | 'extraArgs'>
  env: Record<string, string>
  process: (executable: string) => DbtProcess
  runner: DbtRunner
  stateDir: string
  git: Git
  commits: LagCommits
  log: Logger
}

/** How dbt was asked, for the log. */
const HOW: Record<Answer['how'], string> = {
  session: "one dbt ls per part in the run's dbt session, on its parse",
  programmatic: "dbt's programmatic runner, one invocation",
  'dbt-ls': 'one dbt ls invocation per part'
}

/** What dbt and git answered before the build. */
export interface SelectionFacts {
  answer?: Answer
  lag: LagOutcome
  /** Why dbt's answer is missing, when it is. */
  failure?: string
}

/** Asks dbt and git; never throws. */
export async function gatherSelection(d: SelectionStepDeps): Promise<SelectionFacts> {
  const lag = await findLag(d.git, d.commits).catch((error: unknown) => ({ kind: 'unknown' as const, why: messageOf(error) }))
  if (lag.kind === 'unknown') d.log.info(`Baseline lag: not known (${lag.why}).`)
  try {
    const answer = await askDbt({
      dbt: d.dbt,
      env: d.env,
      process: d.process,
      runner: d.runner,
      targetDir: () => d.runner.scratch('why'),
      stateDir: d.stateDir
    })
    d.log.info(`Asked dbt why each node is selected (${HOW[answer.how]}).`)
    if (answer.failed.length > 0) {
      d.log.warning(
        `dbt could not list the nodes of ${answer.failed.map((p) => `state:modified.${p}`).join(', ')}; those reasons are left out.`
      )
    }
    return { answer, lag }
  } catch (error) {
    d.log.warning(`Could not ask dbt why each node is selected: ${messageOf(error)}. The report leaves the reasons out.`)
    return { lag, failure: messageOf(error) }
  }
}

/** The entry of a node in a properties file (models:, seeds:, snapshots: ...), as JSON, or undefined. */
function entryOf(text: string | undefined, name: string): string | undefined {
  if (text === undefined) return undefined
  try {
    const doc = parse(text) as Record<string, unknown> | null
    for (const list of Object.values(doc ?? {})) {
      if (!Array.isArray(list)) continue
      const entry = list.find((e: unknown) => typeof e === 'object' && e !== null && (e as { name?: unknown }).name === name)
      if (entry) return JSON.stringify(entry)
    }
  } catch {
    return undefined
  }
  return undefined
}

/**
 * Of the nodes selected for their configs alone, those whose written configs are the same at the
 * baseline's commit and now: their SQL file and dbt_project.yml did not change, and neither did
 * their entry in their properties file. Their configs can then differ only in how they render.
 */
export async function configsWrittenSame(
  git: Git,
  lag: LagOutcome,
  candidates: Iterable<{ uniqueId: string; name: string; files: { sql?: string; patch?: string } }>,
  projectPath: string
): Promise<Set<string>> {
  const same = new Set<string>()
  if (lag.kind !== 'known') return same
  const changed = inProject(lag.lag.sinceBaseline, projectPath)
  if (changed.has('dbt_project.yml')) return same
  const prefix = projectPath === '.' || projectPath === '' ? '' : `${projectPath.replace(/\/+$/, '')}/`
  const show = async (path: string): Promise<string | undefined> => {
    const r = await git.run(['show', `${lag.lag.baselineSha}:${prefix}${path}`])
    return r.code === 0 ? r.stdout : undefined
  }
  const head = async (path: string): Promise<string | undefined> => {
    const r = await git.run(['show', `${lag.lag.headSha}:${prefix}${path}`])
    return r.code === 0 ? r.stdout : undefined
  }
  for (const c of candidates) {
    if (c.files.sql && changed.has(c.files.sql)) continue
    if (c.files.patch && changed.has(c.files.patch)) {
      const before = entryOf(await show(c.files.patch), c.name)
      if (before === undefined || before !== entryOf(await head(c.files.patch), c.name)) continue
    }
    same.add(c.uniqueId)
  }
  return same
}

/** The nodes dbt selected for their configs alone, with their files. */
function configsOnly(
  answer: Answer,
  current: Manifest
): Array<{ uniqueId: string; name: string; files: { sql?: string; patch?: string } }> {
  const others = PARTS.filter((p) => p !== 'configs')
  return [...answer.sets.configs]
    .filter((id) => others.every((p) => !answer.sets[p].has(id)))
    .flatMap((id) => {
      const node = nodeOf(current, id)
      if (!node) return []
      const patch = node.patch_path ? node.patch_path.slice(node.patch_path.indexOf('://') + 3) : undefined
      return [{ uniqueId: id, name: node.name, files: { sql: node.original_file_path, patch } }]
    })
}

/** After the build: the selection part of the report, or undefined when dbt gave no answer. */
export async function explainAfterBuild(
  facts: SelectionFacts,
  run: { git: Git; selected: readonly string[]; current: Manifest; baseline: Manifest; projectPath: string }
): Promise<SelectionReport | undefined> {
  if (!facts.answer) return undefined
  const writtenSame = await configsWrittenSame(run.git, facts.lag, configsOnly(facts.answer, run.current), run.projectPath)
  return explainRun({ answer: facts.answer, lag: facts.lag, ...run, configsWrittenSame: writtenSame })
}

/**
 * Before the build, for exclude-lagging: the selectors (fully qualified names) of the nodes dbt
 * selects directly that the PR did not touch, with the data tests of only those nodes.
 */
export function lagOnlyBeforeBuild(facts: SelectionFacts, current: Manifest, projectPath: string): string[] {
  if (!facts.answer || facts.lag.kind !== 'known') return []
  const direct = [...new Set(PARTS.flatMap((p) => [...(facts.answer as Answer).sets[p]]))]
  const report = explainRun({
    answer: facts.answer,
    lag: facts.lag,
    selected: direct,
    current,
    baseline: { metadata: { dbt_schema_version: '' }, nodes: {}, sources: {} },
    projectPath
  })
  const lagging = new Set(
    Object.entries(report.section.nodes)
      .filter(([, n]) => n.why.lag_only)
      .map(([id]) => id)
  )
  if (lagging.size === 0) return []
  for (const node of Object.values(current.nodes)) {
    const parents = node.depends_on?.nodes ?? []
    if (node.resource_type === 'test' && parents.length > 0 && parents.every((p) => lagging.has(p))) lagging.add(node.unique_id)
  }
  return [...lagging]
    .map((id) => current.nodes[id])
    .filter((n): n is NonNullable<typeof n> => Boolean(n && Array.isArray(n.fqn)))
    .map((n) => (n.fqn as string[]).join('.'))
    .sort()
}
