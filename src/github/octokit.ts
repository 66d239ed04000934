import { getOctokit } from '@actions/github'
import { retry } from '@octokit/plugin-retry'
import { throttling } from '@octokit/plugin-throttling'
import type { Logger } from '../logger.js'

export type { Logger }

/** An authenticated Octokit with REST methods, pagination, retries and rate-limit handling. */
export type GitHubClient = ReturnType<typeof getOctokit>

/** Options of {@link createGitHubClient}. */
export interface GitHubClientOptions {
  /** How many times a request that failed with a server error (5xx) is retried; default 3. */
  retries?: number
  /**
   * Base of the retry plugin's back-off in milliseconds: retry n waits n² times this; default
   * 1000. Tests against a local server shorten it.
   */
  retryBaseDelayMs?: number
  /** How many times a rate-limited request is retried after the limit resets; default 2. */
  rateLimitRetries?: number
  /** Where rate-limit warnings go; default: nowhere. */
  log?: Logger
  /**
   * Space out writes as GitHub's guidance for integrations asks (one write a second, content
   * that notifies every three seconds); default true. Tests against a local server turn it off.
   */
  paceWrites?: boolean
}

const silent: Logger = { info: () => {}, warning: () => {}, debug: () => {} }

/**
 * Creates the client every GitHub call of the action goes through. `apiUrl` is the REST base
 * URL (GITHUB_API_URL): https://api.github.com, a GitHub Enterprise Server's /api/v3, or a
 * test server on loopback.
 */
export function createGitHubClient(token: string, apiUrl: string, options: GitHubClientOptions = {}): GitHubClient {
  if (!token) {
    throw new Error(
      'No GitHub token was given (input `github-token`). Pass `${{ github.token }}` or a token with read access to the repository.'
    )
  }
  const log = options.log ?? silent
  const rateLimitRetries = options.rateLimitRetries ?? 2
  const onLimit = (kind: string) => (retryAfter: number, req: { method: string; url: string }, _o: unknown, count: number) => {
    const again = count < rateLimitRetries
    log.warning(
      `GitHub ${kind} rate limit hit by ${req.method} ${req.url}; ` +
        (again ? `retrying in ${retryAfter} s (retry ${count + 1} of ${rateLimitRetries}).` : 'giving up on this request.')
    )
    return again
  }
  return getOctokit(
    token,
    {
      baseUrl: apiUrl.replace(/\/+$/, ''),
      log: { debug: (m) => log.debug(m), info: (m) => log.debug(m), warn: (m) => log.warning(m), error: (m) => log.warning(m) },
      retry: { retries: options.retries ?? 3, retryAfterBaseValue: options.retryBaseDelayMs ?? 1000 },
      throttle: pacing(options.paceWrites ?? true, onLimit('primary'), onLimit('secondary'))
    },
    retry,
    throttling
  )
}

type LimitHandler = (retryAfter: number, req: { method: string; url: string }, o: unknown, count: number) => boolean

/** Throttling options: handlers always; write pacing unless turned off. */
function pacing(paceWrites: boolean, onRateLimit: LimitHandler, onSecondaryRateLimit: LimitHandler) {
  const handlers = { onRateLimit, onSecondaryRateLimit }
  // The plugin paces writes through shared limiter groups; without pacing, its rate-limit
  // retries are still wanted, so only the write and notification groups are bypassed.
  return paceWrites ? handlers : { ...handlers, write: unpaced(), notifications: unpaced() }
}

/** A stand-in for a Bottleneck group whose jobs run at once. */
function unpaced(): never {
  const limiter = { schedule: (_opts: unknown, job: () => Promise<unknown>) => job() }
  return { key: () => limiter } as never
}
