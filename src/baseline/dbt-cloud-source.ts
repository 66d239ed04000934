/**
 * Source `dbt-cloud`: the manifest of the newest successful deploy run of a dbt Cloud
 * environment, as dbt Cloud itself defers: a pinned `defer-env-id` wins; otherwise the project's
 * staging environment when it has one, else its production environment. CI job runs are
 * skipped, and so are runs that saved no artifacts.
 */
import { join } from 'node:path'
import type { Logger } from '../github/octokit.js'
import type { DbtCloudSourceSettings, DeferredEnv } from '../settings.js'
import { createDbtCloudApi, type DbtCloudApi, type DbtCloudEnvironment, type DbtCloudRun } from './dbt-cloud-api.js'
import { withDeadline, type HttpOptions } from './download.js'
import { BaselineConfigError } from './errors.js'
import type { FetchedCache } from './fetched-cache.js'
import { validateUrl } from './url-source.js'
import type { Baseline, BaselineSource, SearchReport } from './types.js'

/** What the dbt Cloud source needs besides its settings. */
export interface DbtCloudSourceDeps {
  /** HTTP behaviour (fetch, timeout, retries). */
  http?: HttpOptions
  /** The fetched-baseline cache, when `cache-baseline` is on. */
  fetched?: FetchedCache
  log: Logger
}

/** How many successful runs are looked through for one with a manifest. */
export const MAX_RUNS_SEARCHED = 100
const PAGE_SIZE = 25

/** The environment to read runs from, or why there is none. */
type Target = { id: string; label: string } | SearchReport

/** Creates the `dbt-cloud` source; throws at once when the account id or token is missing. */
export function createDbtCloudSource(settings: DbtCloudSourceSettings, deps: DbtCloudSourceDeps): BaselineSource {
  const connection = checkConnection(settings)
  // The search starts here: listing environments counts against its deadline too.
  const api = createDbtCloudApi(connection, withDeadline({ ...deps.http, log: deps.http?.log ?? deps.log }))
  const environments = new EnvironmentResolver(settings, api, deps.log)
  return {
    kind: 'dbt-cloud',
    stagingConfigured: () => environments.stagingConfigured(),
    fetch: async (env, destDir) => {
      const target = await environments.target(env)
      if (!('id' in target)) return target
      const destPath = join(destDir, 'manifest.json')
      return newestManifest({ api, accountId: connection.accountId, target, env, destPath, deps, passedOver: [] })
    }
  }
}

function checkConnection(settings: DbtCloudSourceSettings): { baseUrl: string; accountId: string; token: string } {
  const accountId = settings.accountId?.trim()
  if (!accountId) {
    throw new BaselineConfigError(
      'The baseline source is `dbt-cloud` but the input `dbt-cloud-account-id` is empty. Set it to the number after /accounts/ in your dbt Cloud URLs.',
      'dbt-cloud-account-id'
    )
  }
  if (!/^\d+$/.test(accountId)) {
    throw new BaselineConfigError(
      `Invalid dbt Cloud account id '${accountId}' in the input \`dbt-cloud-account-id\`. Expected a number, e.g. 12345.`,
      'dbt-cloud-account-id'
    )
  }
  if (!settings.token) {
    throw new BaselineConfigError(
      'The baseline source is `dbt-cloud` but the input `dbt-cloud-api-token` is empty. Pass a service token from a secret, e.g. `${{ secrets.DBT_CLOUD_API_TOKEN }}`.',
      'dbt-cloud-api-token'
    )
  }
  validateUrl(settings.baseUrl, 'dbt-cloud-host')
  return { baseUrl: settings.baseUrl, accountId, token: settings.token }
}

/** Decides which environment runs are read from; asks dbt Cloud at most once per question. */
class EnvironmentResolver {
  private projectEnvs?: Promise<DbtCloudEnvironment[]>
  private pinnedEnv?: Promise<string | null | undefined>

  constructor(
    private readonly settings: DbtCloudSourceSettings,
    private readonly api: DbtCloudApi,
    private readonly log: Logger
  ) {}

  /** Pinned: whether the pinned environment is a staging one. Else: whether the project has one. */
  async stagingConfigured(): Promise<boolean> {
    if (this.settings.deferEnvId) return (await this.pinnedType()) === 'staging'
    return (await this.environments()).some((e) => e.deployment_type === 'staging')
  }

  async target(env: DeferredEnv): Promise<Target> {
    const pinned = this.settings.deferEnvId
    if (pinned) {
      const type = await this.pinnedType()
      if ((type === 'staging' || type === 'production') && type !== env) throw this.disagreement(pinned, type, env)
      return { id: pinned, label: `${pinned} (defer-env-id from ${this.settings.deferEnvIdOrigin ?? 'input'})` }
    }
    const match = (await this.environments()).find((e) => e.deployment_type === env)
    if (!match)
      return {
        searched: [`dbt Cloud project ${this.settings.projectId}: no ${env} environment (no deployment environment of type '${env}')`]
      }
    return { id: String(match.id), label: `${match.id}${match.name ? ` '${match.name}'` : ''}` }
  }

  private environments(): Promise<DbtCloudEnvironment[]> {
    const projectId = this.settings.projectId?.trim()
    if (!projectId) {
      throw new BaselineConfigError(
        'The baseline source is `dbt-cloud` without a pinned environment, so the action looks up the staging and production environments of the project, ' +
          'but the input `dbt-cloud-project-id` is empty. Set it (the number after /projects/ in dbt Cloud URLs), or pin an environment with `defer-env-id`.',
        'dbt-cloud-project-id'
      )
    }
    this.projectEnvs ??= this.api.listEnvironments(projectId).then((all) => all.filter((e) => e.state !== 2 && e.type !== 'development'))
    return this.projectEnvs
  }

