/**
 * The build mode: find the deferred environment's baseline, prove the schemas dbt will write
 * to, run the slim build, publish the report, and drop the run's own schemas when asked.
 */
import { obtainBaseline, type BaselineOutcome } from '../baseline/index.js'
import { brokenComparison, compareData } from '../compare/step.js'
import type { DataChanges } from '../compare/types.js'
import { Output } from '../constants.js'
import { buildCloneArgs, buildDbtArgs, buildDepsArgs, type StateMode } from '../dbt/argv.js'
import { readRunArtifacts, type RunArtifacts } from '../dbt/artifacts.js'
import { versionMix } from '../dbt/engine.js'
import { parseCache, type ParseCache } from '../dbt/parse-cache.js'
import { describeSignal, type DbtExit } from '../dbt/process.js'
import { ActionError, DbtFailedError, messageOf } from '../errors.js'
import { publishReport } from '../report/publish.js'
import type { Manifest } from '../dbt/artifact-types.js'
import { payloadPullRequest } from '../github/event.js'
import type { ReportSelection } from '../selection/explain.js'
import { baselineCommit, gitIn } from '../selection/lag.js'
import { explainAfterBuild, gatherSelection, lagOnlyBeforeBuild, type SelectionFacts } from '../selection/step.js'
import type { RunInfo } from '../report/types.js'
import { gatherBaselineEvidence, prepareRun, safetyDeps, type RunFacts } from '../run/prepare.js'
import type { ProbeManifest } from '../safety/check.js'
import { dropOwnedSchemas, prepareBuildSchemas, type SafetyDeps } from '../safety/step.js'
import type { Services } from '../services.js'
import type { Settings } from '../settings.js'

/** Step: find the deferred environment's baseline (or decide on a full build). */
async function findBaseline(settings: Settings, services: Services, facts: RunFacts): Promise<BaselineOutcome> {
  const outcome = await obtainBaseline(settings.baseline, facts.source, {
    stateDir: facts.dirs.stateDir,
    project: { name: facts.project.name, targetDir: facts.project.targetDir },
    log: services.log,
    readJson: services.files.readJson
  })
  setBaselineOutputs(services, outcome, facts.dirs.stateDir, settings.dbt.defer)
  return outcome
}

function setBaselineOutputs(services: Services, outcome: BaselineOutcome, stateDir: string, defer: boolean): void {
  const b = outcome.kind === 'found' ? outcome.baseline : undefined
  services.outputs.set(Output.DeferredEnv, b && defer ? b.env : '')
  services.outputs.set(Output.BaselineSource, b?.source ?? '')
  services.outputs.set(Output.BaselineRunId, b?.runId ?? '')
  services.outputs.set(Output.BaselineRunUrl, b?.runUrl ?? '')
  services.outputs.set(Output.BaselineSha, b?.sha ?? '')
  services.outputs.set(Output.BaselineGeneratedAt, b?.generatedAt ?? '')
  services.outputs.set(Output.BuiltAll, outcome.kind === 'none')
  services.outputs.set(Output.StatePath, b ? stateDir : '')
  if (outcome.kind === 'none') {
    services.log.warning(
      `No ${outcome.env} baseline was found, so everything is built without defer (if-no-baseline: build-all). Searched:\n` +
        outcome.searched.map((line) => `  - ${line}`).join('\n')
    )
  }
}

/**
 * Step, before dbt reads the baseline and before any schema is dropped or created: the dbt that
 * wrote the baseline against this run's (as the safety step's parse recorded it). A newer
 * baseline is refused; another engine is a warning.
 */
export function checkDbtVersions(
  settings: Settings,
  services: Services,
  outcome: BaselineOutcome,
  ciManifest: Pick<ProbeManifest, 'metadata'>
): void {
  if (outcome.kind !== 'found') return
  const mix = versionMix(outcome.baseline.env, outcome.baseline.dbtVersion, ciManifest.metadata?.dbt_version ?? undefined)
  if (mix.kind === 'newer-baseline') {
    throw new ActionError(`${mix.message} (input 'dbt-executable': '${settings.dbt.executable}')`, { input: 'dbt-executable' })
  }
  if (mix.kind === 'other-engine') services.log.warning(mix.message)
  if (mix.kind === 'older-baseline') services.log.info(mix.message)
}

