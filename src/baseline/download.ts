/**
 * Plain HTTP for the remote sources (url, dbt Cloud, artifact downloads, the GitHub API calls of
 * the artifact source). Every attempt has a connect timeout, an idle timeout (no bytes received)
 * and a total limit, all attempts of one baseline search share its deadline, network errors,
 * 429 and 5xx are retried a bounded number of times, and manifest downloads are streamed to a
 * file (manifests of large projects run to hundreds of megabytes, so they never pass through
 * one string). Requests go through node:http(s) rather than fetch, because fetch cannot tell a
 * connection that is not made from a server that is slow to answer.
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Socket } from 'node:net'
import { dirname } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { displayUrl } from '../secrets.js'
import { BaselineServiceError, BaselineTimeoutError, messageOf } from './errors.js'
import { AttemptFailure, NETWORK_INPUTS, seconds, Watchdog, type HttpOptions } from './http-limits.js'

/** A file that was downloaded. */
export interface DownloadedFile {
  /** Where it was written. */
  path: string
  /** Its size. */
  bytes: number
  /** Hex sha256 of its content. */
  sha256: string
  /** The response's ETag, when sent. */
  etag?: string
  /** The response's Last-Modified, when sent. */
  lastModified?: string
}

/** A download either wrote the file or got a final (non-retryable) non-2xx answer. */
export type DownloadResult = { ok: true; file: DownloadedFile } | { ok: false; status: number; body: string }

/**
 * GETs `url` and hands the response to `use` inside the retry loop. 2xx and non-retryable
 * statuses reach `use`; network errors, connect and idle timeouts, 429 and 5xx are retried, then
 * reported as a {@link BaselineServiceError} (a {@link BaselineTimeoutError} for a limit) that
 * names `what`, which must name the request (with {@link displayUrl}-style URLs).
 */
export async function getWithRetry<T>(
  url: string,
  headers: Record<string, string>,
  what: string,
  use: (response: Response) => Promise<T>,
  options: HttpOptions = {}
): Promise<T> {
  const retries = options.retries ?? 3
  for (let attempt = 0; ; attempt++) {
    options.deadline?.check(what)
    try {
      return await attemptOnce(url, headers, use, options)
    } catch (error) {
      if (!(error instanceof AttemptFailure)) throw error
      if (!error.retry || attempt >= retries) throw giveUp(what, error, attempt + 1)
      const pause = (options.retryDelayMs ?? 1000) * 2 ** attempt
      if (options.deadline && options.deadline.remainingMs() <= pause) throw options.deadline.error(what, error.message)
      options.log?.info(`${what}: ${error.message}; retrying in ${seconds(pause)} (retry ${attempt + 1} of ${retries}).`)
      await sleep(pause)
    }
  }
}

async function attemptOnce<T>(
  url: string,
  headers: Record<string, string>,
  use: (response: Response) => Promise<T>,
  options: HttpOptions
): Promise<T> {
  const dog = new Watchdog(options)
  try {
    const response = await send(url, headers, dog, options, 'follow')
    if (response.status === 429 || response.status >= 500) {
      await response.body?.cancel().catch(() => undefined)
      throw new AttemptFailure(`HTTP ${response.status} ${response.statusText}`.trim(), true, undefined, response.status)
    }
    return await use(response)
  } finally {
    dog.dispose()
  }
}

function giveUp(what: string, failure: AttemptFailure, attempts: number): Error {
  const tries = `${attempts} attempt${attempts === 1 ? '' : 's'}`
  if (failure.limit) {
    const input = NETWORK_INPUTS[failure.limit]
    return new BaselineTimeoutError(
      `${what} failed: ${failure.message} (${tries}). Raise the input \`${input}\` if the server is only slow, or check that it is up and reachable from the runner.`,
      input
    )
  }
  const side = failure.status ? `the server answered HTTP ${failure.status}, a failure on its side` : 'the network or the server failed'
  return new BaselineServiceError(
    `${what} failed: ${failure.message} (${tries}; ${side}). Check that the service is up and reachable from the runner, then re-run the job.`,
    failure.status
  )
}

/** Sends one GET, following up to five redirects unless `redirect` is manual. */
async function send(
  url: string,
  headers: Record<string, string>,
  dog: Watchdog,
  options: HttpOptions,
  redirect: 'follow' | 'manual',
  signal?: AbortSignal | null
): Promise<Response> {
  const abort = signal ? AbortSignal.any([signal, dog.controller.signal]) : dog.controller.signal
  if (options.fetch) return viaFetch(options.fetch, url, headers, dog, redirect, abort)
  let current = new URL(url)
  let sent = headers
  for (let hop = 0; ; hop++) {
    const response = await viaNode(current, sent, dog, abort)
    const location = response.headers.get('location')
    if (redirect === 'manual' || ![301, 302, 303, 307, 308].includes(response.status) || !location || hop === 5) return response
    await response.body?.cancel().catch(() => undefined)
    const next = new URL(location, current)
    // As fetch does: credentials never follow a redirect to another origin.
    if (next.origin !== current.origin)
      sent = Object.fromEntries(Object.entries(sent).filter(([name]) => name.toLowerCase() !== 'authorization'))
    current = next
  }
}

