import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { CommentPermissionError } from '../src/github/errors.js'
import { createGitHubClient } from '../src/github/octokit.js'
import { markerComment, upsertStickyComment } from '../src/github/sticky-comment.js'
import { fakeRepoWithPullRequest, FakeGitHub } from './fakes/github-server.js'

const MARKER = 'dbt-defer-action:jaffle_shop'
const TAG = '<!-- dbt-defer-action:jaffle_shop -->'
const target = { owner: 'acme', repo: 'analytics', issueNumber: 7, marker: MARKER }

let gh: FakeGitHub
beforeEach(async () => {
  gh = await fakeRepoWithPullRequest()
  gh.addToken('pat', { login: 'data-bot', kind: 'user' })
  gh.addToken('fork', { login: 'github-actions[bot]', kind: 'installation', readOnly: true })
})
afterEach(async () => {
  await gh.stop()
})

const client = (token: string) => createGitHubClient(token, gh.apiUrl, { retries: 0, paceWrites: false })

describe('markerComment', () => {
  it('is a hidden HTML comment and refuses markers that would break out of it', () => {
    expect(markerComment(MARKER)).toBe(TAG)
    expect(() => markerComment('a -- b')).toThrow(/Invalid comment marker/)
    expect(() => markerComment('x>')).toThrow(/Invalid comment marker/)
    expect(() => markerComment(' ')).toThrow(/Invalid comment marker/)
  })
})

