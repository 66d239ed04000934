import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createGitHubClient } from '../src/github/octokit.js'
import { FakeGitHub } from './fakes/github-server.js'

let gh: FakeGitHub
let warnings: string[]
const log = { info: () => {}, debug: () => {}, warning: (m: string) => void warnings.push(m) }

beforeEach(async () => {
  warnings = []
  gh = new FakeGitHub({ pathPrefix: '/api/v3' })
  await gh.start()
  gh.addRepo({ owner: 'acme', repo: 'analytics', defaultBranch: 'trunk' })
  gh.addToken('pat', { login: 'data-bot', kind: 'user' })
})
afterEach(async () => {
  await gh.stop()
})

describe('createGitHubClient', () => {
  it('talks to the given API base URL (trailing slash or not) with the token', async () => {
    const client = createGitHubClient('pat', `${gh.apiUrl}/`, { log })
    const { data } = await client.rest.repos.get({ owner: 'acme', repo: 'analytics' })
    expect(data.default_branch).toBe('trunk')
    expect(gh.requests).toEqual([expect.objectContaining({ host: 'api', path: '/repos/acme/analytics', authorization: true, status: 200 })])
  })

  it('retries a rate-limited request after the reset and warns about it', async () => {
    gh.rateLimitNext(1)
    const client = createGitHubClient('pat', gh.apiUrl, { log })
    const { data } = await client.rest.users.getAuthenticated()
    expect(data.login).toBe('data-bot')
    expect(gh.requests.map((r) => r.status)).toEqual([403, 200])
    expect(warnings).toEqual([expect.stringMatching(/GitHub primary rate limit hit by GET .*\/user; retrying in \d+ s \(retry 1 of 2\)/)])
  })

  it('gives up after the bounded number of rate-limit retries', async () => {
    gh.rateLimitNext(5)
    const client = createGitHubClient('pat', gh.apiUrl, { log, rateLimitRetries: 1 })
    await expect(client.rest.users.getAuthenticated()).rejects.toMatchObject({ status: 403 })
    expect(gh.requests).toHaveLength(2)
    expect(warnings.at(-1)).toMatch(/giving up on this request/)
  })

  it('retries a server error', async () => {
    gh.failNext(1, 502)
    const client = createGitHubClient('pat', gh.apiUrl, { log, retries: 1 })
    const { data } = await client.rest.repos.get({ owner: 'acme', repo: 'analytics' })
    expect(data.full_name).toBe('acme/analytics')
    expect(gh.requests.map((r) => r.status)).toEqual([502, 200])
  })

  it('backs off by the given base delay between retries, n² times it before retry n', async () => {
    gh.failNext(2, 503)
    const client = createGitHubClient('pat', gh.apiUrl, { log, retries: 2, retryBaseDelayMs: 200 })
    const started = Date.now()
    await client.rest.repos.get({ owner: 'acme', repo: 'analytics' })
    const waited = Date.now() - started
    expect(gh.requests.map((r) => r.status)).toEqual([503, 503, 200])
    // 200 ms before the first retry, 800 ms before the second; the default would be 5 s
    expect(waited).toBeGreaterThanOrEqual(950)
    expect(waited).toBeLessThan(4000)
  })

  it('does not retry a client error', async () => {
    const client = createGitHubClient('nobody', gh.apiUrl, { log, retries: 2 })
    await expect(client.rest.repos.get({ owner: 'acme', repo: 'analytics' })).rejects.toMatchObject({ status: 401 })
    expect(gh.requests).toHaveLength(1)
  })

  it('asks for a token, naming the input, when none is given', () => {
    expect(() => createGitHubClient('', gh.apiUrl)).toThrow(/No GitHub token was given \(input `github-token`\)/)
  })
})
