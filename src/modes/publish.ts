/**
 * The publish mode, a step of the deploy job after its dbt build: saves that build's
 * manifest.json to the actions cache as the newest baseline of its environment. The
 * environment is `defer-env` (auto means production: a deploy publishes what it deployed).
 * It reads what the user's own dbt wrote and touches no warehouse.
 */
import { join } from 'node:path'
import { publishBaseline } from '../baseline/index.js'
import { Output } from '../constants.js'
import { readDbtProject } from '../dbt/project.js'
import { actionDirs } from '../run/dirs.js'
import type { Services } from '../services.js'
import type { DeferredEnv, Settings } from '../settings.js'

/** The publish mode. */
export async function publish(settings: Settings, services: Services): Promise<void> {
  const project = readDbtProject(settings.dbt.projectDir, settings.dbt.targetPath)
  const dirs = actionDirs(settings.context.tempDir, settings.context.workspace, settings.dbt.projectDir, project.name)
  const env: DeferredEnv = settings.baseline.deferEnv === 'staging' ? 'staging' : 'production'
  const { key, saved } = await publishBaseline({
    cache: services.cache,
    settings: settings.baseline.cache,
    env,
    projectKey: dirs.projectKey,
    projectName: project.name,
    manifestPath: join(project.targetDir, 'manifest.json'),
    sha: settings.context.sha ?? '',
    tempDir: settings.context.tempDir,
    log: services.log
  })
  services.outputs.set(Output.DeferredEnv, env)
  services.outputs.set(Output.BaselineSource, 'actions-cache')
  services.outputs.set(Output.CacheKey, saved ? key : '')
}
