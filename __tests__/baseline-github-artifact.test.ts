import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { BaselineAuthError, BaselineConfigError } from '../src/baseline/errors.js'
import { createGitHubArtifactSource } from '../src/baseline/github-artifact.js'
import { createFetchedCache, type FetchedCache } from '../src/baseline/fetched-cache.js'
import { MemoryCacheStore } from './fakes/memory-cache-store.js'
import { isBaseline, type Baseline, type SearchReport } from '../src/baseline/types.js'
import { createGitHubClient } from '../src/github/octokit.js'
import type { ArtifactSourceSettings } from '../src/settings.js'
import { FakeGitHub, makeZip, type FakeRun } from './fakes/github-server.js'

const REPO = 'acme/analytics'
const NAME = 'dbt-manifest'
const PROD = 'deploy.yml'
const STAGING = 'deploy-staging.yml'

let gh: FakeGitHub
let work: string
let logged: string[]

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'artifact-source-'))
  logged = []
  await startFake()
})
afterEach(async () => {
  await gh.stop()
  await rm(work, { recursive: true, force: true })
})

async function startFake(options: { pathPrefix?: string; signedUrlTtlMs?: number } = {}): Promise<void> {
  gh = new FakeGitHub(options)
  await gh.start()
  gh.addRepo({ owner: 'acme', repo: 'analytics', defaultBranch: 'main' })
  gh.addToken('gha', { login: 'github-actions[bot]', kind: 'installation' })
}

