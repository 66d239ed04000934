/**
 * The run seam: the facts of this run, gathered once, that every mode works from. Each step
 * then takes the narrow part it needs and returns what it learned.
 */
import { homedir } from 'node:os'
import { createBaselineSource } from '../baseline/index.js'
import { obtainEvidence, type BaselineOutcome, type EnvEvidence } from '../baseline/obtain.js'
import type { BaselineSource } from '../baseline/types.js'
import { Output } from '../constants.js'
import { readDbtProject, type DbtProject } from '../dbt/project.js'
import { dbtRunner, type DbtRunner } from '../dbt/runner.js'
import { locatePullRequest, type PullRequestTarget } from '../pr-step.js'
import { ciSchemaName } from '../safety/ci-schema.js'
import type { OwnerIdentity } from '../safety/marker.js'
import { loadProfileTargets } from '../safety/profiles.js'
import type { SafetyDeps } from '../safety/step.js'
import type { Services } from '../services.js'
import type { Settings } from '../settings.js'
import { actionDirs, type ActionDirs } from './dirs.js'

/** The facts of one run of the action. */
export interface RunFacts {
  /** The dbt project's own configuration. */
  project: DbtProject
  /** The action's directories for it. */
  dirs: ActionDirs
  /** The pull request the report goes to, or why there is none. */
  pr: PullRequestTarget
  /** The CI schema handed to dbt, when `ci-schema` is set. */
  ciSchema?: { name: string; envVar: string }
  /** Who the run is, for the ownership marker of the schemas it creates. */
  owner: OwnerIdentity
  /** dbt, step by step, with the run's environment. */
  runner: DbtRunner
  /** The environment dbt runs with (the CI schema's variable included). */
  env: Record<string, string>
  /** The configured baseline source. */
  source: BaselineSource
}

/** The CI schema of the run, published as an output. */
function ciSchemaOf(settings: Settings, services: Services, pr: PullRequestTarget): RunFacts['ciSchema'] {
  const { template, envVar } = settings.ciSchema
  const name = ciSchemaName(template, { pr: pr.number, runId: settings.context.runId, branch: settings.context.branch }, (m) =>
    services.log.info(m)
  )
  services.outputs.set(Output.CiSchema, name ?? '')
  if (!name) return undefined
  services.log.info(`CI schema: ${name} (handed to dbt as ${envVar}).`)
  return { name, envVar }
}

/** Gathers the facts every mode starts from. */
export async function prepareRun(settings: Settings, services: Services): Promise<RunFacts> {
  const project = readDbtProject(settings.dbt.projectDir, settings.dbt.targetPath)
  const dirs = actionDirs(settings.context.tempDir, settings.context.workspace, settings.dbt.projectDir, project.name)
  const pr = await locatePullRequest(settings, services)
  const ciSchema = ciSchemaOf(settings, services, pr)
  const env = { ...settings.dbt.env, ...(ciSchema ? { [ciSchema.envVar]: ciSchema.name } : {}) }
  const runner = dbtRunner({ process: services.dbt, dbt: settings.dbt, env, dirs, log: services.log })
  const owner = { repository: settings.context.repository, project: project.name, pr: pr.number, runId: settings.context.runId }
  const source = createBaselineSource(settings.baseline, {
    github: services.github,
    repository: settings.context.repository,
    serverUrl: settings.context.serverUrl,
    cache: services.cache,
    log: services.log,
    tempDir: settings.context.tempDir,
    projectDir: settings.dbt.projectDir,
    workspace: settings.context.workspace,
    projectKey: dirs.projectKey,
    downloadDir: dirs.downloadDir
  })
  return { project, dirs, pr, ciSchema, owner, runner, env, source }
}

/** The baselines of every environment the inputs point to (reusing the deferred one, when known). */
export function gatherBaselineEvidence(
  settings: Settings,
  services: Services,
  facts: RunFacts,
  known?: BaselineOutcome
): Promise<EnvEvidence[]> {
  return obtainEvidence(settings.baseline, facts.source, {
    project: { name: facts.project.name },
    log: services.log,
    readJson: services.files.readJson,
    evidenceDir: facts.dirs.evidenceDir,
    known
  })
}

/** What the safety steps need, from the run's facts. */
export async function safetyDeps(settings: Settings, services: Services, facts: RunFacts, baselines: EnvEvidence[]): Promise<SafetyDeps> {
  const profile = await loadProfileTargets({
    profile: facts.project.profile,
    projectDir: settings.dbt.projectDir,
    profilesDir: settings.dbt.profilesDir,
    homeDir: settings.dbt.env.HOME || homedir()
  })
  return {
    runner: facts.runner,
    profile,
    ciSchema: facts.ciSchema,
    baselines,
    owner: facts.owner,
    readJson: services.files.readJson,
    wholeManifest: settings.selection.excludeLagging,
    log: services.log,
    now: services.now
  }
}