/** Whether `dbt deps` runs: the project declares packages that are not installed (or deps is always/never). */
function needsDeps(settings: Settings, facts: RunFacts): boolean {
  const { deps } = settings.dbt
  return deps === 'always' || (deps === 'auto' && facts.project.packagesMissing)
}

/** Step: `dbt deps` when the project declares packages that are not installed (or always/never). */
export async function installPackages(settings: Settings, facts: RunFacts): Promise<void> {
  if (!needsDeps(settings, facts)) return
  const { exit } = await facts.runner.step('deps', buildDepsArgs())
  if (exit.exitCode !== 0) {
    const why = exit.signal ? describeSignal(exit.signal) : `exit ${exit.exitCode}`
    throw new DbtFailedError(
      exit.exitCode,
      `dbt deps failed (${why}): the project's packages could not be installed. Last lines dbt printed:\n${exit.output.slice(-2000)}`
    )
  }
}

/**
 * Step: clone the modified incremental models the build selects from the baseline, so they
 * build incrementally. Returns the nodes it cloned (the report labels refs to them as clones).
 */
async function cloneIncrementals(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  outcome: BaselineOutcome
): Promise<ReadonlySet<string>> {
  if (!settings.dbt.cloneIncremental || outcome.kind !== 'found') return new Set()
  const args = buildCloneArgs(settings.dbt, facts.dirs.stateDir)
  if (!args) {
    services.log.warning(
      "clone-incremental is on, but the build selects through the YAML selector 'selector', which a clone cannot intersect with: nothing is cloned."
    )
    return new Set()
  }
  const { exit, targetDir } = await facts.runner.step('clone', args)
  if (exit.exitCode !== 0) {
    services.log.warning(`dbt clone of modified incremental models failed (exit ${exit.exitCode}); they will be built in full.`)
  }
  const { runResults } = await readRunArtifacts(targetDir, services.files.readJson)
  return new Set((runResults?.results ?? []).filter((r) => r.status === 'success').map((r) => r.unique_id))
}

/** Step: the main dbt command, then its artifacts (from the step's own target directory). */
async function runDbt(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  outcome: BaselineOutcome
): Promise<{ exit: DbtExit; artifacts: RunArtifacts; startedAt: Date; targetDir: string }> {
  const state: StateMode = outcome.kind === 'found' ? { kind: 'baseline', stateDir: facts.dirs.stateDir } : { kind: 'build-all' }
  const startedAt = services.now()
  const { exit, targetDir } = await facts.runner.step('build', buildDbtArgs(settings.dbt, state))
  const artifacts = await readRunArtifacts(targetDir, services.files.readJson)
  for (const problem of artifacts.problems) services.log.warning(problem)
  services.outputs.set(Output.Success, exit.exitCode === 0)
  services.outputs.set(Output.SelectedCount, artifacts.runResults?.results.length ?? 0)
  services.outputs.set(Output.RunResultsPath, artifacts.runResults ? artifacts.runResultsPath : '')
  services.outputs.set(Output.ManifestPath, artifacts.manifest ? artifacts.manifestPath : '')
  return { exit, artifacts, startedAt, targetDir }
}

/** The run's parse cache, when `parse-cache` is on; its restored file seeds the first dbt step. */
async function restoreParseCache(settings: Settings, services: Services, facts: RunFacts): Promise<ParseCache | undefined> {
  if (!settings.dbt.parseCache) return undefined
  const cache = parseCache({
    store: services.cache,
    log: services.log,
    dir: facts.dirs.parseCacheDir,
    holdsSecret: services.holdsSecret,
    scope: {
      projectKey: facts.dirs.projectKey,
      target: settings.dbt.target,
      pr: facts.pr.number,
      branch: settings.context.branch,
      runId: settings.context.runId ? `${settings.context.runId}-${settings.context.runAttempt ?? '1'}` : undefined,
      perPrSchema: facts.ciSchema !== undefined
    }
  })
  const seed = await cache.restore()
  if (seed) facts.runner.startFrom(seed)
  return cache
}

