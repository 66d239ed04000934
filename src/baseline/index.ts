/**
 * Where the deferred environment's manifest comes from: one factory that builds the configured
 * source, and the orchestration (obtain.ts) that chooses the environment and applies the
 * policies. main.ts needs only this module.
 */
import type { GitHubClient, Logger } from '../github/octokit.js'
import type { BaselineSettings } from '../settings.js'
import { join } from 'node:path'
import { createCacheSource, projectKeyFor } from './cache-source.js'
import type { CacheStore } from './cache-store.js'
import { createDbtCloudSource } from './dbt-cloud-source.js'
import { httpOptionsOf, type HttpOptions } from './download.js'
import { BaselineConfigError } from './errors.js'
import { createFetchedCache, type FetchedCache } from './fetched-cache.js'
import { createGitHubArtifactSource } from './github-artifact.js'
import { createPathSource } from './path-source.js'
import type { BaselineSource } from './types.js'
import { createUrlSource } from './url-source.js'

export { obtainBaseline, obtainEvidence, type BaselineOutcome, type EnvEvidence, type ObtainArgs, type PlacedBaseline } from './obtain.js'
export { publishBaseline, projectKeyFor, type PublishArgs } from './cache-source.js'
export { actionsCacheStore, type CacheStore } from './cache-store.js'
export { projectNameFromDbtProject, checkManifestFile, type ManifestCheck } from './manifest-check.js'
export { resolveDeferEnvId } from './dbt-cloud-env-id.js'
export * from './errors.js'

/** What the sources need from the outside world. */
export interface BaselineDeps {
  /** Creates the GitHub client (only the `github-artifact` source calls it). */
  github?: () => GitHubClient
  /** owner/repo of this run. */
  repository: string
  /** Web base URL (GITHUB_SERVER_URL). */
  serverUrl: string
  /** The actions cache (source `actions-cache`, and the fetched-baseline cache). */
  cache: CacheStore
  /** fetch for the HTTP sources; default the global fetch. */
  fetch?: typeof fetch
  /** Timeouts and retries of the HTTP sources (tests shorten the pauses). */
  http?: Omit<HttpOptions, 'fetch' | 'log'>
  log: Logger
  /** The runner's temp directory (RUNNER_TEMP); the action's scratch files live under it. */
  tempDir: string
  /** Absolute path of the dbt project directory. */
  projectDir: string
  /** The workspace (GITHUB_WORKSPACE); relative `state-path`s are resolved against it. Default: the working directory. */
  workspace?: string
  /** The project's key (ActionDirs.projectKey): cache keys and paths of this project carry it. Default: from dbt_project.yml. */
  projectKey?: string
  /** Where artifact zips are downloaded (ActionDirs.downloadDir). Default: under tempDir. */
  downloadDir?: string
}

/** Builds the source `settings.source` names. Throws {@link BaselineConfigError} for missing inputs. */
export function createBaselineSource(settings: BaselineSettings, deps: BaselineDeps): BaselineSource {
  const workspace = deps.workspace ?? process.cwd()
  const http: HttpOptions = { ...httpOptionsOf(settings.network), ...deps.http, fetch: deps.fetch, log: deps.log }
  const fetched = settings.cacheFetched ? createFetchedCache(deps.cache, deps.tempDir, deps.log) : undefined
  switch (settings.source) {
    case 'path':
      return createPathSource(settings.path, { baseDir: workspace })
    case 'url':
      return createUrlSource(settings.url, { http })
    case 'dbt-cloud':
      return createDbtCloudSource(settings.dbtCloud, { http, fetched, log: deps.log })
    case 'actions-cache':
      return createCacheSource(settings.cache, {
        store: deps.cache,
        tempDir: deps.tempDir,
        projectKey: async () => deps.projectKey ?? projectKeyFor(deps.projectDir, workspace),
        log: deps.log
      })
    case 'github-artifact':
      return gitHubArtifactSource(settings, deps, fetched, http)
  }
}

function gitHubArtifactSource(
  settings: BaselineSettings,
  deps: BaselineDeps,
  fetched: FetchedCache | undefined,
  http: HttpOptions
): BaselineSource {
  if (!deps.github) {
    throw new BaselineConfigError(
      'The baseline source `github-artifact` needs a GitHub token (input `github-token`, default `${{ github.token }}`) with `actions: read`.',
      'github-token'
    )
  }
  return createGitHubArtifactSource({
    client: deps.github(),
    repository: deps.repository,
    serverUrl: deps.serverUrl,
    settings: settings.artifact,
    log: deps.log,
    downloadDir: deps.downloadDir ?? join(deps.tempDir, 'dbt-defer-action', 'artifact'),
    http,
    fetched
  })
}