/** A small manifest with a metadata block; its bytes are what the deploy published. */
function manifestText(generatedAt: string): string {
  return JSON.stringify(
    { metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', generated_at: generatedAt }, nodes: {} },
    null,
    2
  )
}

async function publish(
  run: FakeRun,
  generatedAt: string,
  opts: { name?: string; expired?: boolean | 'on-download'; createdAt?: string; path?: string } = {}
) {
  const zip = await makeZip({ [opts.path ?? 'manifest.json']: manifestText(generatedAt), 'run_results.json': '{}' })
  return gh.addArtifact(run.id, { name: opts.name ?? NAME, zip, expired: opts.expired, createdAt: opts.createdAt })
}

function source(settings: Partial<ArtifactSourceSettings> = {}, token = 'gha', fetched?: FetchedCache) {
  const client = createGitHubClient(token, gh.apiUrl, { retries: 0, paceWrites: false })
  return createGitHubArtifactSource({
    client,
    repository: REPO,
    serverUrl: gh.serverUrl,
    settings: { artifactName: NAME, productionWorkflow: PROD, maxRuns: 20, ...settings },
    log: { info: (m) => logged.push(m), warning: (m) => logged.push(m), debug: (m) => logged.push(m) },
    downloadDir: join(work, 'downloads'),
    fetched
  })
}

const dest = () => join(work, 'state')

function found(result: Baseline | SearchReport): Baseline {
  if (!isBaseline(result)) throw new Error(`expected a baseline, searched:\n${result.searched.join('\n')}`)
  return result
}

function searched(result: Baseline | SearchReport): string[] {
  if (isBaseline(result)) throw new Error(`expected nothing found, got ${result.location}`)
  return result.searched
}

const at = (minute: number) => new Date(Date.parse('2024-07-01T00:00:00Z') + minute * 60_000).toISOString()

describe('github-artifact source', () => {
  it("takes the newest successful deploy run's artifact and writes its manifest byte for byte", async () => {
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) }), 'older')
    const newest = gh.addWorkflowRun({ workflow: PROD, createdAt: at(2), headSha: 'abc1234'.padEnd(40, '0') })
    const artifact = await publish(newest, '2024-07-01T00:02:00Z')
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(3), conclusion: 'failure' }), 'failed')
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(4), branch: 'feature' }), 'feature branch')

    const baseline = found(await source().fetch('production', dest()))
    expect(baseline).toEqual({
      env: 'production',
      source: 'github-artifact',
      runId: String(newest.id),
      runUrl: newest.html_url,
      sha: newest.head_sha,
      generatedAt: '2024-07-01T00:02:00Z',
      identity: `github-artifact:${REPO}:${newest.id}:${artifact.id}`,
      location: `artifact "${NAME}" of workflow ${PROD}, run ${newest.id} on main`,
      manifestPath: join(dest(), 'manifest.json')
    })
    expect(await readFile(baseline.manifestPath, 'utf8')).toBe(manifestText('2024-07-01T00:02:00Z'))
    expect(await readdir(join(work, 'downloads'))).toEqual([])
  })

  it('keeps a fetched baseline in the cache by its identity: a re-run with the same newest deploy downloads nothing', async () => {
    const run = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
    await publish(run, '2024-07-01T00:01:00Z')
    const fetched = createFetchedCache(new MemoryCacheStore(), join(work, 'runner-temp'), {
      info: () => {},
      warning: () => {},
      debug: () => {}
    })
    const first = found(await source({}, 'gha', fetched).fetch('production', dest()))
    const downloads = () => gh.requests.filter((r) => r.host === 'blob').length
    expect(downloads()).toBe(1)

    await rm(dest(), { recursive: true, force: true })
    const second = found(await source({}, 'gha', fetched).fetch('production', dest()))
    expect(downloads()).toBe(1)
    expect(second).toEqual(first)
    expect(await readFile(second.manifestPath, 'utf8')).toBe(manifestText('2024-07-01T00:01:00Z'))

    // A newer deploy is a new identity: downloaded.
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(2) }), '2024-07-01T00:02:00Z')
    const third = found(await source({}, 'gha', fetched).fetch('production', dest()))
    expect(downloads()).toBe(2)
    expect(third.generatedAt).toBe('2024-07-01T00:02:00Z')
  })

  it('asks GitHub for successful runs of the branch, and never sends the token to the blob host', async () => {
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) }), 'good')
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(2) }), 'gone', { expired: 'on-download' })
    found(await source().fetch('production', dest()))

    const runs = gh.requests.find((r) => r.path === `/repos/${REPO}/actions/workflows/${PROD}/runs`)
    expect(runs?.query).toMatchObject({ branch: 'main', status: 'success' })
    const api = gh.requests.filter((r) => r.host === 'api')
    const blob = gh.requests.filter((r) => r.host === 'blob')
    expect(api.length).toBeGreaterThan(3)
    expect(api.every((r) => r.authorization)).toBe(true)
    expect(blob).toHaveLength(1)
    expect(blob[0]).toMatchObject({ method: 'GET', authorization: false, status: 200 })
    expect(api.filter((r) => r.path.endsWith('/zip')).map((r) => r.status)).toEqual([410, 302])
  })

  it('skips pull_request, pull_request_target and merge_group runs', async () => {
    const deploy = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1), event: 'push' })
    await publish(deploy, 'deploy')
    for (const [i, event] of ['pull_request', 'pull_request_target', 'merge_group'].entries()) {
      await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(2 + i), event }), event)
    }
    const baseline = found(await source().fetch('production', dest()))
    expect(baseline.runId).toBe(String(deploy.id))
    expect(baseline.generatedAt).toBe('deploy')
  })

  it("skips a fork's run on a branch named main", async () => {
    const ours = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
    await publish(ours, 'ours')
    const fork = gh.addWorkflowRun({ workflow: PROD, createdAt: at(2), headRepository: 'mallory/analytics' })
    await publish(fork, 'poisoned')
    const baseline = found(await source().fetch('production', dest()))
    expect(baseline.runId).toBe(String(ours.id))
    expect(await readFile(baseline.manifestPath, 'utf8')).toBe(manifestText('ours'))
  })

  it('skips an artifact listed as expired, and one that answers 410, for an older run', async () => {
    const good = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
    await publish(good, 'good')
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(2) }), 'listed expired', { expired: true })
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(3) }), 'expired since', { expired: 'on-download' })
    const baseline = found(await source().fetch('production', dest()))
    expect(baseline.runId).toBe(String(good.id))
    // the listed-expired one is never downloaded
    expect(gh.requests.filter((r) => r.path.endsWith('/zip'))).toHaveLength(2)
  })

  it('skips a zip without manifest.json, and accepts a single nested one', async () => {
    const nested = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
    await publish(nested, 'nested', { path: 'target/manifest.json' })
    const empty = gh.addWorkflowRun({ workflow: PROD, createdAt: at(2) })
    gh.addArtifact(empty.id, { name: NAME, zip: await makeZip({ 'run_results.json': '{}', 'logs/dbt.log': '' }) })
    const baseline = found(await source().fetch('production', dest()))
    expect(baseline.runId).toBe(String(nested.id))
    expect(await readFile(baseline.manifestPath, 'utf8')).toBe(manifestText('nested'))
  })

  it('takes the newest of several same-name artifacts of a rerun run, whatever order they are listed in', async () => {
    const run = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1), runAttempt: 3 })
    await publish(run, 'attempt 2', { createdAt: at(20) })
    const newest = await publish(run, 'attempt 3', { createdAt: at(30) })
    await publish(run, 'attempt 1', { createdAt: at(10) })
    await publish(run, 'other artifact', { name: 'docs', createdAt: at(40) })
    const baseline = found(await source().fetch('production', dest()))
    expect(baseline.generatedAt).toBe('attempt 3')
    expect(baseline.identity).toBe(`github-artifact:${REPO}:${run.id}:${newest.id}`)
    expect(gh.requests.find((r) => r.path.endsWith(`/runs/${run.id}/artifacts`))?.query).toMatchObject({ name: NAME })
  })

  it('pages past the first page of runs', async () => {
    const deploy = gh.addWorkflowRun({ workflow: PROD, createdAt: at(0) })
    await publish(deploy, 'page two')
    for (let i = 1; i <= 100; i++) gh.addWorkflowRun({ workflow: PROD, createdAt: at(i), event: 'pull_request' })
    const baseline = found(await source({ maxRuns: 150 }).fetch('production', dest()))
    expect(baseline.runId).toBe(String(deploy.id))
    const pages = gh.requests.filter((r) => r.path.endsWith(`/workflows/${PROD}/runs`))
    expect(pages.map((r) => [r.query.per_page, r.query.page ?? '1'])).toEqual([
      ['100', '1'],
      ['100', '2']
    ])
  })

  it("reads staging's workflow for staging and production's for production", async () => {
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) }), 'prod')
    await publish(gh.addWorkflowRun({ workflow: STAGING, createdAt: at(2) }), 'staging')
    const both = source({ stagingWorkflow: STAGING })
    expect(await both.stagingConfigured()).toBe(true)
    expect(found(await both.fetch('staging', join(work, 'stg'))).generatedAt).toBe('staging')
    expect(found(await both.fetch('production', join(work, 'prd'))).generatedAt).toBe('prod')
    expect(await readFile(join(work, 'stg', 'manifest.json'), 'utf8')).toBe(manifestText('staging'))
    expect(await readFile(join(work, 'prd', 'manifest.json'), 'utf8')).toBe(manifestText('prod'))
  })

  it('names the input of a workflow that is not configured or does not exist', async () => {
    const prodOnly = source()
    expect(await prodOnly.stagingConfigured()).toBe(false)
    await expect(prodOnly.fetch('staging', dest())).rejects.toThrow(/Input staging-workflow is empty/)
    await expect(prodOnly.fetch('staging', dest())).rejects.toBeInstanceOf(BaselineConfigError)
    await expect(source({ productionWorkflow: undefined }).fetch('production', dest())).rejects.toMatchObject({
      input: 'production-workflow'
    })
    const missing = source({ productionWorkflow: 'deploi.yml' }).fetch('production', dest())
    await expect(missing).rejects.toThrow(/Input production-workflow is 'deploi.yml', but acme\/analytics has no such workflow/)
  })

  it('examines at most maxRuns runs', async () => {
    const deploy = gh.addWorkflowRun({ workflow: PROD, createdAt: at(0) })
    await publish(deploy, 'fourth')
    for (let i = 1; i <= 3; i++) gh.addWorkflowRun({ workflow: PROD, createdAt: at(i) })
    const lines = searched(await source({ maxRuns: 3 }).fetch('production', dest()))
    expect(lines).toHaveLength(4)
    expect(lines.slice(0, 3).every((l) => l.includes(`no artifact named "${NAME}"`))).toBe(true)
    expect(lines[3]).toBe('stopped after 3 runs (input max-runs-searched); raise it to look further back')
    expect(gh.requests.filter((r) => r.path.endsWith('/artifacts'))).toHaveLength(3)
    expect(found(await source({ maxRuns: 4 }).fetch('production', dest())).runId).toBe(String(deploy.id))
  })

  it('lists what it passed over, and why, when nothing is usable', async () => {
    const ci = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1), event: 'pull_request' })
    const fork = gh.addWorkflowRun({ workflow: PROD, createdAt: at(2), headRepository: 'mallory/analytics' })
    const expired = gh.addWorkflowRun({ workflow: PROD, createdAt: at(3) })
    await publish(expired, 'x', { expired: true })
    const gone = gh.addWorkflowRun({ workflow: PROD, createdAt: at(4) })
    await publish(gone, 'x', { expired: 'on-download' })
    const empty = gh.addWorkflowRun({ workflow: PROD, createdAt: at(5) })
    gh.addArtifact(empty.id, { name: NAME, zip: await makeZip({ 'readme.txt': 'no manifest here' }) })
    const none = gh.addWorkflowRun({ workflow: PROD, createdAt: at(6) })

    const lines = searched(await source().fetch('production', dest()))
    expect(lines).toHaveLength(6)
    expect(lines[0]).toMatch(new RegExp(`^run ${none.id} .*: it has no artifact named "${NAME}"`))
    expect(lines[1]).toMatch(new RegExp(`^run ${empty.id} .*holds no manifest.json \\(it has readme.txt\\)`))
    expect(lines[2]).toMatch(new RegExp(`^run ${gone.id} .*has expired .*HTTP 410`))
    expect(lines[3]).toMatch(new RegExp(`^run ${expired.id} .*has expired`))
    expect(lines[4]).toMatch(new RegExp(`^run ${fork.id} .*skipped, it ran on a branch of mallory/analytics \\(a fork\\)`))
    expect(lines[5]).toMatch(new RegExp(`^run ${ci.id} .*skipped, it was triggered by pull_request, a CI event`))
  })

  it('says so when the workflow has no successful run at all', async () => {
    gh.addWorkflowRun({ workflow: PROD, createdAt: at(1), conclusion: 'failure' })
    const lines = searched(await source().fetch('production', dest()))
    expect(lines).toEqual([
      `workflow ${PROD} has no successful run on branch main of ${REPO} (${gh.serverUrl}/${REPO}/actions/workflows/${PROD})`
    ])
  })

  it("uses the repository's default branch unless baseline-branch is set", async () => {
    await gh.stop()
    gh = new FakeGitHub()
    await gh.start()
    gh.addRepo({ owner: 'acme', repo: 'analytics', defaultBranch: 'trunk' })
    gh.addToken('gha', { login: 'github-actions[bot]', kind: 'installation' })
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(1), branch: 'trunk' }), 'trunk')
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(2), branch: 'release' }), 'release')
    expect(found(await source().fetch('production', dest())).generatedAt).toBe('trunk')
    expect(found(await source({ branch: 'release' }).fetch('production', dest())).generatedAt).toBe('release')
  })

  it('works under a GitHub Enterprise Server style /api/v3 base URL', async () => {
    await gh.stop()
    await startFake({ pathPrefix: '/api/v3' })
    expect(gh.apiUrl).toMatch(/\/api\/v3$/)
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) }), 'ghes')
    expect(found(await source().fetch('production', dest())).generatedAt).toBe('ghes')
  })

  it('names the actions: read permission when the token may not read workflow runs or artifacts', async () => {
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) }), 'x')
    gh.addToken('no-actions', { login: 'github-actions[bot]', kind: 'installation', deny: /\/actions\// })
    const attempt = source({}, 'no-actions').fetch('production', dest())
    await expect(attempt).rejects.toBeInstanceOf(BaselineAuthError)
    await expect(attempt).rejects.toThrow(
      /may not list the runs of workflow deploy.yml \(GitHub answered 403: Resource not accessible by integration.*permissions: actions: read/
    )
    gh.addToken('no-downloads', { login: 'github-actions[bot]', kind: 'installation', deny: /\/zip$/ })
    await expect(source({}, 'no-downloads').fetch('production', dest())).rejects.toMatchObject({ status: 403, input: 'github-token' })
  })

  it('fails with the HTTP status when the signed download link is refused', async () => {
    await gh.stop()
    await startFake({ signedUrlTtlMs: -1000 })
    await publish(gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) }), 'late')
    await expect(source().fetch('production', dest())).rejects.toThrow(
      /Downloading artifact \d+ from 127\.0\.0\.1:\d+ failed with HTTP 403/
    )
    expect(gh.requests.filter((r) => r.host === 'blob').every((r) => !r.authorization)).toBe(true)
    expect(await readdir(join(work, 'downloads'))).toEqual([])
  })
})