/** Commands after which the CI relations hold this run's data. */
const WRITING_COMMANDS = new Set(['build', 'run', 'seed', 'snapshot'])

/** Why the data is not compared, or undefined when it is. */
function whyNoComparison(settings: Settings, outcome: BaselineOutcome, run: Awaited<ReturnType<typeof runDbt>>): string | undefined {
  if (!settings.compare.enabled) return 'compare is false'
  if (outcome.kind !== 'found' || !settings.dbt.defer) return 'there is no deferred environment to compare with'
  if (!WRITING_COMMANDS.has(settings.dbt.command)) return `dbt ${settings.dbt.command} writes no relations`
  if (!run.artifacts.runResults || !run.artifacts.manifest) return "dbt's artifacts of the build are missing"
  return undefined
}

function setDataOutputs(services: Services, changes: DataChanges | null): void {
  const t = changes?.totals
  services.outputs.set(Output.DataModelsCompared, t ? t.models - t.failed : 0)
  services.outputs.set(Output.DataColumnsAdded, t?.columns_added ?? 0)
  services.outputs.set(Output.DataColumnsRemoved, t?.columns_removed ?? 0)
  services.outputs.set(Output.DataColumnsTypeChanged, t?.columns_type_changed ?? 0)
  services.outputs.set(Output.DataRowsChanged, t?.rows_changed ?? 0)
  services.outputs.set(Output.DataCompareWarnings, changes?.warnings.length ?? 0)
}

/**
 * Step: compare the data the build wrote with the deferred environment's. Best effort: a
 * failure is a warning in the report and the job log, never the build's result.
 */
async function compareWithDeferred(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  outcome: BaselineOutcome,
  run: Awaited<ReturnType<typeof runDbt>>
): Promise<DataChanges | null> {
  const why = whyNoComparison(settings, outcome, run)
  if (why || outcome.kind !== 'found') {
    services.log.info(`No data comparison: ${why}.`)
    setDataOutputs(services, null)
    return null
  }
  const env = outcome.baseline.env
  const input = { runResults: run.artifacts.runResults!, manifest: run.artifacts.manifest!, baseline: outcome.baseline.manifest, env }
  let changes: DataChanges
  try {
    changes = await compareData(settings.compare, input, { runner: facts.runner, readJson: services.files.readJson })
  } catch (error) {
    changes = brokenComparison(env, error)
  }
  changes.warnings.forEach((w) => services.log.warning(w))
  setDataOutputs(services, changes)
  return changes
}

/** Explains dbt's exit status. */
export function explainExit(exit: DbtExit, command: string): string {
  if (exit.signal) {
    return `dbt ${command} did not finish: ${describeSignal(exit.signal)} (exit ${exit.exitCode}). Its last lines:\n${exit.output.split('\n').slice(-15).join('\n')}`
  }
  if (exit.exitCode === 1) {
    return `dbt ${command} finished with failures (exit 1): some nodes errored or some tests failed. The summary lists them.`
  }
  const last = exit.output.split('\n').slice(-15).join('\n')
  return (
    `dbt ${command} could not run (exit ${exit.exitCode}): an invalid argument, project, profile or connection. ` +
    `The dbt log above says why; its last lines:\n${last}`
  )
}

/** Warnings where dbt's semantics surprise users; the flags are passed as configured all the same. */
export function semanticsWarnings(dbt: Settings['dbt']): string[] {
  const warnings: string[] = []
  if (dbt.favorState && !dbt.defer) warnings.push('favor-state is set but defer is false: dbt ignores --favor-state without --defer.')
  if (dbt.favorState && dbt.defer && dbt.command === 'test') {
    warnings.push(
      "command 'test' with favor-state: dbt test counts only tests as selected, so every model ref, even to a model the PR changed, " +
        'resolves to the deferred environment. Use command: build to test the CI build of changed models.'
    )
  }
  if (dbt.defer && dbt.command === 'seed') warnings.push("command 'seed': seeds read no refs, so defer changes nothing for this command.")
  return warnings
}

