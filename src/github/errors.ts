/** Typed errors of the GitHub modules; main.ts decides what each one means for the run. */
import { ActionError, messageOf } from '../errors.js'

/**
 * The report comment could not be read or written. The report is still in the job summary, so
 * the caller warns and goes on.
 */
export class CommentError extends ActionError {
  constructor(
    message: string,
    /** HTTP status GitHub answered (0 when no answer came). */
    readonly status: number,
    /** The request that failed, method and path, e.g. `POST /repos/o/r/issues/7/comments`. */
    readonly request = ''
  ) {
    super(message, { severity: 'warn', input: 'github-token' })
  }
}

/** The token may not write the report comment (403) or cannot see the pull request (404). */
export class CommentPermissionError extends CommentError {
  constructor(
    message: string,
    /** The permission the workflow's job must grant, e.g. `pull-requests: write`. */
    readonly permission: string,
    status: number,
    request = ''
  ) {
    super(message, status, request)
  }
}

/** A GitHub request failed in a way no more specific error explains (a server error, bad credentials). */
export class GitHubRequestError extends ActionError {
  constructor(
    message: string,
    /** HTTP status GitHub answered (0 when no answer came). */
    readonly status: number,
    /** The request that failed, method and path. */
    readonly request: string
  ) {
    super(message, { input: 'github-token' })
  }
}

/** An input names something GitHub does not have (a workflow, a repository): fail the run. */
export class GitHubInputError extends ActionError {
  /** The action input at fault. */
  declare readonly input: string

  constructor(message: string, input: string) {
    super(message, { input })
  }
}

/** The HTTP status of an Octokit request error, or undefined for any other error. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' ? status : undefined
}

/** What a failed GitHub request was for, so that {@link describeGitHubError} can explain it. */
export interface GitHubRequestPurpose {
  /** What the action tried, as a verb phrase: `list the comments on pull request #7 of acme/analytics`. */
  action: string
  /** The job permission the request needs, e.g. `pull-requests: write` or `actions: read`. */
  permission: string
  /** The input that holds the token; default `github-token`. */
  input?: string
}

/** The parts of an Octokit RequestError the messages use. */
interface OctokitFailure {
  status?: number
  message?: string
  cause?: unknown
  request?: { method?: string; url?: string; request?: { retryCount?: number } }
  response?: { data?: unknown; headers?: Record<string, string | undefined> }
}

/**
 * `METHOD /path` of the request an Octokit error belongs to: no host, no query string, no
 * headers, so no token can leak into a message. Undefined for errors that are not Octokit's.
 */
export function failedRequest(error: unknown): string | undefined {
  const request = (error as OctokitFailure | null)?.request
  if (!request?.url) return undefined
  return `${(request.method ?? 'GET').toUpperCase()} ${new URL(request.url, 'http://unknown').pathname}`
}

/**
 * Explains a failed GitHub request in one paragraph: what the action tried, which request
 * failed with which status and message, whether it was retried, and what to do about it.
 */
export function describeGitHubError(error: unknown, purpose: GitHubRequestPurpose): string {
  const failure = (typeof error === 'object' && error !== null ? error : {}) as OctokitFailure
  const request = failedRequest(error) ?? 'the request'
  const status = failure.status ?? 0
  if (!failure.response) {
    const why = failure.cause === undefined ? messageOf(error) : messageOf(failure.cause)
    return `Could not ${purpose.action}: ${request} got no answer from GitHub (${why})${retried(failure)}. ${networkAdvice()}`
  }
  const answered = `${request} answered ${status} (${gitHubMessage(failure)})`
  return `Could not ${purpose.action}: ${answered}${status >= 500 ? retried(failure) : ''}. ${advice(status, failure, purpose)}`
}

/** What to do about a status GitHub answered. */
function advice(status: number, failure: OctokitFailure, purpose: GitHubRequestPurpose): string {
  const input = `\`${purpose.input ?? 'github-token'}\``
  if (status === 401) {
    return (
      `GitHub does not accept the token in input ${input}: it is invalid, expired or revoked. ` +
      `Pass \`\${{ github.token }}\` (the default) or a valid token, and grant the job \`permissions: ${purpose.permission}\`.`
    )
  }
  if (isRateLimited(status, failure)) {
    return 'The token has used up its GitHub API rate limit: re-run the job after the limit resets, or use a token with its own limit.'
  }
  if (status === 403) {
    return `The token in input ${input} lacks a permission: grant the job \`permissions: ${purpose.permission}\` (a pull request from a fork only gets a read-only GITHUB_TOKEN).`
  }
  if (status === 404) {
    return `It does not exist, or the token in input ${input} cannot see it: check the names and numbers, and that the token can read the repository (\`permissions: ${purpose.permission}\`).`
  }
  if (status === 422)
    return 'GitHub refused what was sent; its message says which field. Re-run the job; if it persists, report it as a bug with this message.'
  if (status >= 500)
    return "This is a fault on GitHub's side and usually passes: re-run the job, and see https://www.githubstatus.com if it persists."
  return "Re-run the job; if it persists, GitHub's message above says what it objected to."
}

function networkAdvice(): string {
  return 'Check GITHUB_API_URL (on GitHub Enterprise Server, https://HOST/api/v3) and that the runner can reach it, then re-run the job.'
}

/** `, after N retries` from the retry plugin's bookkeeping on the request. */
function retried(failure: OctokitFailure): string {
  const count = failure.request?.request?.retryCount ?? 0
  return count === 0 ? ', and was not retried' : `, also on ${count} ${count === 1 ? 'retry' : 'retries'}`
}

function isRateLimited(status: number, failure: OctokitFailure): boolean {
  if (status === 429) return true
  return status === 403 && (failure.response?.headers?.['x-ratelimit-remaining'] === '0' || /rate limit/i.test(failure.message ?? ''))
}

/** GitHub's own message and the detail of each validation error, without the documentation link. */
function gitHubMessage(failure: OctokitFailure): string {
  const data = failure.response?.data as { message?: unknown; errors?: unknown } | undefined
  if (typeof data?.message !== 'string') return firstLine(failure.message ?? 'no message').replace(/ - https?:\/\/\S+$/, '')
  const details = Array.isArray(data.errors) ? data.errors.map(detail).filter(Boolean) : []
  return details.length ? `${data.message}: ${details.join('; ')}` : data.message
}

function detail(error: unknown): string {
  if (typeof error === 'string') return error
  const e = (error ?? {}) as { message?: unknown; field?: unknown; code?: unknown }
  if (typeof e.message === 'string') return e.message
  return [e.field, e.code].filter((part) => typeof part === 'string').join(' ')
}

function firstLine(text: string): string {
  return text.split('\n')[0]
}

export { messageOf } from '../errors.js'