function viaNode(url: URL, headers: Record<string, string>, dog: Watchdog, signal: AbortSignal): Promise<Response> {
  return new Promise((resolve, reject) => {
    const request = url.protocol === 'https:' ? httpsRequest : httpRequest
    const req = request(url, { headers, signal }, (res) => {
      dog.touch()
      const status = res.statusCode ?? 502
      const body = [204, 205, 304].includes(status) ? null : watchBody(Readable.toWeb(res) as ReadableStream<Uint8Array>, dog)
      const answer = new Headers()
      for (const [name, value] of Object.entries(res.headers))
        if (value !== undefined) answer.set(name, Array.isArray(value) ? value.join(', ') : value)
      if (!body) dog.dispose()
      resolve(new Response(body, { status, statusText: res.statusMessage, headers: answer }))
    })
    req.on('socket', (socket: Socket) => {
      if (!socket.connecting) dog.connected()
      else socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => dog.connected())
    })
    req.on('error', (error) => reject(failure(dog, error)))
    req.end()
  })
}

async function viaFetch(
  doFetch: typeof fetch,
  url: string,
  headers: Record<string, string>,
  dog: Watchdog,
  redirect: 'follow' | 'manual',
  signal: AbortSignal
): Promise<Response> {
  let response: Response
  try {
    response = await doFetch(url, { headers, redirect, signal })
  } catch (error) {
    throw failure(dog, error)
  }
  dog.connected()
  if (!response.body) return response
  return new Response(watchBody(response.body, dog), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers
  })
}

/** The body, restarting the idle timer on each chunk and turning read errors into attempt failures. */
function watchBody(source: ReadableStream<Uint8Array>, dog: Watchdog): ReadableStream<Uint8Array> {
  const reader = source.getReader()
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      try {
        const { done, value } = await reader.read()
        if (dog.fired) throw dog.failure()
        if (done) {
          dog.dispose()
          controller.close()
          return
        }
        dog.touch(value.byteLength)
        controller.enqueue(value)
      } catch (error) {
        dog.dispose()
        controller.error(failure(dog, error, 'the answer broke off'))
      }
    },
    cancel(reason) {
      dog.dispose()
      return reader.cancel(reason)
    }
  })
}

/** What went wrong with the connection, in words; whether a retry may help. */
function failure(dog: Watchdog, error: unknown, during = 'the request failed'): AttemptFailure {
  if (error instanceof AttemptFailure) return error
  if (dog.fired) return dog.failure()
  const code = (error as NodeJS.ErrnoException).code ?? ''
  const detail = `${messageOf(error)}${code && !messageOf(error).includes(code) ? ` (${code})` : ''}`
  if (code === 'ECONNRESET' || code === 'EPIPE' || /aborted|socket hang up|other side closed|terminated/i.test(messageOf(error))) {
    return new AttemptFailure(`the connection was cut after ${dog.bytes} bytes (${detail})`, true)
  }
  if (code === 'ECONNREFUSED') return new AttemptFailure(`the connection was refused (${detail}): nothing answers at that address`, true)
  if (/CERT|SELF_SIGNED|ERR_TLS|UNABLE_TO_VERIFY/.test(code) || code === 'ENOTFOUND')
    return new AttemptFailure(`${during}: ${detail}`, false)
  return new AttemptFailure(`${during}: ${detail}`, true)
}

/** Reads a JSON body; a connection lost while reading is retried like a failed request. */
export async function readJson(response: Response, what: string): Promise<unknown> {
  const text = await response.text()
  try {
    return JSON.parse(text)
  } catch {
    throw new BaselineServiceError(
      `${what} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`,
      response.status
    )
  }
}

/** Streams a GET of `url` into `destPath` (written whole or not at all). */
export async function downloadToFile(
  url: string,
  destPath: string,
  headers: Record<string, string>,
  what: string,
  options: HttpOptions = {}
): Promise<DownloadResult> {
  await mkdir(dirname(destPath), { recursive: true })
  return getWithRetry(
    url,
    headers,
    what,
    async (response): Promise<DownloadResult> => {
      if (!response.ok) return { ok: false, status: response.status, body: await shortBody(response) }
      const file = await streamToFile(response, destPath)
      return { ok: true, file }
    },
    options
  )
}

async function streamToFile(response: Response, destPath: string): Promise<DownloadedFile> {
  const part = `${destPath}.part`
  const hash = createHash('sha256')
  let bytes = 0
  const body = response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([])
  try {
    await pipeline(
      body,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          hash.update(chunk)
          bytes += chunk.length
          yield chunk
        }
      },
      createWriteStream(part)
    )
  } catch (error) {
    await rm(part, { force: true })
    throw error
  }
  await rename(part, destPath)
  const etag = response.headers.get('etag') ?? undefined
  const lastModified = response.headers.get('last-modified') ?? undefined
  return { path: destPath, bytes, sha256: hash.digest('hex'), etag, lastModified }
}

/** Reads at most the first 500 characters of an error body, for messages. */
export async function shortBody(response: Response): Promise<string> {
  try {
    return (await response.text()).slice(0, 500)
  } catch {
    return ''
  }
}

/**
 * A fetch with this module's connect and idle timeouts and limits, for the GitHub client's
 * GET requests (pass it as `request.fetch`). A stopped request fails the way fetch fails, so the
 * client's own retries apply.
 */
export function timedFetch(options: HttpOptions): typeof fetch {
  return (async (input: string | URL | Request, init: RequestInit = {}) => {
    const url = input instanceof Request ? input.url : String(input)
    const dog = new Watchdog(options)
    try {
      const headers = Object.fromEntries(new Headers(init.headers).entries())
      return await send(url, headers, dog, options, init.redirect === 'manual' ? 'manual' : 'follow', init.signal)
    } catch (error) {
      dog.dispose()
      if (!(error instanceof AttemptFailure)) throw error
      throw new TypeError('fetch failed', { cause: error })
    }
  }) as typeof fetch
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

export { displayUrl }
export { Deadline, httpOptionsOf, NETWORK_DEFAULTS, NETWORK_INPUTS, withDeadline, type HttpOptions } from './http-limits.js'
