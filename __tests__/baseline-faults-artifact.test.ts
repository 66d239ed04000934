import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HttpOptions } from '../src/baseline/download.js'
import { BaselineAuthError, BaselineServiceError } from '../src/baseline/errors.js'
import { createGitHubArtifactSource } from '../src/baseline/github-artifact.js'
import { isBaseline, type Baseline, type SearchReport } from '../src/baseline/types.js'
import { createGitHubClient } from '../src/github/octokit.js'
import { recordingLogger } from './fakes/baseline-fixtures.js'
import { FakeGitHub, makeZip, type FakeRun } from './fakes/github-server.js'

// The github-artifact source against the fake GitHub (API and blob host on 127.0.0.1) when
// artifacts are corrupt, the blob host fails once, the API stalls or errs, or the token is bad.

const REPO = 'acme/analytics'
const NAME = 'dbt-manifest'
const PROD = 'deploy.yml'
const fast: HttpOptions = { retryDelayMs: 10, connectTimeoutMs: 500, idleTimeoutMs: 300, downloadTimeoutMs: 5_000 }

let gh: FakeGitHub
let work: string
let log: ReturnType<typeof recordingLogger>

beforeEach(async () => {
  work = await mkdtemp(join(tmpdir(), 'artifact-faults-'))
  log = recordingLogger()
  gh = new FakeGitHub()
  await gh.start()
  gh.addRepo({ owner: 'acme', repo: 'analytics', defaultBranch: 'main' })
  gh.addToken('gha', { login: 'github-actions[bot]', kind: 'installation' })
})
afterEach(async () => {
  await gh.stop()
  await rm(work, { recursive: true, force: true })
})

const at = (minute: number) => new Date(Date.parse('2024-07-01T00:00:00Z') + minute * 60_000).toISOString()

function manifestText(generatedAt: string): string {
  return JSON.stringify({
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', generated_at: generatedAt },
    nodes: {}
  })
}

async function goodZip(generatedAt: string): Promise<Buffer> {
  return makeZip({ 'manifest.json': manifestText(generatedAt) })
}

function source(opts: { token?: string; clientRetries?: number; http?: HttpOptions } = {}) {
  const client = createGitHubClient(opts.token ?? 'gha', gh.apiUrl, { retries: opts.clientRetries ?? 0, paceWrites: false })
  return createGitHubArtifactSource({
    client,
    repository: REPO,
    serverUrl: gh.serverUrl,
    settings: { artifactName: NAME, productionWorkflow: PROD, branch: 'main', maxRuns: 20 },
    log,
    downloadDir: join(work, 'downloads'),
    http: opts.http ?? fast
  })
}

function found(result: Baseline | SearchReport): Baseline {
  if (!isBaseline(result)) throw new Error(`expected a baseline, searched:\n${result.searched.join('\n')}`)
  return result
}

/** An older good run and a newer run whose artifact is `newestZip`. */
async function olderGoodNewerWith(newestZip: Buffer): Promise<{ older: FakeRun; newestArtifactId: number }> {
  const older = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
  gh.addArtifact(older.id, { name: NAME, zip: await goodZip('older-good') })
  const newer = gh.addWorkflowRun({ workflow: PROD, createdAt: at(2) })
  return { older, newestArtifactId: gh.addArtifact(newer.id, { name: NAME, zip: newestZip }).id }
}

