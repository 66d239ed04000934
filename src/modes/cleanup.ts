import { obtainBaseline } from './baseline/index.js'
import { baselineSource } from './build.js'
import { guardedDrop, prepareCiSchema } from './ci-schema-step.js'
import type { Manifest } from './dbt/artifact-types.js'
import { readManifestFile } from './dbt/artifacts.js'
import { readDbtProject } from './dbt/project.js'
import { ActionError } from './errors.js'
import { actionDirs, type ActionDirs } from './paths.js'
import { locatePullRequest } from './pr-step.js'
import type { Services } from './services.js'
import type { Settings } from './settings.js'

/**
 * The baseline manifest, for the guard: the schemas it lists are never dropped. A missing
 * baseline does not stop the cleanup (the guard still checks targets, sources and system
 * schemas), but it is said.
 */
async function baselineForGuard(settings: Settings, services: Services, dirs: ActionDirs, projectName: string): Promise<Manifest | null> {
  try {
    const source = baselineSource(settings, services)
    const outcome = await obtainBaseline({ ...settings.baseline, ifNoBaseline: 'build-all' }, source, {
      stateDir: dirs.stateDir,
      project: { name: projectName },
      log: services.log
    })
    return outcome.kind === 'found' ? readManifestFile(outcome.baseline.manifestPath) : null
  } catch (error) {
    services.log.warning(`No baseline manifest for the drop guard (${(error as Error).message}); it still checks targets, sources and system schemas.`)
    return null
  }
}

/** The cleanup mode (`pull_request: closed`): drop the PR's CI schema, guarded. */
export async function cleanup(settings: Settings, services: Services): Promise<void> {
  const project = readDbtProject(settings.dbt.projectDir, settings.dbt.targetPath)
  const dirs = actionDirs(settings.context.tempDir, settings.context.workspace, settings.dbt.projectDir)
  const pr = await locatePullRequest(settings, services)
  const schema = prepareCiSchema(settings, services, pr)
  if (!schema.name) throw new ActionError("mode: cleanup needs a CI schema to drop, but the input 'ci-schema' is empty. Set it to the template the builds use.")
  const env = { ...services.env, ...schema.env }
  const baseline = await baselineForGuard(settings, services, dirs, project.name)
  // Without a manifest of this run, the drop parses the project itself (sources' schemas).
  await guardedDrop({ settings, services, dirs, schema, env }, baseline, null)
  services.outputs.set('success', true)
}