/** Facts about the invocation for the report. */
function runInfo(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  outcome: BaselineOutcome,
  exit: DbtExit,
  startedAt: Date
): RunInfo {
  const { dbt, context } = settings
  const b = outcome.kind === 'found' ? outcome.baseline : undefined
  return {
    command: dbt.command,
    select: dbt.selector ? [] : dbt.select,
    exclude: dbt.exclude,
    selector: dbt.selector,
    defer: Boolean(b) && dbt.defer,
    favorState: Boolean(b) && dbt.defer && dbt.favorState,
    deferredEnv: b && dbt.defer ? b.env : null,
    baseline: b
      ? { source: b.source, runId: b.runId, runUrl: b.runUrl, sha: b.sha, generatedAt: b.generatedAt, location: b.location }
      : null,
    builtAll: outcome.kind === 'none',
    success: exit.exitCode === 0,
    elapsed: (services.now().getTime() - startedAt.getTime()) / 1000,
    repository: context.repository || undefined,
    serverUrl: context.serverUrl,
    headSha: facts.pr.headSha ?? context.sha,
    projectDir: facts.dirs.projectPath,
    now: services.now()
  }
}

function jobSummaryUrl(settings: Settings): string | undefined {
  const { serverUrl, repository, runId } = settings.context
  return repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined
}

/** Step, before the build: ask dbt which part of state:modified fires for which node, and git how far the baseline lags. */
async function askWhySelected(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  outcome: BaselineOutcome
): Promise<SelectionFacts | undefined> {
  if (!settings.selection.explain || outcome.kind !== 'found') return undefined
  return gatherSelection({
    dbt: settings.dbt,
    env: facts.env,
    process: services.program,
    runner: facts.runner,
    stateDir: facts.dirs.stateDir,
    git: gitIn(settings.context.workspace, facts.env),
    commits: {
      baselineSha: baselineCommit(outcome.baseline.sha, outcome.baseline.manifest),
      baseSha: payloadPullRequest(services.event)?.base?.sha,
      headSha: facts.pr.headSha ?? payloadPullRequest(services.event)?.head?.sha,
      repository: settings.context.repository || undefined,
      serverUrl: settings.context.serverUrl
    },
    log: services.log
  })
}

/** With exclude-lagging: the build's settings with the nodes selected only because of the baseline's lag excluded. */
function withLagExcluded(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  why: SelectionFacts | undefined,
  manifest: Manifest | undefined
): Settings {
  // The probe keeps its manifest whole when exclude-lagging is on (run/prepare.ts).
  if (!settings.selection.excludeLagging || !why || !manifest) return settings
  const lagging = lagOnlyBeforeBuild(why, manifest, facts.dirs.projectPath)
  if (lagging.length === 0) return settings
  services.log.info(
    `exclude-lagging: leaving out ${lagging.length} nodes selected only because the baseline lags the pull request: ${lagging.join(', ')}.`
  )
  return { ...settings, dbt: { ...settings.dbt, exclude: [...settings.dbt.exclude, ...lagging] } }
}

/** Step, after the build: why each node the build ran was selected, and what lies downstream. */
async function explainWhySelected(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  outcome: BaselineOutcome,
  why: SelectionFacts | undefined,
  run: Awaited<ReturnType<typeof runDbt>>
): Promise<ReportSelection | null> {
  const manifest = run.artifacts.manifest
  if (!why || outcome.kind !== 'found' || !manifest) return null
  try {
    const selection = await explainAfterBuild(why, {
      git: gitIn(settings.context.workspace, facts.env),
      selected: (run.artifacts.runResults?.results ?? []).map((r) => r.unique_id),
      current: manifest,
      baseline: outcome.baseline.manifest,
      projectPath: facts.dirs.projectPath
    })
    if (!selection) return null
    const s = selection.section
    services.outputs.set(Output.LagOnlyCount, s.lag.known ? s.lag.lag_only.length : '')
    services.outputs.set(
      Output.DownstreamCount,
      Object.values(s.downstream).reduce((a, b) => a + b, 0)
    )
    return s
  } catch (error) {
    services.log.warning(`Could not explain why each node was selected: ${messageOf(error)}. The report leaves it out.`)
    return null
  }
}

