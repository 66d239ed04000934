/**
 * Plain HTTP for the remote sources (url, dbt Cloud): a timeout on every attempt, a bounded
 * retry on network errors, 429 and 5xx, and manifest downloads streamed to a file (manifests of
 * large projects run to hundreds of megabytes, so they never pass through one string).
 */
import { createHash } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rename, rm } from 'node:fs/promises'
import { dirname } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import type { Logger } from '../github/octokit.js'
import { BaselineServiceError, messageOf } from './errors.js'

/** How requests are made; every field has a default. */
export interface HttpOptions {
  /** The fetch implementation (tests may hand in their own); default the global fetch. */
  fetch?: typeof fetch
  /** Time limit of one attempt, body included, in ms; default 300 000. */
  timeoutMs?: number
  /** Retries after the first attempt on network errors, 429 and 5xx; default 3. */
  retries?: number
  /** First pause between attempts in ms, doubled each time; default 1000. */
  retryDelayMs?: number
  /** Where retry notices go. */
  log?: Logger
}

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
export type DownloadResult =
  | { ok: true; file: DownloadedFile }
  | { ok: false; status: number; body: string }

/** Thrown inside an attempt when another attempt may succeed. */
class Transient extends Error {
  constructor(
    message: string,
    readonly status?: number
  ) {
    super(message)
  }
}

/**
 * GETs `url` and hands the response to `use` inside the retry loop. 2xx and non-retryable
 * statuses reach `use`; network errors, timeouts, 429 and 5xx are retried, then reported as a
 * {@link BaselineServiceError} that names `what`.
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
    try {
      return await once(url, headers, use, options)
    } catch (error) {
      if (!(error instanceof Transient)) throw error
      if (attempt >= retries) {
        throw new BaselineServiceError(
          `${what} failed: ${error.message} (${attempt + 1} attempts). Check that the service is up and reachable from the runner, then re-run the job.`,
          error.status
        )
      }
      options.log?.info(`${what}: ${error.message}; retrying (${attempt + 1} of ${retries}).`)
      await sleep((options.retryDelayMs ?? 1000) * 2 ** attempt)
    }
  }
}

async function once<T>(
  url: string,
  headers: Record<string, string>,
  use: (response: Response) => Promise<T>,
  options: HttpOptions
): Promise<T> {
  const doFetch = options.fetch ?? fetch
  let response: Response
  try {
    response = await doFetch(url, { headers, redirect: 'follow', signal: AbortSignal.timeout(options.timeoutMs ?? 300_000) })
  } catch (error) {
    if (isNetworkError(error)) throw new Transient(networkMessage(error))
    throw error
  }
  if (response.status === 429 || response.status >= 500) {
    await response.body?.cancel()
    throw new Transient(`HTTP ${response.status} ${response.statusText}`.trim(), response.status)
  }
  return use(response)
}

/** Reads a JSON body; a connection lost while reading is retried like a failed request. */
export async function readJson(response: Response, what: string): Promise<unknown> {
  let text: string
  try {
    text = await response.text()
  } catch (error) {
    if (isNetworkError(error)) throw new Transient(`the answer broke off: ${networkMessage(error)}`)
    throw error
  }
  try {
    return JSON.parse(text)
  } catch {
    throw new BaselineServiceError(`${what} answered HTTP ${response.status} with a body that is not JSON: ${text.slice(0, 200)}`, response.status)
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
  return getWithRetry(url, headers, what, async (response): Promise<DownloadResult> => {
    if (!response.ok) return { ok: false, status: response.status, body: await shortBody(response) }
    const file = await streamToFile(response, destPath)
    return { ok: true, file }
  }, options)
}

async function streamToFile(response: Response, destPath: string): Promise<DownloadedFile> {
  const part = `${destPath}.part`
  const hash = createHash('sha256')
  let bytes = 0
  const body = response.body ? Readable.fromWeb(response.body as WebReadableStream<Uint8Array>) : Readable.from([])
  try {
    await pipeline(body, async function* (source: AsyncIterable<Buffer>) {
      for await (const chunk of source) {
        hash.update(chunk)
        bytes += chunk.length
        yield chunk
      }
    }, createWriteStream(part))
  } catch (error) {
    await rm(part, { force: true })
    throw isNetworkError(error) ? new Transient(`the download broke off: ${networkMessage(error)}`) : error
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

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false
  // fetch reports connection failures as TypeError (with the cause attached) and time limits
  // as TimeoutError; file system errors carry a syscall and are not retried.
  if ('syscall' in error) return false
  return error.name === 'TimeoutError' || error.name === 'AbortError' || error instanceof TypeError
}

function networkMessage(error: unknown): string {
  const cause = error instanceof Error && error.cause ? ` (${messageOf(error.cause)})` : ''
  if (error instanceof Error && error.name === 'TimeoutError') return `no complete answer within the time limit${cause}`
  return `${messageOf(error)}${cause}`
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
