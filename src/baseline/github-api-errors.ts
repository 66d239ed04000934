/**
 * The GitHub API failures of the artifact source, in words: a workflow input naming no
 * workflow, a refused token (401 names `github-token`, 403/404 the permission), and GitHub's
 * own failures (5xx, no answer), with the request and how often it was retried.
 */
import { httpStatus, messageOf } from '../github/errors.js'
import type { DeferredEnv } from '../settings.js'
import { displayUrl } from '../secrets.js'
import { BaselineAuthError, BaselineConfigError, BaselineServiceError } from './errors.js'
import type { Deadline } from './http-limits.js'

/** What an explanation needs to know of the search that failed. */
export interface RequestContext {
  /** owner/repo searched. */
  repository: string
  /** The deploy workflow searched. */
  workflow: string
  /** The environment searched for. */
  env: DeferredEnv
  /** The search's deadline, when one runs. */
  deadline?: Deadline
}

/** Errors of listing runs: 404 means the workflow input names no workflow here. */
export function listError(error: unknown, search: RequestContext): unknown {
  if (httpStatus(error) !== 404) return accessError(error, search, `list the runs of workflow ${search.workflow}`, 'actions: read')
  const input = `${search.env}-workflow`
  return new BaselineConfigError(
    `Input ${input} is '${search.workflow}', but ${search.repository} has no such workflow the token can see (GitHub answered 404). ` +
      `Give the file name of the deploy workflow under .github/workflows (e.g. deploy.yml) or its numeric id.`,
    input
  )
}

/**
 * Errors of a GitHub API call, in words: 401 names `github-token`, 403/404 the permission,
 * 5xx and requests without an answer say it is GitHub's side and how often it was retried.
 */
export function accessError(error: unknown, search: RequestContext, what: string, permission: string): unknown {
  const status = httpStatus(error)
  const text = messageOf(error)
    .split('\n')[0]
    .replace(/ - https:\/\/docs\.github\.com\S*$/, '')
  const deadline = search.deadline
  if (deadline && deadline.remainingMs() === 0) return deadline.error(`The GitHub API request to ${what}`, text)
  const repository = search.repository
  if (status === 401) {
    return new BaselineAuthError(
      `GitHub refused the token when asked to ${what} (${requestOf(error)}: HTTP 401, ${text}). The input \`github-token\` holds no valid token: ` +
        `leave it at \`\${{ github.token }}\` and grant the job \`permissions: ${permission}\`, or pass a current token that can read ${repository} with that permission.`,
      401,
      'github-token'
    )
  }
  if ((status === 403 || status === 404) && !/rate limit/i.test(text)) {
    return new BaselineAuthError(
      `The token may not ${what} (GitHub answered ${status}: ${text}). ` +
        `Grant the job \`permissions: ${permission}\`, or pass a github-token that can read ${repository}.`,
      status,
      'github-token'
    )
  }
  if (status !== undefined && status >= 500) return gitHubSideError(error, status, text, what)
  return error
}

/** A 5xx, or no answer at all (the client reports that as 500 without a response). */
function gitHubSideError(error: unknown, status: number, text: string, what: string): BaselineServiceError {
  const answered = typeof error === 'object' && error !== null && (error as { response?: unknown }).response !== undefined
  const cause = answered ? `GitHub answered HTTP ${status} (${text}), a failure on GitHub's side` : `no answer came (${text})`
  const retried = retriesOf(error)
  return new BaselineServiceError(
    `The GitHub API request ${requestOf(error)} (to ${what}) failed: ${cause}; ${retried === undefined ? 'the client retried it' : `retried ${retried} time${retried === 1 ? '' : 's'}`}. ` +
      'Re-run the job in a few minutes; https://www.githubstatus.com reports outages.',
    status
  )
}

/** `GET <url without query>` of a failed client request. */
function requestOf(error: unknown): string {
  const request = (error as { request?: { method?: string; url?: string } } | undefined)?.request
  return request?.url ? `${request.method ?? 'GET'} ${displayUrl(request.url)}` : 'to GitHub'
}

/** How often the client retried the request, when it says. */
function retriesOf(error: unknown): number | undefined {
  const count = (error as { request?: { request?: { retryCount?: unknown } } } | undefined)?.request?.request?.retryCount
  return typeof count === 'number' ? count : 0
}