/** Step: the report. Best effort: a failure to publish is a warning, and the build's result alone decides the step. */
async function report(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  outcome: BaselineOutcome,
  run: Awaited<ReturnType<typeof runDbt>>,
  cloned: ReadonlySet<string>,
  dataChanges: DataChanges | null,
  selection: ReportSelection | null
): Promise<void> {
  try {
    await publishReport(
      {
        info: runInfo(settings, services, facts, outcome, run.exit, run.startedAt),
        baseline: outcome.kind === 'found' ? outcome.baseline.manifest : null,
        artifacts: run.artifacts,
        exitCode: run.exit.exitCode,
        reportDir: facts.dirs.reportDir,
        commentMarker: `dbt-defer-action:${facts.dirs.projectKey}`,
        pr: facts.pr,
        comment: settings.report.comment,
        summaryUrl: jobSummaryUrl(settings),
        cloned,
        dataChanges,
        selection
      },
      services
    )
  } catch (error) {
    services.log.warning(`The report could not be published in full: ${messageOf(error)}. The build's result stands.`)
  }
}

/** Step: with clean-slate, drop the run's own schemas after the build, whatever happened before. */
async function dropAfter(settings: Settings, services: Services, safety: SafetyDeps): Promise<void> {
  if (!settings.ciSchema.cleanSlate || !safety.ciSchema) return
  services.log.info('clean-slate: dropping the CI schema after the build.')
  await dropOwnedSchemas(safety, 'drop-after')
}

/** The build mode: baseline, safety check, slim build, report. */
export async function build(settings: Settings, services: Services): Promise<void> {
  semanticsWarnings(settings.dbt).forEach((w) => services.log.warning(w))
  const facts = await prepareRun(settings, services)
  // dbt's Python starts while the baseline is fetched, unless `dbt deps` runs first.
  if (!needsDeps(settings, facts)) services.dbt.warm?.({ cwd: settings.dbt.projectDir, env: facts.env })
  const outcome = await findBaseline(settings, services, facts)
  const safety = await safetyDeps(settings, services, facts, await gatherBaselineEvidence(settings, services, facts, outcome))
  const parse = await restoreParseCache(settings, services, facts)
  await installPackages(settings, facts)
  if (settings.ciSchema.cleanSlate && !facts.ciSchema)
    services.log.warning("clean-slate is on but 'ci-schema' is empty, so there is no CI schema to drop.")
  if (settings.ciSchema.cleanSlate && facts.ciSchema) services.log.info('clean-slate: dropping the CI schema before the build.')
  const writes = settings.dbt.command !== 'compile' || settings.dbt.cloneIncremental
  const evidence = await prepareBuildSchemas(safety, {
    cleanSlate: settings.ciSchema.cleanSlate,
    claim: writes,
    check: (e) => checkDbtVersions(settings, services, outcome, e.manifest)
  })
  let exit: DbtExit
  try {
    const why = await askWhySelected(settings, services, facts, outcome)
    const built = withLagExcluded(settings, services, facts, why, evidence.wholeManifest)
    const cloned = await cloneIncrementals(built, services, facts, outcome)
    const run = await runDbt(built, services, facts, outcome)
    await parse?.save(run.targetDir)
    exit = run.exit
    const dataChanges = await compareWithDeferred(built, services, facts, outcome, run)
    const selection = await explainWhySelected(settings, services, facts, outcome, why, run)
    await report(built, services, facts, outcome, run, cloned, dataChanges, selection)
  } finally {
    await dropAfter(settings, services, safety)
  }
  if (exit.exitCode !== 0) throw new DbtFailedError(exit.exitCode, explainExit(exit, settings.dbt.command))
}
