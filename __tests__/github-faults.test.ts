import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ActionError } from '../src/errors.js'
import { CommentError, CommentPermissionError, describeGitHubError, GitHubRequestError } from '../src/github/errors.js'
import { createGitHubClient } from '../src/github/octokit.js'
import { findPullRequest } from '../src/github/pull-request.js'
import { upsertStickyComment } from '../src/github/sticky-comment.js'
import { fakeRepoWithPullRequest, FakeGitHub } from './fakes/github-server.js'

const TAG = '<!-- dbt-defer-action:jaffle_shop -->'
const target = { owner: 'acme', repo: 'analytics', issueNumber: 7, marker: 'dbt-defer-action:jaffle_shop' }
const COMMENTS = /^\/repos\/acme\/analytics\/issues\/7\/comments$/

let gh: FakeGitHub
beforeEach(async () => {
  gh = await fakeRepoWithPullRequest()
})
afterEach(async () => {
  await gh.stop()
})

const client = (token: string, retries = 0) => createGitHubClient(token, gh.apiUrl, { retries, retryBaseDelayMs: 5, paceWrites: false })

/** The rejection of a promise that must reject. */
async function failure(attempt: Promise<unknown>): Promise<Error> {
  const outcome = await attempt.then(
    (value) => ({ value }),
    (error: unknown) => ({ error })
  )
  if (!('error' in outcome)) throw new Error(`expected a rejection, got ${JSON.stringify(outcome.value)}`)
  return outcome.error as Error
}

