/**
 * Source `url`: the deploy uploads manifest.json somewhere reachable over https (object storage,
 * an internal server), one URL per environment. The fetched-baseline cache is not used here:
 * what a URL holds is only known from its answer, so a cache lookup would not save the request.
 */
import { join } from 'node:path'
import type { DeferredEnv, UrlSourceSettings } from '../settings.js'
import { displayUrl, downloadToFile, withDeadline, type DownloadedFile, type HttpOptions } from './download.js'
import { BaselineAuthError, BaselineConfigError, BaselineServiceError } from './errors.js'
import type { Baseline, BaselineSource, SearchReport } from './types.js'

/** What the url source needs besides its settings. */
export interface UrlSourceDeps {
  /** HTTP behaviour (fetch, timeout, retries, log). */
  http?: HttpOptions
}

const inputOf: Record<DeferredEnv, string> = { production: 'production-url', staging: 'staging-url' }
const loopbackHosts = new Set(['127.0.0.1', 'localhost', '[::1]'])

/**
 * Creates the `url` source. Validates the URLs at once (https only; http just for a loopback
 * host). Staging is configured exactly when `staging` is set.
 */
export function createUrlSource(settings: UrlSourceSettings, deps: UrlSourceDeps = {}): BaselineSource {
  for (const env of ['production', 'staging'] as const) {
    if (settings[env]) validateUrl(settings[env], inputOf[env])
  }
  return {
    kind: 'url',
    stagingConfigured: async () => Boolean(settings.staging),
    fetch: (env, destDir) => fetchUrl(settings, env, destDir, withDeadline(deps.http ?? {}))
  }
}

/** Throws unless `value` is an https URL (or http on a loopback host). */
export function validateUrl(value: string, input: string): URL {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new BaselineConfigError(
      `Invalid URL '${displayUrl(value)}' in the input \`${input}\`. Expected an https URL of a manifest.json, e.g. https://example.com/dbt/manifest.json.`,
      input
    )
  }
  const allowed = url.protocol === 'https:' || (url.protocol === 'http:' && loopbackHosts.has(url.hostname))
  if (!allowed) {
    throw new BaselineConfigError(
      `The input \`${input}\` is '${displayUrl(url)}', but only https URLs are accepted (http only for 127.0.0.1 or localhost), ` +
        'because the request can carry `url-authorization`. Use the https address of the manifest.',
      input
    )
  }
  return url
}

export { displayUrl }

async function fetchUrl(
  settings: UrlSourceSettings,
  env: DeferredEnv,
  destDir: string,
  http: HttpOptions
): Promise<Baseline | SearchReport> {
  const url = settings[env]
  if (!url) {
    throw new BaselineConfigError(
      `The baseline source is \`url\` and ${env} was chosen, but the input \`${inputOf[env]}\` is empty. Set it to the https URL of the ${env} manifest.json` +
        `${env === 'staging' ? ', or set `defer-env: production`' : ''}.`,
      inputOf[env]
    )
  }
  const shown = displayUrl(url)
  const headers: Record<string, string> = { Accept: 'application/json' }
  if (settings.authorization) headers.Authorization = settings.authorization
  const what = `Downloading the ${env} manifest from ${shown} (input \`${inputOf[env]}\`)`
  const result = await downloadToFile(url, join(destDir, 'manifest.json'), headers, what, http)
  if (result.ok) return found(env, shown, result.file)
  if (result.status === 404 || result.status === 410) return { searched: [`${shown}: HTTP ${result.status}, no manifest there`] }
  throw refusal(result.status, result.body, shown, {
    input: inputOf[env],
    authorization: Boolean(settings.authorization),
    inUrl: carriesCredentials(url)
  })
}

function found(env: DeferredEnv, shown: string, file: DownloadedFile): Baseline {
  const version = file.etag ?? file.lastModified ?? file.sha256
  return { env, source: 'url', identity: `url:${shown}:${version}`, location: shown, manifestPath: file.path }
}

/** Whether the URL itself carries credentials: user:pass@, or a query string (tokens, signatures). */
function carriesCredentials(url: string): boolean {
  const u = new URL(url)
  return Boolean(u.username || u.password || u.search)
}

/** How the request was authorised, for the advice of a refusal. */
interface Credentials {
  /** The input holding the URL. */
  input: string
  /** Whether `url-authorization` was sent. */
  authorization: boolean
  /** Whether the URL carries credentials (userinfo or a query string). */
  inUrl: boolean
}

/** A final non-2xx answer (never retried): refused credentials name the input that holds them. */
function refusal(status: number, body: string, shown: string, credentials: Credentials): Error {
  if (status === 401 || status === 403) {
    const input = credentials.authorization || !credentials.inUrl ? 'url-authorization' : credentials.input
    return new BaselineAuthError(
      `The server refused the authorization for ${shown} (HTTP ${status}). ${credentialHint(credentials)}`,
      status,
      input
    )
  }
  return new BaselineServiceError(
    `Downloading ${shown} (input \`${credentials.input}\`) failed with HTTP ${status}${body ? `: ${body.slice(0, 200)}` : ''}. ` +
      `This answer is not retried; check the URL${credentials.inUrl ? ' and the credentials in it' : ''}, and that the server serves the file.`,
    status
  )
}

function credentialHint(c: Credentials): string {
  if (c.authorization) {
    return 'Check the input `url-authorization`: it is sent as the whole Authorization header value (e.g. `Bearer <token>`), and the credentials must be allowed to read the file.'
  }
  if (c.inUrl) {
    return `The credentials are in the input \`${c.input}\` (user:password@ or a token in the query string): check that they are current and allowed to read the file, or pass them as \`url-authorization\` instead.`
  }
  return 'No `url-authorization` was set; set it to the Authorization header value the server expects.'
}