describe('github-artifact source under faults', () => {
  it('skips a newest artifact whose zip is truncated and takes the older run, saying why', async () => {
    const zip = await goodZip('newest-but-broken')
    const { older, newestArtifactId } = await olderGoodNewerWith(zip.subarray(0, zip.length - 40))
    const baseline = found(await source().fetch('production', join(work, 'state')))
    expect(baseline.runId).toBe(String(older.id))
    expect(await readFile(baseline.manifestPath, 'utf8')).toBe(manifestText('older-good'))
    expect(log.lines).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^warning: .*artifact "${NAME}" \\(id ${newestArtifactId}\\) is a corrupt or truncated zip \\(.+\\); trying an older deploy run\\.$`
        )
      )
    )
    expect(log.lines).toContainEqual(expect.stringMatching(/^debug: run \d+ .*is a corrupt or truncated zip .*an older run is tried$/))
  })

  it('skips an artifact whose entry does not match its header (bytes of another size), as a corrupt zip', async () => {
    const zip = await goodZip('x')
    // Stored size in the local header and central directory say otherwise than the data.
    const broken = Buffer.from(zip)
    const local = broken.indexOf(Buffer.from([0x50, 0x4b, 0x03, 0x04]))
    broken.writeUInt32LE(broken.readUInt32LE(local + 22) + 7, local + 22)
    const central = broken.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]))
    broken.writeUInt32LE(broken.readUInt32LE(central + 24) + 7, central + 24)
    const { older } = await olderGoodNewerWith(broken)
    const baseline = found(await source().fetch('production', join(work, 'state')))
    expect(baseline.runId).toBe(String(older.id))
    expect(log.lines.some((l) => l.startsWith('warning: ') && /corrupt or truncated zip/.test(l))).toBe(true)
  })

  it('reports nothing found, with the reason per run, when every artifact is corrupt', async () => {
    const run = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
    gh.addArtifact(run.id, { name: NAME, zip: Buffer.from('<html>not a zip</html>') })
    const result = await source().fetch('production', join(work, 'state'))
    expect(isBaseline(result)).toBe(false)
    expect((result as SearchReport).searched).toEqual([
      expect.stringMatching(/is a corrupt or truncated zip \(End of central directory.*\), so an older run is tried$/)
    ])
  })

  it('retries the signed blob download after a 503 and after a cut connection', async () => {
    const run = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
    gh.addArtifact(run.id, { name: NAME, zip: await goodZip('after-retries') })
    gh.failBlobNext(503, 'reset')
    const baseline = found(await source({ http: { ...fast, log } }).fetch('production', join(work, 'state')))
    expect(await readFile(baseline.manifestPath, 'utf8')).toBe(manifestText('after-retries'))
    const blob = gh.requests.filter((r) => r.host === 'blob')
    expect(blob.map((r) => r.status)).toEqual([503, 0, 200])
    expect(blob.every((r) => !r.authorization)).toBe(true)
    expect(log.lines).toContainEqual(
      expect.stringMatching(
        /Downloading the zip of artifact \d+ \("dbt-manifest"\) from http:\/\/127\.0\.0\.1:\d+\/artifacts\/[0-9a-f]+\/\d+\.zip\?…: HTTP 503.*retrying/
      )
    )
    expect(log.lines).toContainEqual(expect.stringMatching(/the connection was cut after \d+ bytes.*retrying/))
    expect(log.lines.join('\n')).not.toMatch(/sig=/)
  })

  it('names the download and the cut connection when the blob host keeps cutting it', async () => {
    const run = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
    const artifact = gh.addArtifact(run.id, { name: NAME, zip: await goodZip('never') })
    gh.failBlobNext('reset', 'reset')
    const error = await source({ http: { ...fast, retries: 1 } })
      .fetch('production', join(work, 'state'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineServiceError)
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Downloading the zip of artifact ${artifact.id} \\("dbt-manifest"\\) from .*: the connection was cut after \\d+ bytes .*\\(2 attempts`
      )
    )
    expect((error as Error).message).not.toMatch(/sig=|other side closed/)
  })

  it('stops an API request that gets no answer at the idle timeout and names the request and the input', async () => {
    gh.stallNext(10)
    const started = Date.now()
    const error = await source()
      .fetch('production', join(work, 'state'))
      .catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(error).toBeInstanceOf(BaselineServiceError)
    const message = (error as Error).message
    expect(message).toMatch(
      new RegExp(
        `GET ${gh.apiUrl.replace(/[.]/g, '\\.')}/repos/acme/analytics/actions/workflows/deploy\\.yml/runs\\?… \\(to list the runs of workflow deploy\\.yml\\)`
      )
    )
    expect(message).toMatch(/no answer came \(no bytes received for 0\.3 s .*`http-idle-timeout`/)
    expect(message).not.toContain('per_page')
  })

  it('recovers from one stalled API request through the client retry', async () => {
    const run = gh.addWorkflowRun({ workflow: PROD, createdAt: at(1) })
    gh.addArtifact(run.id, { name: NAME, zip: await goodZip('after-stall') })
    gh.stallNext(1)
    const baseline = found(await source({ clientRetries: 1 }).fetch('production', join(work, 'state')))
    expect(baseline.runId).toBe(String(run.id))
  }, 15_000)

  it("says a 5xx is GitHub's side, which request failed, and how often it was retried", async () => {
    gh.failNext(2, 502)
    const error = await source({ clientRetries: 1 })
      .fetch('production', join(work, 'state'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineServiceError)
    expect((error as BaselineServiceError).status).toBe(502)
    const message = (error as Error).message
    expect(message).toMatch(
      /^The GitHub API request GET http:\/\/127\.0\.0\.1:\d+\/repos\/acme\/analytics\/actions\/workflows\/deploy\.yml\/runs\?… \(to list the runs of workflow deploy\.yml\) failed/
    )
    expect(message).toMatch(/GitHub answered HTTP 502 \(Server Error\), a failure on GitHub's side; retried 1 time\./)
    expect(message).not.toContain('https://docs.github.com/rest')
  }, 15_000)

  it('names github-token and the permission when GitHub answers Bad credentials', async () => {
    const error = await source({ token: 'revoked' })
      .fetch('production', join(work, 'state'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineAuthError)
    expect((error as BaselineAuthError).input).toBe('github-token')
    expect((error as BaselineAuthError).status).toBe(401)
    expect((error as Error).message).toMatch(
      /GitHub refused the token .*HTTP 401, Bad credentials\)\. The input `github-token` holds no valid token.*`permissions: actions: read`/
    )
  })
})
