import { createBaselineSource, obtainBaseline, type BaselineOutcome } from './baseline/index.js'
import type { BaselineSource } from './baseline/types.js'
import { buildCloneArgs, buildDbtArgs, buildDepsArgs, type StateMode } from './dbt/argv.js'
import { readRunArtifacts, type RunArtifacts } from './dbt/artifacts.js'
import type { DbtExit } from './dbt/process.js'
import { readDbtProject, type DbtProject } from './dbt/project.js'
import { DbtFailedError } from './errors.js'
import { actionDirs, type ActionDirs } from './paths.js'
import { publishReport } from './publish-report.js'
import { prepareCiSchema, dropSchemaIfAsked, type CiSchema } from './ci-schema-step.js'
import { locatePullRequest, type PullRequestTarget } from './pr-step.js'
import type { Services } from './services.js'
import type { Settings } from './settings.js'

/** Everything the build learns along the way, handed from step to step. */
interface BuildState {
  settings: Settings
  services: Services
  project: DbtProject
  dirs: ActionDirs
  pr: PullRequestTarget
  schema: CiSchema
  env: Record<string, string>
}

/** The configured baseline source, wired to the run's services. */
export function baselineSource(settings: Settings, services: Services): BaselineSource {
  return createBaselineSource(settings.baseline, {
    github: services.github,
    repository: settings.context.repository,
    serverUrl: settings.context.serverUrl,
    cache: services.cache,
    log: services.log,
    tempDir: settings.context.tempDir,
    projectDir: settings.dbt.projectDir,
    workspace: settings.context.workspace
  })
}

/** Step: find the deferred environment's baseline (or decide on a full build). */
async function findBaseline(s: BuildState): Promise<BaselineOutcome> {
  const { settings, services } = s
  const source = baselineSource(settings, services)
  const outcome = await obtainBaseline(settings.baseline, source, {
    stateDir: s.dirs.stateDir,
    project: { name: s.project.name },
    log: services.log
  })
  setBaselineOutputs(services, outcome, s.dirs.stateDir)
  return outcome
}

function setBaselineOutputs(services: Services, outcome: BaselineOutcome, stateDir: string): void {
  const b = outcome.kind === 'found' ? outcome.baseline : undefined
  services.outputs.set('deferred-env', b?.env ?? '')
  services.outputs.set('baseline-source', b?.source ?? '')
  services.outputs.set('baseline-run-id', b?.runId ?? '')
  services.outputs.set('baseline-run-url', b?.runUrl ?? '')
  services.outputs.set('baseline-sha', b?.sha ?? '')
  services.outputs.set('baseline-generated-at', b?.generatedAt ?? '')
  services.outputs.set('built-all', outcome.kind === 'none')
  services.outputs.set('state-path', b ? stateDir : '')
  if (outcome.kind === 'none') {
    services.log.warning(
      `No ${outcome.env} baseline was found, so everything is built without defer (if-no-baseline: build-all). Searched:\n` +
        outcome.searched.map((line) => `  - ${line}`).join('\n')
    )
  }
}

/** Runs one dbt command in the project, logging the exact argv. */
async function dbt(s: BuildState, args: string[]): Promise<DbtExit> {
  s.services.log.info(`Running: ${s.settings.dbt.executable} ${args.join(' ')}`)
  return s.services.dbt.run(args, { cwd: s.settings.dbt.projectDir, env: s.env })
}

/** Step: `dbt deps` when the project declares packages that are not installed (or always/never). */
async function installPackages(s: BuildState): Promise<void> {
  const { deps } = s.settings.dbt
  if (deps === 'never' || (deps === 'auto' && !s.project.packagesMissing)) return
  const exit = await dbt(s, buildDepsArgs(s.settings.dbt))
  if (exit.exitCode !== 0) {
    throw new DbtFailedError(exit.exitCode, `dbt deps failed (exit ${exit.exitCode}); the log above says why. Last lines:\n${exit.output.slice(-2000)}`)
  }
}

/** Step: clone modified incremental models from the baseline so they build incrementally. */
async function cloneIncrementals(s: BuildState, outcome: BaselineOutcome): Promise<void> {
  if (!s.settings.dbt.cloneIncremental || outcome.kind !== 'found') return
  const exit = await dbt(s, buildCloneArgs(s.settings.dbt, s.dirs.stateDir))
  if (exit.exitCode !== 0) {
    s.services.log.warning(`dbt clone of modified incremental models failed (exit ${exit.exitCode}); they will be built in full.`)
  }
}

/** Step: the main dbt command, then its artifacts. */
async function runDbt(s: BuildState, outcome: BaselineOutcome): Promise<{ exit: DbtExit; artifacts: RunArtifacts; startedAt: Date }> {
  const state: StateMode = outcome.kind === 'found' ? { kind: 'baseline', stateDir: s.dirs.stateDir } : { kind: 'build-all' }
  const startedAt = s.services.now()
  const exit = await dbt(s, buildDbtArgs(s.settings.dbt, state))
  const artifacts = readRunArtifacts(s.project.targetDir, startedAt)
  for (const problem of artifacts.problems) s.services.log.warning(problem)
  return { exit, artifacts, startedAt }
}

function setRunOutputs(services: Services, exit: DbtExit, artifacts: RunArtifacts): void {
  services.outputs.set('success', exit.exitCode === 0)
  services.outputs.set('selected-count', artifacts.runResults?.results.length ?? 0)
  services.outputs.set('run-results-path', artifacts.runResults ? artifacts.runResultsPath : '')
  services.outputs.set('manifest-path', artifacts.manifest ? artifacts.manifestPath : '')
}

/** Explains dbt's exit status. */
export function explainExit(exit: DbtExit, command: string): string {
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

/** The build mode: baseline, slim build, report. */
export async function build(settings: Settings, services: Services): Promise<void> {
  semanticsWarnings(settings.dbt).forEach((w) => services.log.warning(w))
  const project = readDbtProject(settings.dbt.projectDir, settings.dbt.targetPath)
  const dirs = actionDirs(settings.context.tempDir, settings.context.workspace, settings.dbt.projectDir)
  const pr = await locatePullRequest(settings, services)
  const schema = prepareCiSchema(settings, services, pr)
  const s: BuildState = { settings, services, project, dirs, pr, schema, env: { ...services.env, ...schema.env } }
  const outcome = await findBaseline(s)
  await installPackages(s)
  await dropSchemaIfAsked(s, outcome, 'before')
  await cloneIncrementals(s, outcome)
  const { exit, artifacts, startedAt } = await runDbt(s, outcome)
  setRunOutputs(services, exit, artifacts)
  await publishReport({ settings, services, dirs, pr, outcome, exit, artifacts, startedAt })
  await dropSchemaIfAsked(s, outcome, 'after', artifacts.manifest ? artifacts.manifestPath : undefined)
  if (exit.exitCode !== 0) throw new DbtFailedError(exit.exitCode, explainExit(exit, settings.dbt.command))
}
