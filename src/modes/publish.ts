import { join } from 'node:path'
import { projectKeyFor, publishBaseline } from './baseline/index.js'
import { readDbtProject } from './dbt/project.js'
import type { Services } from './services.js'
import type { DeferredEnv, Settings } from './settings.js'

/**
 * The publish mode, a step of the deploy job after its dbt build: saves that build's
 * manifest.json to the actions cache as the newest baseline of its environment.
 * The environment is `defer-env` (auto means production: a deploy publishes what it deployed).
 */
export async function publish(settings: Settings, services: Services): Promise<void> {
  const project = readDbtProject(settings.dbt.projectDir, settings.dbt.targetPath)
  const env: DeferredEnv = settings.baseline.deferEnv === 'staging' ? 'staging' : 'production'
  const { key } = await publishBaseline({
    cache: services.cache,
    settings: settings.baseline.cache,
    env,
    projectKey: await projectKeyFor(settings.dbt.projectDir, settings.context.workspace),
    projectName: project.name,
    manifestPath: join(project.targetDir, 'manifest.json'),
    sha: settings.context.sha ?? '',
    tempDir: settings.context.tempDir,
    log: services.log
  })
  services.outputs.set('deferred-env', env)
  services.outputs.set('baseline-source', 'actions-cache')
  services.outputs.set('cache-key', key)
}
