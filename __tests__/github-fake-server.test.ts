/** The fake GitHub itself: other tests trust it, so its GitHub-like behaviour is pinned here. */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { FakeGitHub, makeZip } from './fakes/github-server.js'

let gh: FakeGitHub
let zip: Buffer
let runIds: number[]
let artifactId: number

beforeAll(async () => {
  gh = new FakeGitHub()
  await gh.start()
  gh.addRepo({ owner: 'acme', repo: 'analytics' })
  gh.addToken('pat', { login: 'data-bot', kind: 'user' })
  gh.addToken('gha', { login: 'github-actions[bot]', kind: 'installation' })
  gh.addToken('ro', { login: 'github-actions[bot]', kind: 'installation', readOnly: true })
  runIds = []
  for (let i = 0; i < 5; i++) runIds.push(gh.addWorkflowRun({ workflow: 'deploy.yml', createdAt: `2024-01-0${i + 1}T00:00:00Z` }).id)
  gh.addWorkflowRun({ workflow: 'deploy.yml', event: 'pull_request', branch: 'feature' })
  gh.addWorkflowRun({ workflow: 'deploy.yml', conclusion: 'failure' })
  zip = await makeZip({ 'manifest.json': '{}' })
  artifactId = gh.addArtifact(runIds[0], { name: 'dbt-manifest', zip }).id
  gh.addPullRequest({ number: 3, headRef: 'feature' })
})
afterAll(async () => {
  await gh.stop()
})

const get = (path: string, token = 'pat', init: RequestInit = {}) =>
  fetch(`${gh.apiUrl}${path}`, { redirect: 'manual', ...init, headers: { authorization: `token ${token}`, ...(init.headers ?? {}) } })

describe('FakeGitHub', () => {
  it('lists runs newest first with filters and Link pagination', async () => {
    const res = await get('/repos/acme/analytics/actions/workflows/deploy.yml/runs?branch=main&status=success&per_page=2')
    const body = (await res.json()) as { total_count: number; workflow_runs: { id: number; head_repository: { full_name: string } }[] }
    expect(body.total_count).toBe(5)
    expect(body.workflow_runs.map((r) => r.id)).toEqual([runIds[4], runIds[3]])
    expect(body.workflow_runs[0].head_repository.full_name).toBe('acme/analytics')
    const link = res.headers.get('link') ?? ''
    expect(link).toContain(
      `<${gh.apiUrl}/repos/acme/analytics/actions/workflows/deploy.yml/runs?branch=main&status=success&per_page=2&page=2>; rel="next"`
    )
    expect(link).toContain('page=3>; rel="last"')
    const last = await get('/repos/acme/analytics/actions/workflows/deploy.yml/runs?branch=main&status=success&per_page=2&page=3')
    expect(((await last.json()) as { workflow_runs: unknown[] }).workflow_runs).toHaveLength(1)
    expect(last.headers.get('link')).toContain('rel="prev"')
    expect(last.headers.get('link')).not.toContain('rel="next"')
  })

  it('answers 404 for an unknown workflow or repository', async () => {
    expect((await get('/repos/acme/analytics/actions/workflows/nope.yml/runs')).status).toBe(404)
    expect((await get('/repos/acme/other')).status).toBe(404)
  })

  it('redirects an artifact download to a signed blob URL that refuses Authorization', async () => {
    const res = await get(`/repos/acme/analytics/actions/artifacts/${artifactId}/zip`)
    expect(res.status).toBe(302)
    const location = res.headers.get('location') as string
    expect(location.startsWith(gh.blobUrl)).toBe(true)
    const withAuth = await fetch(location, { headers: { authorization: 'token pat' } })
    expect(withAuth.status).toBe(400)
    expect(await withAuth.text()).toContain('<Code>InvalidAuthenticationInfo</Code>')
    const tampered = await fetch(location.replace(/sig=[0-9a-f]/, 'sig=z'))
    expect(tampered.status).toBe(403)
    const plain = await fetch(location)
    expect(plain.status).toBe(200)
    expect(Buffer.from(await plain.arrayBuffer()).equals(zip)).toBe(true)
    expect(gh.requests.filter((r) => r.host === 'blob').map((r) => [r.authorization, r.status])).toEqual([
      [true, 400],
      [false, 403],
      [false, 200]
    ])
  })

  it('authenticates like GitHub: unknown token 401, installation /user 403, read-only writes 403', async () => {
    const bad = await get('/user', 'nope')
    expect(bad.status).toBe(401)
    expect(await bad.json()).toMatchObject({ message: 'Bad credentials' })
    expect((await fetch(`${gh.apiUrl}/user`)).status).toBe(401)
    expect(await (await get('/user', 'pat')).json()).toMatchObject({ login: 'data-bot' })
    const inst = await get('/user', 'gha')
    expect(inst.status).toBe(403)
    expect(await inst.json()).toMatchObject({ message: 'Resource not accessible by integration', status: '403' })
    const post = (token: string) =>
      get('/repos/acme/analytics/issues/3/comments', token, {
        method: 'POST',
        body: JSON.stringify({ body: 'hi' }),
        headers: { 'content-type': 'application/json' }
      })
    const refused = await post('ro')
    expect(refused.status).toBe(403)
    expect(await refused.json()).toMatchObject({ message: 'Resource not accessible by integration', status: '403' })
    expect((await post('gha')).status).toBe(201)
    expect(gh.comments(3).map((c) => [c.user.login, c.user.type, c.body])).toEqual([['github-actions[bot]', 'Bot', 'hi']])
  })

  it('lets only the author edit a comment', async () => {
    const theirs = gh.addComment({ issueNumber: 3, login: 'someone', body: 'original' })
    const patch = await get(`/repos/acme/analytics/issues/comments/${theirs.id}`, 'pat', {
      method: 'PATCH',
      body: JSON.stringify({ body: 'edited' })
    })
    expect(patch.status).toBe(403)
    expect(gh.comments(3).find((c) => c.id === theirs.id)?.body).toBe('original')
  })

  it('filters pull requests by head owner:branch and state', async () => {
    const open = (await (await get('/repos/acme/analytics/pulls?head=acme:feature&state=open')).json()) as { number: number }[]
    expect(open.map((p) => p.number)).toEqual([3])
    expect(await (await get('/repos/acme/analytics/pulls?head=other:feature')).json()).toEqual([])
    expect(await (await get('/repos/acme/analytics/pulls?state=closed')).json()).toEqual([])
  })
})