describe('comment failures are CommentErrors the caller can warn about', () => {
  it("a 422 on create names the request, the status and GitHub's validation message", async () => {
    gh.failNextMatching('POST', COMMENTS, 1, 422, 'Validation Failed', [
      { resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }
    ])
    const error = await failure(upsertStickyComment(client('gha'), { ...target, body: 'report' }))
    expect(error).toBeInstanceOf(CommentError)
    expect(error).not.toBeInstanceOf(CommentPermissionError)
    expect(error).toMatchObject({ status: 422, request: 'POST /repos/acme/analytics/issues/7/comments', severity: 'warn' })
    expect(error.message).toBe(
      'Could not create the report comment on pull request #7 of acme/analytics: POST /repos/acme/analytics/issues/7/comments answered 422 ' +
        '(Validation Failed: body is too long (maximum is 65536 characters)). ' +
        'GitHub refused what was sent; its message says which field. Re-run the job; if it persists, report it as a bug with this message. ' +
        'The report is still in the job summary.'
    )
    expect(gh.comments(7)).toHaveLength(0)
  })

  it('a 500 on the list, after the retries, says it was retried and that the report is in the job summary', async () => {
    gh.failNextMatching('GET', COMMENTS, 3, 500, 'Server Error')
    const error = await failure(upsertStickyComment(client('gha', 2), { ...target, body: 'report' }))
    expect(error).toBeInstanceOf(CommentError)
    expect(error).toMatchObject({ status: 500, request: 'GET /repos/acme/analytics/issues/7/comments', severity: 'warn' })
    expect(error.message).toMatch(
      /^Could not list the comments on pull request #7 of acme\/analytics: GET \/repos\/acme\/analytics\/issues\/7\/comments answered 500 \(Server Error\), also on 2 retries\. /
    )
    expect(error.message).toMatch(/fault on GitHub's side .* re-run the job.*The report is still in the job summary\.$/)
    expect(error.message).not.toMatch(/docs\.github\.com/)
    expect(gh.requests.filter((r) => r.path.endsWith('/issues/7/comments')).map((r) => r.status)).toEqual([500, 500, 500])
    expect(gh.comments(7)).toHaveLength(0)
  })

  it('a list that fails once and then answers goes on to write the comment', async () => {
    gh.failNextMatching('GET', COMMENTS, 1, 502, 'Server Error')
    const result = await upsertStickyComment(client('gha', 2), { ...target, body: 'report' })
    expect(result.action).toBe('created')
    expect(gh.comments(7).map((c) => c.body)).toEqual([`${TAG}\nreport`])
  })

  it('bad credentials name the input github-token and the permission, never the token', async () => {
    const error = await failure(upsertStickyComment(client('ghp_not_a_real_token'), { ...target, body: 'report' }))
    expect(error).toBeInstanceOf(CommentError)
    expect(error).toMatchObject({ status: 401, request: 'GET /user' })
    expect(error.message).toMatch(/GET \/user answered 401 \(Bad credentials\)/)
    expect(error.message).toMatch(/token in input `github-token`: it is invalid, expired or revoked/)
    expect(error.message).toMatch(/`permissions: pull-requests: write`/)
    expect(error.message).not.toMatch(/ghp_not_a_real_token/)
  })

  it('an exhausted rate limit is a CommentError that says so, not a permission error', async () => {
    gh.rateLimitNext(1)
    const limited = createGitHubClient('gha', gh.apiUrl, { retries: 0, rateLimitRetries: 0, paceWrites: false })
    const error = await failure(upsertStickyComment(limited, { ...target, author: 'github-actions[bot]', body: 'report' }))
    expect(error).toBeInstanceOf(CommentError)
    expect(error).not.toBeInstanceOf(CommentPermissionError)
    expect(error.message).toMatch(/answered 403 \(API rate limit exceeded .*used up its GitHub API rate limit/)
  })

  it('a refused update names the update request and the comment', async () => {
    const own = gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nold` })
    gh.failNextMatching('PATCH', /^\/repos\/acme\/analytics\/issues\/comments\/\d+$/, 1, 403, 'Resource not accessible by integration')
    const error = await failure(upsertStickyComment(client('gha'), { ...target, body: 'new' }))
    expect(error).toBeInstanceOf(CommentPermissionError)
    expect(error).toMatchObject({
      status: 403,
      request: `PATCH /repos/acme/analytics/issues/comments/${own.id}`,
      permission: 'pull-requests: write'
    })
    expect(error.message).toMatch(new RegExp(`^Could not update the report comment ${own.id} on pull request #7 of acme/analytics`))
    expect(error).toBeInstanceOf(ActionError)
  })
})

describe('describeGitHubError', () => {
  it('names actions: read for an artifact request with bad credentials', async () => {
    const error = await failure(client('expired').rest.actions.listWorkflowRunArtifacts({ owner: 'acme', repo: 'analytics', run_id: 1 }))
    const message = describeGitHubError(error, { action: 'list the artifacts of run 1', permission: 'actions: read' })
    expect(message).toBe(
      'Could not list the artifacts of run 1: GET /repos/acme/analytics/actions/runs/1/artifacts answered 401 (Bad credentials). ' +
        'GitHub does not accept the token in input `github-token`: it is invalid, expired or revoked. ' +
        'Pass `${{ github.token }}` (the default) or a valid token, and grant the job `permissions: actions: read`.'
    )
  })

  it('says when GitHub could not be reached at all', async () => {
    const closed = createServer()
    await new Promise<void>((ok) => closed.listen(0, '127.0.0.1', ok))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((ok) => closed.close(() => ok()))
    const unreachable = createGitHubClient('gha', `http://127.0.0.1:${port}`, { retries: 1, retryBaseDelayMs: 5, paceWrites: false })
    const error = await failure(unreachable.rest.repos.get({ owner: 'acme', repo: 'analytics' }))
    const message = describeGitHubError(error, { action: 'read the repository', permission: 'contents: read' })
    expect(message).toMatch(
      /^Could not read the repository: GET \/repos\/acme\/analytics got no answer from GitHub \(.+\), also on 1 retry\. Check GITHUB_API_URL/
    )
  })
})

describe('pull request lookups explain their failures', () => {
  it("a server error while listing the branch's pull requests is a GitHubRequestError naming the request", async () => {
    gh.failNextMatching('GET', /^\/repos\/acme\/analytics\/pulls$/, 2, 503, 'Service Unavailable')
    const lookup = findPullRequest(client('gha', 1), { repository: 'acme/analytics', eventName: 'push', payload: {}, branch: 'feature' })
    const error = await failure(lookup)
    expect(error).toBeInstanceOf(GitHubRequestError)
    expect(error).toMatchObject({ status: 503, request: 'GET /repos/acme/analytics/pulls' })
    expect(error.message).toMatch(
      /^Could not list the open pull requests of acme\/analytics whose head is branch feature: GET \/repos\/acme\/analytics\/pulls answered 503 \(Service Unavailable\), also on 1 retry\. /
    )
  })

  it("bad credentials on input pr-number's pull request name github-token", async () => {
    const lookup = findPullRequest(client('nobody'), {
      repository: 'acme/analytics',
      eventName: 'workflow_dispatch',
      payload: {},
      prNumberOverride: 7
    })
    const error = await failure(lookup)
    expect(error).toBeInstanceOf(GitHubRequestError)
    expect(error.message).toMatch(
      /^Could not read pull request #7 of acme\/analytics: GET \/repos\/acme\/analytics\/pulls\/7 answered 401 \(Bad credentials\)\. .*`github-token`.*`permissions: pull-requests: read`/
    )
  })
})
