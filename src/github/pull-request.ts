import { payloadIssuePullNumber, payloadPullRequest, type EventPayload, type PullRequestFields } from './event.js'
import { describeGitHubError, failedRequest, GitHubInputError, GitHubRequestError, httpStatus } from './errors.js'
import type { GitHubClient } from './octokit.js'

/** The pull request the report belongs to. */
export interface PullRequestInfo {
  /** Pull request number. */
  number: number
  /** Commit at the head of the pull request, when known. */
  headSha?: string
  /** Head branch name. */
  headRef?: string
  /** Base branch name. */
  baseRef?: string
  /** Web link to the pull request. */
  url?: string
  /** True when the head branch lives in another repository (a fork): its token is read-only. */
  fromFork: boolean
}

/** Result of {@link findPullRequest}: the PR if there is one, and a sentence saying how or why not. */
export interface PullRequestLookup {
  /** The pull request, or undefined when the run belongs to none. */
  pr?: PullRequestInfo
  /** How the PR was found, or why there is none (printable in the report). */
  reason: string
}

/** What {@link findPullRequest} needs to know about the run. */
export interface FindPullRequestArgs {
  /** owner/repo of the run. */
  repository: string
  /** The event name (for workflow_call: the caller's). */
  eventName: string
  /** The event payload (for workflow_call: the caller's). */
  payload: EventPayload
  /** The run's branch, used when the payload has no pull request. */
  branch?: string
  /** Input `pr-number`: wins over everything else. */
  prNumberOverride?: number
}

const OWNER_OR_REPO = /^[A-Za-z0-9_.-]+$/

/** Splits `owner/repo`; throws naming the bad value and the accepted form. */
export function parseRepository(repository: string): { owner: string; repo: string } {
  const parts = (repository ?? '').trim().split('/')
  const [owner, repo] = parts
  if (parts.length !== 2 || !OWNER_OR_REPO.test(owner) || !OWNER_OR_REPO.test(repo) || repo === '.' || repo === '..') {
    throw new GitHubInputError(
      `Invalid repository '${repository}'. Expected format {owner}/{repo}, e.g. octo-org/analytics. ` +
        'Check the repository the workflow runs in (GITHUB_REPOSITORY).',
      'repository'
    )
  }
  return { owner, repo }
}

/**
 * Finds the pull request a run reports to: input `pr-number` first, then the payload's pull
 * request (whatever the event is called: a reusable workflow sees its caller's event), then the
 * open pull request whose head is the run's branch.
 */
export async function findPullRequest(client: GitHubClient, args: FindPullRequestArgs): Promise<PullRequestLookup> {
  const { owner, repo } = parseRepository(args.repository)
  if (args.prNumberOverride !== undefined) {
    const pr = await getPullRequest(client, owner, repo, args.prNumberOverride, 'pr-number')
    return { pr, reason: `pull request #${pr.number} from input pr-number` }
  }
  const fromPayload = pullRequestOfPayload(args.payload, args.repository, args.eventName)
  if (fromPayload) return fromPayload
  const issueNumber = payloadIssuePullNumber(args.payload)
  if (issueNumber !== undefined) {
    const pr = await getPullRequest(client, owner, repo, issueNumber, 'pr-number')
    return { pr, reason: `pull request #${pr.number} the ${args.eventName} event is about` }
  }
  return byBranch(client, owner, repo, args)
}

/** Looks up the open pull request whose head is the run's branch in this repository. */
async function byBranch(client: GitHubClient, owner: string, repo: string, args: FindPullRequestArgs): Promise<PullRequestLookup> {
  const branch = args.branch
  if (!branch) {
    return {
      reason: `the ${args.eventName} event carries no pull request and the run's branch is unknown; the report goes to the job summary only (set input pr-number to comment on a pull request)`
    }
  }
  const data = await openPullsOf(client, owner, repo, branch)
  if (data.length === 0) {
    return { reason: `no open pull request has head branch ${branch}; the report goes to the job summary only` }
  }
  const newest = [...data].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at))[0]
  const others = data.length > 1 ? ` (the most recently updated of ${data.length} open pull requests of that branch)` : ''
  return {
    pr: toInfo(newest, `${owner}/${repo}`),
    reason: `open pull request #${newest.number} has head branch ${branch}${others}`
  }
}

/** The open pull requests of this repository whose head is `branch`. */
async function openPullsOf(client: GitHubClient, owner: string, repo: string, branch: string) {
  try {
    const { data } = await client.rest.pulls.list({ owner, repo, head: `${owner}:${branch}`, state: 'open', per_page: 100 })
    return data
  } catch (error) {
    throw requestError(error, `list the open pull requests of ${owner}/${repo} whose head is branch ${branch}`)
  }
}

/** Fetches one pull request; a missing one is an input error of `input`. */
async function getPullRequest(client: GitHubClient, owner: string, repo: string, number: number, input: string): Promise<PullRequestInfo> {
  try {
    const { data } = await client.rest.pulls.get({ owner, repo, pull_number: number })
    return toInfo(data, `${owner}/${repo}`)
  } catch (error) {
    if (httpStatus(error) !== 404) throw requestError(error, `read pull request #${number} of ${owner}/${repo}`)
    throw new GitHubInputError(
      `Input ${input} is ${number}, but ${owner}/${repo} has no pull request #${number} the token can see. ` +
        "Give the number of a pull request of this repository, or leave pr-number empty to use the event's.",
      input
    )
  }
}

/** A failed pull request lookup, explained: the request, GitHub's answer, what to do. */
function requestError(error: unknown, action: string): GitHubRequestError {
  const message = describeGitHubError(error, { action, permission: 'pull-requests: read' })
  return new GitHubRequestError(message, httpStatus(error) ?? 0, failedRequest(error) ?? '')
}

/** The pull request the payload itself carries, without asking the API. */
export function pullRequestOfPayload(payload: EventPayload, repository: string, eventName: string): PullRequestLookup | undefined {
  const fromPayload = payloadPullRequest(payload)
  if (!fromPayload) return undefined
  const pr = toInfo(fromPayload, repository)
  return { pr, reason: `pull request #${pr.number} of the ${eventName} event` }
}

/** Maps a REST or payload pull request object to {@link PullRequestInfo}. */
function toInfo(pr: PullRequestFields, repository: string): PullRequestInfo {
  const headRepo: string | undefined = pr.head?.repo?.full_name
  const baseRepo: string = pr.base?.repo?.full_name ?? repository
  return {
    number: pr.number,
    headSha: pr.head?.sha,
    headRef: pr.head?.ref,
    baseRef: pr.base?.ref,
    url: pr.html_url,
    // A deleted fork leaves head.repo null; it was a fork all the same.
    fromFork: headRepo === undefined || headRepo.toLowerCase() !== baseRepo.toLowerCase()
  }
}
