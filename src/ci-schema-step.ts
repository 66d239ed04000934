import { homedir } from 'node:os'
import { join } from 'node:path'
import type { BaselineOutcome } from './baseline/index.js'
import type { Manifest } from './dbt/artifact-types.js'
import { readManifestFile } from './dbt/artifacts.js'
import type { PullRequestTarget } from './pr-step.js'
import { ciSchemaName } from './schema/ci-schema.js'
import { dropCiSchema } from './schema/drop-schema.js'
import { loadProfileTargets } from './schema/profiles.js'
import type { Services } from './services.js'
import type { Settings } from './settings.js'
import type { ActionDirs } from './paths.js'

/** The per-PR CI schema of this run, and the environment that hands it to dbt. */
export interface CiSchema {
  /** The schema name, when a template is configured. */
  name?: string
  /** `{ <ci-schema-env-var>: name }`, or nothing. */
  env: Record<string, string>
}

/** Step: derive the CI schema name from the template and publish it as an output. */
export function prepareCiSchema(settings: Settings, services: Services, pr: PullRequestTarget): CiSchema {
  const { template, envVar } = settings.ciSchema
  const vars = { pr: pr.number, runId: settings.context.runId, branch: settings.context.branch }
  const name = ciSchemaName(template, vars, (m) => services.log.info(m))
  services.outputs.set('ci-schema', name ?? '')
  if (!name) return { env: {} }
  services.log.info(`CI schema: ${name} (handed to dbt as ${envVar}).`)
  return { name, env: { [envVar]: name } }
}

/** What a guarded drop needs to know of the run. */
export interface DropContext {
  settings: Settings
  services: Services
  dirs: ActionDirs
  schema: CiSchema
  env: Record<string, string>
}

/** Drops the CI schema after the guard has cleared it; the guard's refusal fails the step. */
export async function guardedDrop(c: DropContext, baseline: Manifest | null, manifest: Manifest | null): Promise<void> {
  if (!c.schema.name) return
  const { settings, services } = c
  const profilesDir = settings.dbt.profilesDir ?? (c.env.DBT_PROFILES_DIR || undefined)
  await dropCiSchema({
    schema: c.schema.name,
    baseline,
    manifest,
    profiles: await loadProfileTargets({
      projectDir: settings.dbt.projectDir,
      profilesDir,
      homeDir: c.env.HOME || homedir(),
      debug: (m) => services.log.debug(m)
    }),
    dbt: services.dbt,
    projectDir: settings.dbt.projectDir,
    profilesDir: settings.dbt.profilesDir,
    target: settings.dbt.target,
    env: c.env,
    scratchDir: join(c.dirs.reportDir, '..', 'drop'),
    log: services.log
  })
}

/** Step: with `clean-slate`, drop the CI schema before the build and again after it. */
export async function dropSchemaIfAsked(c: DropContext, outcome: BaselineOutcome, when: 'before' | 'after', manifestPath?: string): Promise<void> {
  if (!c.settings.ciSchema.cleanSlate) return
  if (!c.schema.name) {
    if (when === 'before') c.services.log.warning("clean-slate is on but 'ci-schema' is empty, so there is no CI schema to drop.")
    return
  }
  const baseline = outcome.kind === 'found' ? readManifestFile(outcome.baseline.manifestPath) : null
  c.services.log.info(`clean-slate: dropping the CI schema ${when} the build.`)
  await guardedDrop(c, baseline, manifestPath ? readManifestFile(manifestPath) : null)
}