  /** The pinned environment's deployment type; undefined when it cannot be asked (no project id). */
  private pinnedType(): Promise<string | null | undefined> {
    this.pinnedEnv ??= this.lookUpPinned()
    return this.pinnedEnv
  }

  private async lookUpPinned(): Promise<string | null | undefined> {
    const projectId = this.settings.projectId?.trim()
    const id = this.settings.deferEnvId as string
    if (!projectId) {
      this.log.info(
        `dbt Cloud environment ${id} is pinned; without \`dbt-cloud-project-id\` its deployment type cannot be looked up, so \`defer-env: auto\` treats it as production.`
      )
      return undefined
    }
    const env = await this.api.getEnvironment(projectId, id)
    if (!env) {
      const origin = this.settings.deferEnvIdOrigin ?? 'input'
      throw new BaselineConfigError(
        `dbt Cloud project ${projectId} has no environment ${id} (pinned by ${origin}). Correct the id, or remove it to let the action pick staging or production.`,
        origin === 'input' ? 'defer-env-id' : origin
      )
    }
    return env.deployment_type ?? null
  }

  private disagreement(id: string, type: string, env: DeferredEnv): BaselineConfigError {
    return new BaselineConfigError(
      `\`defer-env\` asks for ${env}, but the pinned dbt Cloud environment ${id} (from ${this.settings.deferEnvIdOrigin ?? 'input'}) is a ${type} environment. ` +
        `Set \`defer-env: auto\` (or ${type}) to defer to it, or pin a ${env} environment.`,
      'defer-env'
    )
  }
}

/** Everything one search through an environment's runs needs. */
interface RunSearch {
  api: DbtCloudApi
  accountId: string
  target: { id: string; label: string }
  env: DeferredEnv
  destPath: string
  deps: DbtCloudSourceDeps
  /** One line per run passed over, for the "nothing found" message. */
  passedOver: string[]
}

/** Walks successful runs newest first and takes the first usable manifest. */
async function newestManifest(search: RunSearch): Promise<Baseline | SearchReport> {
  let looked = 0
  for (let offset = 0; looked < MAX_RUNS_SEARCHED; offset += PAGE_SIZE) {
    const page = await search.api.listSuccessfulRuns(search.target.id, offset, PAGE_SIZE)
    for (const run of page.runs.slice(0, MAX_RUNS_SEARCHED - looked)) {
      looked++
      const found = await tryRun(search, run)
      if (found) return found
    }
    if (page.runs.length < PAGE_SIZE || (page.totalCount !== undefined && offset + page.runs.length >= page.totalCount)) break
  }
  const summary = looked === 0 ? 'no successful run' : `${looked} successful run(s) looked at, none usable`
  return { searched: [`dbt Cloud environment ${search.target.label} (${search.env}): ${summary}`, ...search.passedOver.slice(0, 10)] }
}

/** The run's baseline, or undefined (with the reason noted) when it has none. */
async function tryRun(search: RunSearch, run: DbtCloudRun): Promise<Baseline | undefined> {
  const skip = skipReason(run, search.target.id)
  if (skip) {
    search.passedOver.push(`run ${run.id}: ${skip}`)
    return undefined
  }
  const identity = `dbt-cloud:${search.accountId}:${run.id}`
  const fetched = search.deps.fetched
  if (!(await fetched?.restore(identity, search.destPath))) {
    if (!(await search.api.downloadManifest(run.id, search.destPath))) {
      search.passedOver.push(`run ${run.id}: no manifest.json artifact (HTTP 404)`)
      return undefined
    }
    await fetched?.save(identity, search.destPath)
  }
  return {
    env: search.env,
    source: 'dbt-cloud',
    runId: String(run.id),
    runUrl: run.href ?? undefined,
    sha: run.git_sha ?? undefined,
    identity,
    location: `dbt Cloud run ${run.id} of environment ${search.target.label}`,
    manifestPath: search.destPath
  }
}

/** Why a listed run cannot be the baseline, or undefined when it can. */
export function skipReason(run: DbtCloudRun, envId: string): string | undefined {
  if (run.status !== undefined && run.status !== 10) return `not successful (status ${run.status})`
  if (run.environment_id !== undefined && String(run.environment_id) !== envId) return `belongs to environment ${run.environment_id}`
  if (isCiRun(run)) return 'a CI job run (CI runs are never deferred to)'
  if (run.artifacts_saved === false) return 'saved no artifacts'
  return undefined
}

/** CI runs: `job_type: ci`, or (older job shapes) a webhook-triggered job or a pull request trigger. */
export function isCiRun(run: DbtCloudRun): boolean {
  const job = run.job ?? undefined
  if (job?.job_type === 'ci') return true
  if (job?.triggers?.github_webhook === true || job?.triggers?.git_provider_webhook === true) return true
  const trigger = run.trigger ?? {}
  const prKeys = [
    'github_pull_request_id',
    'gitlab_merge_request_id',
    'azure_pull_request_id',
    'azure_devops_pull_request_id',
    'git_provider_pull_request_id'
  ]
  return prKeys.some((key) => trigger[key] !== undefined && trigger[key] !== null && trigger[key] !== '')
}
