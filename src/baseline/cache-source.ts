/**
 * Source `actions-cache` and the publish mode that feeds it. The deploy job runs the action with
 * `mode: publish`, which saves target/manifest.json under `<prefix>-<projectKey>-<env>-<sha>`;
 * pull requests restore the newest entry of the prefix `<prefix>-<projectKey>-<env>-`.
 * The project key keeps several dbt projects of one repository apart, the env part keeps
 * staging and production apart. Save and restore use the same fixed path under the runner's
 * temp directory, since the cache service only matches entries saved with identical paths.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'
import type { Logger } from '../github/octokit.js'
import type { CacheSourceSettings, DeferredEnv } from '../settings.js'
import type { CacheStore } from './cache-store.js'
import { BaselineConfigError, BaselineError, BaselineServiceError, CacheServiceError } from './errors.js'
import { checkManifestFile, projectNameFromDbtProject } from './manifest-check.js'
import type { Baseline, BaselineSource, SearchReport } from './types.js'

/** What the cache source needs besides its settings. */
export interface CacheSourceDeps {
  /** The actions cache. */
  store: CacheStore
  /** The runner's temp directory (RUNNER_TEMP). */
  tempDir: string
  /** The project key (see {@link cacheProjectKey}); asked once, when first needed. */
  projectKey: () => Promise<string>
  log: Logger
}

/**
 * The key part that identifies a dbt project: its name plus a short hash of its directory
 * relative to the workspace, so two projects of one name in one repository never mix.
 */
export function cacheProjectKey(projectName: string, projectDirInWorkspace: string): string {
  const dir =
    projectDirInWorkspace
      .split(sep)
      .join('/')
      .replace(/^\.\/+/, '')
      .replace(/\/+$/, '') || '.'
  const name = projectName.replace(/[^A-Za-z0-9_.]+/g, '_')
  return `${name}-${createHash('sha256').update(dir).digest('hex').slice(0, 8)}`
}

/** The project key of the project at `projectDir`, reading its name from dbt_project.yml. */
export async function projectKeyFor(projectDir: string, workspace: string): Promise<string> {
  const name = await projectNameFromDbtProject(projectDir)
  return cacheProjectKey(name, relative(resolve(workspace), resolve(projectDir)))
}

/** The prefix every entry of one project and environment starts with. */
export function cacheKeyPrefix(keyPrefix: string, projectKey: string, env: DeferredEnv): string {
  return `${keyPrefix}-${projectKey}-${env}-`
}

/** The fixed path save and restore both pass to the cache. */
export function cacheFixedPath(tempDir: string, projectKey: string, env: DeferredEnv): string {
  return join(tempDir, 'dbt-defer-action', 'cache', projectKey, env, 'manifest.json')
}

/** Creates the `actions-cache` source. Staging is configured exactly when `staging-cache` is true. */
export function createCacheSource(settings: CacheSourceSettings, deps: CacheSourceDeps): BaselineSource {
  return {
    kind: 'actions-cache',
    stagingConfigured: async () => settings.stagingConfigured,
    fetch: async (env, destDir) => restoreNewest(settings, deps, env, destDir)
  }
}

async function restoreNewest(
  settings: CacheSourceSettings,
  deps: CacheSourceDeps,
  env: DeferredEnv,
  destDir: string
): Promise<Baseline | SearchReport> {
  const projectKey = await deps.projectKey()
  const prefix = cacheKeyPrefix(settings.keyPrefix, projectKey, env)
  const fixed = cacheFixedPath(deps.tempDir, projectKey, env)
  await rm(fixed, { force: true })
  await mkdir(dirname(fixed), { recursive: true })
  const matched = await lookUp(deps.store, fixed, prefix, env)
  if (!matched)
    return {
      searched: [
        `actions cache: no entry with a key starting with '${prefix}' is visible to this branch (the cache service answered: nothing was published under this prefix that this branch may read)`
      ]
    }
  if (!existsSync(fixed)) return { searched: [`actions cache: entry '${matched}' holds no manifest.json`] }
  const manifestPath = join(destDir, 'manifest.json')
  await mkdir(destDir, { recursive: true })
  await copyFile(fixed, manifestPath)
  const sha = matched.slice(prefix.length) || undefined
  deps.log.info(`Restored the ${env} baseline from the actions cache entry ${matched}.`)
  return { env, source: 'actions-cache', sha, identity: matched, location: `actions cache key ${matched}`, manifestPath }
}

