import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { GitHubInputError } from '../src/github/errors.js'
import { createGitHubClient } from '../src/github/octokit.js'
import { findPullRequest, parseRepository } from '../src/github/pull-request.js'
import { FakeGitHub } from './fakes/github-server.js'

let gh: FakeGitHub
beforeAll(async () => {
  gh = new FakeGitHub()
  await gh.start()
  gh.addRepo({ owner: 'acme', repo: 'analytics' })
  gh.addToken('gha', { login: 'github-actions[bot]', kind: 'installation' })
  gh.addPullRequest({ number: 11, headRef: 'feature-x', state: 'closed', headSha: 'c'.repeat(40) })
  gh.addPullRequest({ number: 12, headRef: 'feature-x', headRepo: 'forker/analytics', headSha: 'f'.repeat(40) })
  gh.addPullRequest({ number: 13, headRef: 'feature-x', headSha: 'a'.repeat(40), baseRef: 'main' })
  gh.addPullRequest({ number: 42, headRef: 'other', headSha: '4'.repeat(40), baseRef: 'release' })
})
afterAll(async () => {
  await gh.stop()
})

const client = () => createGitHubClient('gha', gh.apiUrl, { retries: 0, paceWrites: false })
const apiCalls = () => gh.requests.length

/** A pull_request payload as the runner writes it (the fields used). */
function prPayload(number: number, headRepo: string | null, baseRepo = 'acme/analytics') {
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      html_url: `https://github.example/${baseRepo}/pull/${number}`,
      head: { ref: 'feature-y', sha: '9'.repeat(40), repo: headRepo === null ? null : { full_name: headRepo } },
      base: { ref: 'main', sha: '0'.repeat(40), repo: { full_name: baseRepo } }
    },
    repository: { full_name: baseRepo }
  }
}

describe('parseRepository', () => {
  it('splits owner/repo', () => {
    expect(parseRepository('acme/analytics')).toEqual({ owner: 'acme', repo: 'analytics' })
    expect(parseRepository('a-b.c/d_e.f')).toEqual({ owner: 'a-b.c', repo: 'd_e.f' })
  })

  it.each(['', 'analytics', 'acme/', '/analytics', 'acme/analytics/extra', 'acme/ana lytics', 'acme/..'])(
    'refuses %p naming the accepted form',
    (value) => {
      expect(() => parseRepository(value)).toThrow(GitHubInputError)
      expect(() => parseRepository(value)).toThrow(`Invalid repository '${value}'. Expected format {owner}/{repo}`)
    }
  )
})

describe('findPullRequest', () => {
  it('takes a pull_request event from its payload without calling the API', async () => {
    const before = apiCalls()
    const found = await findPullRequest(client(), {
      repository: 'acme/analytics',
      eventName: 'pull_request',
      payload: prPayload(5, 'acme/analytics')
    })
    expect(found.pr).toEqual({
      number: 5,
      headSha: '9'.repeat(40),
      headRef: 'feature-y',
      baseRef: 'main',
      url: 'https://github.example/acme/analytics/pull/5',
      fromFork: false
    })
    expect(found.reason).toBe('pull request #5 of the pull_request event')
    expect(apiCalls()).toBe(before)
  })

  it('marks a pull request from a fork, and one from a deleted fork', async () => {
    const fork = await findPullRequest(client(), {
      repository: 'acme/analytics',
      eventName: 'pull_request_target',
      payload: prPayload(6, 'forker/analytics')
    })
    expect(fork.pr).toMatchObject({ number: 6, fromFork: true })
    const gone = await findPullRequest(client(), { repository: 'acme/analytics', eventName: 'pull_request', payload: prPayload(7, null) })
    expect(gone.pr).toMatchObject({ number: 7, fromFork: true })
  })

  it('goes by the payload shape: a reusable workflow sees its caller pull request', async () => {
    const found = await findPullRequest(client(), {
      repository: 'acme/analytics',
      eventName: 'workflow_call',
      payload: prPayload(8, 'acme/analytics'),
      branch: 'feature-x'
    })
    expect(found.pr?.number).toBe(8)
  })

  it('finds the open pull request of the branch on workflow_dispatch, ignoring closed and fork ones', async () => {
    const found = await findPullRequest(client(), {
      repository: 'acme/analytics',
      eventName: 'workflow_dispatch',
      payload: { inputs: {} },
      branch: 'feature-x'
    })
    expect(found.pr).toMatchObject({ number: 13, headRef: 'feature-x', headSha: 'a'.repeat(40), baseRef: 'main', fromFork: false })
    expect(found.pr?.url).toBe(`${gh.serverUrl}/acme/analytics/pull/13`)
    expect(found.reason).toBe('open pull request #13 has head branch feature-x')
    const asked = gh.requests.filter((r) => r.path === '/repos/acme/analytics/pulls').at(-1)
    expect(asked?.query).toMatchObject({ head: 'acme:feature-x', state: 'open' })
  })

  it('says why there is none when no open pull request has the branch', async () => {
    const found = await findPullRequest(client(), {
      repository: 'acme/analytics',
      eventName: 'push',
      payload: { ref: 'refs/heads/lonely' },
      branch: 'lonely'
    })
    expect(found.pr).toBeUndefined()
    expect(found.reason).toBe('no open pull request has head branch lonely; the report goes to the job summary only')
  })

  it('says why there is none when the branch is unknown', async () => {
    const found = await findPullRequest(client(), { repository: 'acme/analytics', eventName: 'schedule', payload: {} })
    expect(found.pr).toBeUndefined()
    expect(found.reason).toMatch(/schedule event carries no pull request.*job summary only.*pr-number/)
  })

  it('lets input pr-number win and fetches that pull request', async () => {
    const found = await findPullRequest(client(), {
      repository: 'acme/analytics',
      eventName: 'pull_request',
      payload: prPayload(5, 'acme/analytics'),
      prNumberOverride: 42
    })
    expect(found.pr).toMatchObject({ number: 42, headRef: 'other', headSha: '4'.repeat(40), baseRef: 'release', fromFork: false })
    expect(found.reason).toBe('pull request #42 from input pr-number')
  })

  it('names input pr-number when it points at no pull request', async () => {
    const attempt = findPullRequest(client(), {
      repository: 'acme/analytics',
      eventName: 'workflow_dispatch',
      payload: {},
      prNumberOverride: 999
    })
    await expect(attempt).rejects.toBeInstanceOf(GitHubInputError)
    await expect(attempt).rejects.toThrow(/Input pr-number is 999, but acme\/analytics has no pull request #999/)
  })

  it('follows an issue_comment on a pull request to that pull request', async () => {
    const found = await findPullRequest(client(), {
      repository: 'acme/analytics',
      eventName: 'issue_comment',
      payload: { issue: { number: 12, pull_request: { url: 'x' } }, comment: { body: '/dbt' } }
    })
    expect(found.pr).toMatchObject({ number: 12, fromFork: true, headRef: 'feature-x' })
  })
})