describe('upsertStickyComment', () => {
  it('creates the comment with the hidden marker on the first call', async () => {
    const result = await upsertStickyComment(client('gha'), { ...target, body: '## Report\nfirst' })
    const held = gh.comments(7)
    expect(held).toHaveLength(1)
    expect(held[0].body).toBe(`${TAG}\n## Report\nfirst`)
    expect(held[0].user.login).toBe('github-actions[bot]')
    expect(result).toEqual({ id: held[0].id, url: held[0].html_url, action: 'created' })
  })

  it('updates the same comment in place on the next call', async () => {
    const first = await upsertStickyComment(client('gha'), { ...target, body: 'first' })
    const second = await upsertStickyComment(client('gha'), { ...target, body: 'second' })
    const held = gh.comments(7)
    expect(held).toHaveLength(1)
    expect(held[0].body).toBe(`${TAG}\nsecond`)
    expect(second).toEqual({ id: first.id, url: held[0].html_url, action: 'updated' })
  })

  it('keeps a body that already carries the marker as it is', async () => {
    await upsertStickyComment(client('gha'), { ...target, body: `intro\n${TAG}\nrest` })
    expect(gh.comments(7)[0].body).toBe(`intro\n${TAG}\nrest`)
  })

  it('ignores the marker in a comment of another user and leaves that comment untouched', async () => {
    const pasted = gh.addComment({ issueNumber: 7, login: 'mallory', body: `quoting: ${TAG} old report` })
    const result = await upsertStickyComment(client('gha'), { ...target, body: 'fresh' })
    const held = gh.comments(7)
    expect(result.action).toBe('created')
    expect(held).toHaveLength(2)
    expect(held.find((c) => c.id === pasted.id)?.body).toBe(`quoting: ${TAG} old report`)
    expect(held.find((c) => c.id === result.id)?.body).toBe(`${TAG}\nfresh`)
  })

  it('does not take the comment of another project (a different marker)', async () => {
    gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: '<!-- dbt-defer-action:jaffle_shop_v2 -->\nother' })
    const result = await upsertStickyComment(client('gha'), { ...target, body: 'mine' })
    expect(result.action).toBe('created')
    expect(gh.comments(7).map((c) => c.body)).toEqual(['<!-- dbt-defer-action:jaffle_shop_v2 -->\nother', `${TAG}\nmine`])
  })

  it('finds its comment on the second page of more than 100 comments', async () => {
    for (let i = 0; i < 120; i++) gh.addComment({ issueNumber: 7, login: `user${i % 5}`, body: `chatter ${i}` })
    const ours = gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nold report` })
    for (let i = 0; i < 30; i++) gh.addComment({ issueNumber: 7, login: 'user1', body: `later ${i}` })
    const result = await upsertStickyComment(client('gha'), { ...target, body: 'new report' })
    expect(result).toMatchObject({ id: ours.id, action: 'updated' })
    const held = gh.comments(7)
    expect(held).toHaveLength(151)
    expect(held.find((c) => c.id === ours.id)?.body).toBe(`${TAG}\nnew report`)
    const pages = gh.requests.filter((r) => r.method === 'GET' && r.path.endsWith('/issues/7/comments'))
    expect(pages.map((r) => [r.query.per_page, r.query.page ?? '1'])).toEqual([
      ['100', '1'],
      ['100', '2']
    ])
  })

  it('keeps the oldest of several of its own comments, with the new body, and deletes the later ones', async () => {
    const older = gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nv1` })
    gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nv2` })
    const result = await upsertStickyComment(client('gha'), { ...target, body: 'v3' })
    expect(result).toMatchObject({ id: older.id, action: 'updated' })
    expect(gh.comments(7).map((c) => [c.id, c.body])).toEqual([[older.id, `${TAG}\nv3`]])
  })

  it('writes as github-actions[bot] when GET /user is refused to an installation token', async () => {
    const existing = gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nfrom the last push` })
    const result = await upsertStickyComment(client('gha'), { ...target, body: 'this push' })
    expect(result).toMatchObject({ id: existing.id, action: 'updated' })
    expect(gh.requests.some((r) => r.path === '/user' && r.status === 403)).toBe(true)
  })

  it("with a personal token, takes the token's own login as the author", async () => {
    gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nbot's report` })
    const mine = gh.addComment({ issueNumber: 7, login: 'data-bot', body: `${TAG}\nmy report` })
    const result = await upsertStickyComment(client('pat'), { ...target, body: 'updated by PAT' })
    expect(result).toMatchObject({ id: mine.id, action: 'updated' })
    expect(gh.comments(7).map((c) => c.body)).toEqual([`${TAG}\nbot's report`, `${TAG}\nupdated by PAT`])
  })

  it('uses an explicit author instead of asking GET /user', async () => {
    gh.addToken('app', { login: 'dbt-ci-app[bot]', kind: 'installation' })
    const own = gh.addComment({ issueNumber: 7, login: 'dbt-ci-app[bot]', body: `${TAG}\nprevious` })
    const result = await upsertStickyComment(client('app'), { ...target, body: 'next', author: 'dbt-ci-app[bot]' })
    expect(result).toMatchObject({ id: own.id, action: 'updated' })
    expect(gh.requests.some((r) => r.path === '/user')).toBe(false)
  })

  it('turns the 403 of a fork pull request into CommentPermissionError naming pull-requests: write', async () => {
    const attempt = upsertStickyComment(client('fork'), { ...target, body: 'report' })
    await expect(attempt).rejects.toBeInstanceOf(CommentPermissionError)
    const error = (await attempt.catch((e) => e)) as CommentPermissionError
    expect(error.permission).toBe('pull-requests: write')
    expect(error.status).toBe(403)
    expect(error.message).toMatch(/pull-requests: write/)
    expect(error.message).toMatch(/fork/)
    expect(error.message).toMatch(/job summary/)
    expect(gh.comments(7)).toHaveLength(0)
  })

  it('names issues: write when the number is an issue', async () => {
    gh.addIssue(9)
    const attempt = upsertStickyComment(client('fork'), { ...target, issueNumber: 9, kind: 'issue', body: 'x' })
    await expect(attempt).rejects.toMatchObject({ permission: 'issues: write', status: 403 })
  })

  it('turns a 404 (no such pull request) into CommentPermissionError', async () => {
    const attempt = upsertStickyComment(client('gha'), { ...target, issueNumber: 404, body: 'x' })
    await expect(attempt).rejects.toBeInstanceOf(CommentPermissionError)
    await expect(attempt).rejects.toMatchObject({ status: 404, message: expect.stringMatching(/pr-number/) })
  })

  it('refuses a body over 65,536 characters before sending anything', async () => {
    const before = gh.requests.length
    await expect(upsertStickyComment(client('gha'), { ...target, body: 'x'.repeat(65536) })).rejects.toThrow(/over GitHub's limit of 65536/)
    expect(gh.requests.length).toBe(before)
    // exactly at the limit, marker included, it goes through
    const fits = 'y'.repeat(65536 - TAG.length - 1)
    await expect(upsertStickyComment(client('gha'), { ...target, body: fits })).resolves.toMatchObject({ action: 'created' })
    expect(gh.comments(7)[0].body).toHaveLength(65536)
  })
})