/** The newest entry of the prefix; a failing cache service is said to be one, not taken for a miss. */
async function lookUp(store: CacheStore, fixed: string, prefix: string, env: DeferredEnv): Promise<string | undefined> {
  try {
    return await store.restore([fixed], prefix, [prefix], { failures: 'throw' })
  } catch (error) {
    if (!(error instanceof CacheServiceError)) throw error
    throw new CacheServiceError(
      `The actions cache service failed while looking for the ${env} baseline (keys starting with '${prefix}'): ${error.message} ` +
        'This is a failure of the cache service, not a sign that nothing was published. Re-run the job once the service answers (https://www.githubstatus.com reports outages).'
    )
  }
}

/** What publishing needs. */
export interface PublishArgs {
  cache: CacheStore
  settings: CacheSourceSettings
  /** The environment this deploy job deploys. */
  env: DeferredEnv
  /** See {@link cacheProjectKey} / {@link projectKeyFor}. */
  projectKey: string
  /** This project's name, which the manifest must carry. */
  projectName: string
  /** The deploy's target/manifest.json. */
  manifestPath: string
  /** The commit the deploy built (GITHUB_SHA). */
  sha: string
  /** The runner's temp directory. */
  tempDir: string
  log: Logger
}

/** Publish mode: checks the deploy's manifest and saves it as the newest baseline of `env`. */
export async function publishBaseline(args: PublishArgs): Promise<{ key: string; saved: boolean }> {
  if (!existsSync(args.manifestPath)) {
    throw new BaselineError(
      `There is no manifest to publish at ${args.manifestPath}. Run dbt build (or dbt compile) in this job before the action's \`mode: publish\` step, with the same \`project-dir\`.`
    )
  }
  if (!args.sha) throw new BaselineConfigError('Publishing needs the commit of the deploy (GITHUB_SHA), which is empty.', 'mode')
  const check = await checkManifestFile(args.manifestPath, { projectName: args.projectName })
  check.notes.forEach((note) => args.log.info(note))
  const key = `${cacheKeyPrefix(args.settings.keyPrefix, args.projectKey, args.env)}${args.sha}`
  const fixed = cacheFixedPath(args.tempDir, args.projectKey, args.env)
  await mkdir(dirname(fixed), { recursive: true })
  await copyFile(args.manifestPath, fixed)
  await args.cache.save([fixed], key)
  const unsaved = await confirmSaved(args.cache, fixed, key)
  if (unsaved) return notSaved(args, key, unsaved)
  args.log.info(`Published the ${args.env} baseline (${args.manifestPath}) to the actions cache as ${key}.`)
  return { key, saved: true }
}

/**
 * Looks the key up right after saving: the cache library logs a failed save and carries on, so
 * only a lookup tells a saved entry (or one saved earlier under the same key) from none.
 * Returns why the entry is not there, or undefined when it is.
 */
async function confirmSaved(cache: CacheStore, fixed: string, key: string): Promise<string | undefined> {
  try {
    const found = await cache.restore([fixed], key, [], { lookupOnly: true, failures: 'throw' })
    return found === key ? undefined : 'looking the key up right after saving found no such entry'
  } catch (error) {
    if (error instanceof CacheServiceError) return `looking the key up right after saving failed: ${error.message}`
    throw error
  }
}

/** `publish-failure: fail` (default) throws; `warn` warns loudly and reports the key as not saved. */
function notSaved(args: PublishArgs, key: string, why: string): { key: string; saved: false } {
  const message =
    `Publishing the ${args.env} baseline failed: the actions cache did not keep the entry ${key} (${why}). ` +
    "The cache library's lines above say why the save failed. Pull requests cannot defer to this deploy until an entry is saved: re-run this job once the cache service answers."
  if ((args.settings.publishFailure ?? 'fail') === 'fail') {
    throw new BaselineServiceError(`${message} Set \`publish-failure: warn\` to let the deploy job pass anyway.`)
  }
  args.log.warning(`${message} The step passes because \`publish-failure\` is \`warn\`.`)
  return { key, saved: false }
}
