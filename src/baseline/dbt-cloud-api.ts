/**
 * The few dbt Cloud API calls the `dbt-cloud` source makes: the Administrative API v2 for runs
 * and their artifacts, v3 for a project's environments. Responses come in an envelope
 * `{ status, data, extra: { pagination: { count, total_count } } }`.
 */
import type { HttpOptions } from './download.js'
import { displayUrl, downloadToFile, getWithRetry, readJson, shortBody } from './download.js'
import { BaselineAuthError, BaselineConfigError, BaselineServiceError } from './errors.js'

/** A run as listed with `include_related=["job","trigger"]` (only the fields used). */
export interface DbtCloudRun {
  id: number
  environment_id?: number
  status?: number
  git_sha?: string | null
  href?: string | null
  finished_at?: string | null
  artifacts_saved?: boolean
  job?: {
    job_type?: string | null
    triggers?: { github_webhook?: boolean; git_provider_webhook?: boolean; [key: string]: unknown } | null
    [key: string]: unknown
  } | null
  trigger?: Record<string, unknown> | null
  [key: string]: unknown
}

/** An environment of a project (only the fields used). */
export interface DbtCloudEnvironment {
  id: number
  name?: string
  type?: string
  /** `production`, `staging` or null (a general deployment environment). */
  deployment_type?: string | null
  /** 1 active, 2 deleted. */
  state?: number
  [key: string]: unknown
}

/** One page of runs. */
export interface RunsPage {
  runs: DbtCloudRun[]
  totalCount?: number
}

/** The calls the source makes. */
export interface DbtCloudApi {
  /** A project's deployment environments (all pages). */
  listEnvironments(projectId: string): Promise<DbtCloudEnvironment[]>
  /** One environment of a project, or undefined when it does not exist. */
  getEnvironment(projectId: string, environmentId: string): Promise<DbtCloudEnvironment | undefined>
  /** Successful runs of an environment, newest finished first. */
  listSuccessfulRuns(environmentId: string, offset: number, limit: number): Promise<RunsPage>
  /** Downloads a run's manifest.json to `destPath`; false when the run has none (404). */
  downloadManifest(runId: number, destPath: string): Promise<boolean>
}

/** Connection settings, already checked for presence. */
export interface DbtCloudConnection {
  baseUrl: string
  accountId: string
  token: string
}

/** Creates the API over plain fetch with retries. */
export function createDbtCloudApi(connection: DbtCloudConnection, http: HttpOptions): DbtCloudApi {
  const base = connection.baseUrl.replace(/\/+$/, '')
  const account = encodeURIComponent(connection.accountId)
  const headers = { Authorization: `Token ${connection.token}`, Accept: 'application/json' }
  const get = (path: string, query: Record<string, string>, notFound: string) =>
    getJson(`${base}${path}?${new URLSearchParams(query)}`, headers, connection, notFound, http)
  return {
    async listEnvironments(projectId) {
      const path = `/api/v3/accounts/${account}/projects/${encodeURIComponent(projectId)}/environments/`
      const notFound = `the project ${projectId} (input \`dbt-cloud-project-id\`)`
      return collectPages((offset) => get(path, { offset: String(offset), limit: '100' }, notFound)) as Promise<DbtCloudEnvironment[]>
    },
    async getEnvironment(projectId, environmentId) {
      const path = `/api/v3/accounts/${account}/projects/${encodeURIComponent(projectId)}/environments/${encodeURIComponent(environmentId)}/`
      const body = await get(path, {}, '').catch((error: unknown) => {
        if (error instanceof BaselineServiceError && error.status === 404) return undefined
        throw error
      })
      return body?.data as DbtCloudEnvironment | undefined
    },
    async listSuccessfulRuns(environmentId, offset, limit) {
      const query = {
        environment_id: environmentId,
        status: '10',
        order_by: '-finished_at',
        include_related: '["job","trigger"]',
        limit: String(limit),
        offset: String(offset)
      }
      const body = await get(
        `/api/v2/accounts/${account}/runs/`,
        query,
        `the account ${connection.accountId} (input \`dbt-cloud-account-id\`)`
      )
      return { runs: (Array.isArray(body.data) ? body.data : []) as DbtCloudRun[], totalCount: body.extra?.pagination?.total_count }
    },
    async downloadManifest(runId, destPath) {
      const url = `${base}/api/v2/accounts/${account}/runs/${runId}/artifacts/manifest.json`
      const result = await downloadToFile(
        url,
        destPath,
        headers,
        `Downloading manifest.json of dbt Cloud run ${runId} (GET ${displayUrl(url)})`,
        http
      )
      if (result.ok) return true
      if (result.status === 404) return false
      throw failure(result.status, result.body, `manifest.json of run ${runId}`, connection)
    }
  }
}

interface Envelope {
  data?: unknown
  extra?: { pagination?: { count?: number; total_count?: number } }
}

async function getJson(
  url: string,
  headers: Record<string, string>,
  connection: DbtCloudConnection,
  notFound: string,
  http: HttpOptions
): Promise<Envelope> {
  const what = `The dbt Cloud request GET ${displayUrl(url)}`
  return getWithRetry(
    url,
    headers,
    what,
    async (response) => {
      if (!response.ok) {
        const body = await shortBody(response)
        if (response.status === 404 && notFound) {
          throw new BaselineConfigError(
            `dbt Cloud at ${connection.baseUrl} does not know ${notFound} (HTTP 404). Check the id and the input \`dbt-cloud-host\` (your account's access URL).`,
            notFound.includes('project') ? 'dbt-cloud-project-id' : 'dbt-cloud-account-id'
          )
        }
        throw failure(response.status, body, new URL(url).pathname, connection)
      }
      return (await readJson(response, what)) as Envelope
    },
    http
  )
}

/** Reads every page of a v3 list. Stops on an empty page, so a shrinking list cannot loop. */
async function collectPages(page: (offset: number) => Promise<Envelope>): Promise<unknown[]> {
  const all: unknown[] = []
  for (;;) {
    const body = await page(all.length)
    const data = Array.isArray(body.data) ? body.data : []
    all.push(...data)
    const total = body.extra?.pagination?.total_count
    if (data.length === 0 || total === undefined || all.length >= total) return all
  }
}

function failure(status: number, body: string, what: string, connection: DbtCloudConnection): Error {
  if (status === 401 || status === 403) {
    return new BaselineAuthError(
      `dbt Cloud refused the token for ${what} (HTTP ${status}). Check the input \`dbt-cloud-api-token\`: it must be a service token (or personal access token) ` +
        `of account ${connection.accountId} allowed to read runs, artifacts and environments (e.g. the Read-Only or Job Viewer permission set).`,
      status,
      'dbt-cloud-api-token'
    )
  }
  return new BaselineServiceError(`dbt Cloud answered HTTP ${status} for ${what}${body ? `: ${body}` : ''}.`, status)
}