/** Holds every caller until `count` of them wait, then lets them all go at once. */
function gate(count: number): () => Promise<void> {
  let open: () => void = () => {}
  const opened = new Promise<void>((resolve) => (open = resolve))
  let waiting = 0
  return () => {
    if (++waiting >= count) open()
    return opened
  }
}

/** Comments of the fake that count as the action's report: by the bot, with the marker. */
const stickies = () => gh.comments(7).filter((c) => c.user.login === 'github-actions[bot]' && c.body.includes(TAG))

describe('upsertStickyComment when runs of one pull request overlap', () => {
  it("converges on the other run's older comment when it lands between the list and the create", async () => {
    const pasted = gh.addComment({ issueNumber: 7, login: 'mallory', body: `quoting ${TAG}` })
    let other = { id: 0 }
    gh.beforeNext('POST', /^\/repos\/acme\/analytics\/issues\/7\/comments$/, () => {
      other = gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nfrom the other run` })
    })
    const result = await upsertStickyComment(client('gha'), { ...target, body: 'from this run' })
    expect(other.id).toBeGreaterThan(0)
    expect(stickies().map((c) => [c.id, c.body])).toEqual([[other.id, `${TAG}\nfrom this run`]])
    expect(result).toMatchObject({ id: other.id, action: 'updated' })
    expect(gh.comments(7).find((c) => c.id === pasted.id)?.body).toBe(`quoting ${TAG}`)
    expect(gh.comments(7)).toHaveLength(2)
  })

  it('two upserts that both find no comment end with exactly one, holding the body posted last', async () => {
    const bothListed = gate(2)
    const racing = () => {
      const c = client('gha')
      c.hook.before('request', async (options) => {
        if (options.method === 'GET' && /\/comments$/.test(options.url)) await bothListed()
      })
      return c
    }
    const results = await Promise.all([
      upsertStickyComment(racing(), { ...target, body: 'run one' }),
      upsertStickyComment(racing(), { ...target, body: 'run two' })
    ])
    // the race under test: both runs found no comment and both created one
    expect(gh.requests.filter((r) => r.method === 'POST' && r.status === 201)).toHaveLength(2)
    const held = stickies()
    expect(held).toHaveLength(1)
    expect(results.map((r) => r.id)).toEqual([held[0].id, held[0].id])
    expect(results.map((r) => r.action).sort()).toEqual(['created', 'updated'])
    const last = results[0].action === 'updated' ? 'run one' : 'run two'
    expect(held[0].body).toBe(`${TAG}\n${last}`)
  })

  it('reduces a duplicate it may not delete to one line, without the marker, pointing at the report', async () => {
    gh.refuseCommentDeletes()
    const older = gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nv1` })
    const newer = gh.addComment({ issueNumber: 7, login: 'github-actions[bot]', body: `${TAG}\nv2` })
    const result = await upsertStickyComment(client('gha'), { ...target, body: 'v3' })
    expect(stickies().map((c) => [c.id, c.body])).toEqual([[older.id, `${TAG}\nv3`]])
    expect(gh.comments(7).find((c) => c.id === newer.id)?.body).toBe(`This report was superseded by ${result.url}.`)
  })
})
