import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createDbtCloudSource, MAX_RUNS_SEARCHED } from '../src/baseline/dbt-cloud-source.js'
import { BaselineAuthError, BaselineConfigError, NoStagingBaselineError } from '../src/baseline/errors.js'
import { createFetchedCache } from '../src/baseline/fetched-cache.js'
import { obtainBaseline } from '../src/baseline/obtain.js'
import { isBaseline, type Baseline } from '../src/baseline/types.js'
import type { DbtCloudSourceSettings } from '../src/settings.js'
import { baselineSettings, recordingLogger, tempDir, testManifest } from './fakes/baseline-fixtures.js'
import { FakeDbtCloud, type FakeRun } from './fakes/dbt-cloud-server.js'
import { MemoryCacheStore } from './fakes/memory-cache-store.js'

const ACCOUNT = 4242
const TOKEN = 'dbtc_service_token'
const PROJECT = 77
const PROD = 501
const STAGING = 502
let cloud: FakeDbtCloud

beforeEach(async () => {
  cloud = await FakeDbtCloud.start({ accountId: ACCOUNT, token: TOKEN })
  cloud.addEnvironment({ id: 500, projectId: PROJECT, name: 'Development', type: 'development', deploymentType: null })
  cloud.addEnvironment({ id: PROD, projectId: PROJECT, name: 'Production', deploymentType: 'production' })
})
afterEach(async () => {
  await cloud.close()
})

function settings(over: Partial<DbtCloudSourceSettings> = {}): DbtCloudSourceSettings {
  return { baseUrl: cloud.url, accountId: String(ACCOUNT), token: TOKEN, projectId: String(PROJECT), ...over }
}

function source(over: Partial<DbtCloudSourceSettings> = {}, deps: Partial<Parameters<typeof createDbtCloudSource>[1]> = {}) {
  return createDbtCloudSource(settings(over), { log: recordingLogger(), http: { retryDelayMs: 0 }, ...deps })
}

function run(id: number, environmentId: number, finishedAt: string, extra: Partial<FakeRun> = {}): FakeRun {
  return { id, environmentId, status: 10, finishedAt, gitSha: `sha${id}`, manifest: testManifest({ marker: `run${id}` }), ...extra }
}

function markerOf(result: Awaited<ReturnType<ReturnType<typeof source>['fetch']>>): string {
  expect(isBaseline(result)).toBe(true)
  return Object.keys(JSON.parse(readFileSync((result as Baseline).manifestPath, 'utf8')).nodes)[0]
}

describe('dbt-cloud source: environment choice', () => {
  it('auto without a staging environment defers to production', async () => {
    cloud.addRun(run(1, PROD, '2025-01-01T00:00:00Z'))
    const s = source()
    await expect(s.stagingConfigured()).resolves.toBe(false)
    const outcome = await obtainBaseline(baselineSettings({ source: 'dbt-cloud' }), s, {
      stateDir: tempDir('state'),
      project: { name: 'jaffle_shop' },
      log: recordingLogger()
    })
    expect(outcome.kind === 'found' && outcome.baseline.env).toBe('production')
    expect(outcome.kind === 'found' && outcome.baseline.runId).toBe('1')
  })

  it('auto with a staging environment defers to staging', async () => {
    cloud.addEnvironment({ id: STAGING, projectId: PROJECT, name: 'Staging', deploymentType: 'staging' })
    cloud.addRun(run(1, PROD, '2025-01-02T00:00:00Z')).addRun(run(2, STAGING, '2025-01-01T00:00:00Z'))
    const s = source()
    await expect(s.stagingConfigured()).resolves.toBe(true)
    const result = await s.fetch('staging', tempDir('dest'))
    expect(markerOf(result)).toBe('model.jaffle_shop.run2')
    expect((result as Baseline).identity).toBe(`dbt-cloud:${ACCOUNT}:2`)
    expect((result as Baseline).sha).toBe('sha2')
    expect((result as Baseline).runUrl).toContain('/runs/2/')
  })

  it('a deleted staging environment does not count', async () => {
    cloud.addEnvironment({ id: STAGING, projectId: PROJECT, name: 'Old staging', deploymentType: 'staging', state: 2 })
    await expect(source().stagingConfigured()).resolves.toBe(false)
  })

  it('staging without a successful run fails, and production is never asked for runs', async () => {
    cloud.addEnvironment({ id: STAGING, projectId: PROJECT, name: 'Staging', deploymentType: 'staging' })
    cloud.addRun(run(1, PROD, '2025-01-02T00:00:00Z')).addRun(run(2, STAGING, '2025-01-03T00:00:00Z', { status: 20 }))
    const stateDir = tempDir('state')
    const error = await obtainBaseline(baselineSettings({ source: 'dbt-cloud' }), source(), {
      stateDir,
      project: { name: 'jaffle_shop' },
      log: recordingLogger()
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoStagingBaselineError)
    expect((error as Error).message).toMatch(/staging environment/)
    expect((error as Error).message).toContain('defer-env: production')
    expect(cloud.requestsTo(`/api/v2/accounts/${ACCOUNT}/runs/`).map((r) => r.query.environment_id)).toEqual([String(STAGING)])
    expect(cloud.manifestDownloads()).toEqual([])
    expect(existsSync(join(stateDir, 'manifest.json'))).toBe(false)
  })

  it('a project without the chosen environment reports what it searched', async () => {
    const result = await source().fetch('staging', tempDir('dest'))
    expect(result).toEqual({
      searched: [`dbt Cloud project ${PROJECT}: no staging environment (no deployment environment of type 'staging')`]
    })
  })

  it('a pinned environment is deferred to as whatever deployment type it has', async () => {
    cloud.addEnvironment({ id: STAGING, projectId: PROJECT, name: 'Staging', deploymentType: 'staging' })
    cloud.addRun(run(3, STAGING, '2025-01-01T00:00:00Z'))
    const pinned = source({ deferEnvId: String(STAGING), deferEnvIdOrigin: 'dbt_project.yml' })
    await expect(pinned.stagingConfigured()).resolves.toBe(true)
    expect(markerOf(await pinned.fetch('staging', tempDir('dest')))).toBe('model.jaffle_shop.run3')
    const prodPinned = source({ deferEnvId: String(PROD) })
    await expect(prodPinned.stagingConfigured()).resolves.toBe(false)
  })

  it('defer-env that disagrees with the pinned environment is an error', async () => {
    cloud.addEnvironment({ id: STAGING, projectId: PROJECT, name: 'Staging', deploymentType: 'staging' })
    const error = await source({ deferEnvId: String(STAGING), deferEnvIdOrigin: 'DBT_CLOUD_DEFER_ENV_ID' })
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineConfigError)
    expect((error as Error).message).toMatch(/asks for production.*502.*DBT_CLOUD_DEFER_ENV_ID.*staging environment/)
  })

  it('a pinned id the project does not have is an error naming where it came from', async () => {
    const error = await source({ deferEnvId: '999', deferEnvIdOrigin: 'dbt_cloud.yml' })
      .stagingConfigured()
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineConfigError)
    expect((error as BaselineConfigError).input).toBe('dbt_cloud.yml')
  })

  it('a pinned id without a project id is used as given', async () => {
    cloud.addRun(run(4, PROD, '2025-01-01T00:00:00Z'))
    const pinned = source({ deferEnvId: String(PROD), projectId: undefined })
    await expect(pinned.stagingConfigured()).resolves.toBe(false)
    expect(markerOf(await pinned.fetch('production', tempDir('dest')))).toBe('model.jaffle_shop.run4')
  })
})

describe('dbt-cloud source: runs', () => {
  it('skips CI job runs of every shape, failed runs and runs without artifacts', async () => {
    cloud
      .addRun(run(10, PROD, '2025-01-10T00:00:00Z', { jobType: 'ci' }))
      .addRun(run(9, PROD, '2025-01-09T00:00:00Z', { jobType: null, triggers: { github_webhook: true } }))
      .addRun(run(8, PROD, '2025-01-08T00:00:00Z', { jobType: null, triggers: { git_provider_webhook: true } }))
      .addRun(run(7, PROD, '2025-01-07T00:00:00Z', { jobType: 'other', trigger: { github_pull_request_id: 12 } }))
      .addRun(run(6, PROD, '2025-01-06T00:00:00Z', { status: 20 }))
      .addRun(run(5, PROD, '2025-01-05T00:00:00Z', { status: 30 }))
      .addRun(run(4, PROD, '2025-01-04T00:00:00Z', { artifactsSaved: false }))
      .addRun(run(3, PROD, '2025-01-03T00:00:00Z', { manifest: undefined }))
      .addRun(run(2, PROD, '2025-01-02T00:00:00Z', { jobType: 'merge' }))
      .addRun(run(1, PROD, '2025-01-01T00:00:00Z'))
    const result = await source().fetch('production', tempDir('dest'))
    expect(markerOf(result)).toBe('model.jaffle_shop.run2')
    // Only run 3 (listed as saving artifacts) was tried before run 2 answered.
    expect(cloud.manifestDownloads()).toEqual([3, 2])
  })

  it('pages through the runs to find an older usable one', async () => {
    for (let i = 1; i <= 40; i++) cloud.addRun(run(100 + i, PROD, new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(), { jobType: 'ci' }))
    cloud.addRun(run(1, PROD, '2024-12-31T00:00:00Z'))
    expect(markerOf(await source().fetch('production', tempDir('dest')))).toBe('model.jaffle_shop.run1')
    const offsets = cloud.requestsTo(`/api/v2/accounts/${ACCOUNT}/runs/`).map((r) => Number(r.query.offset))
    expect(offsets).toEqual([0, 25])
  })

  it(`gives up after ${MAX_RUNS_SEARCHED} runs and says what it passed over`, async () => {
    for (let i = 1; i <= MAX_RUNS_SEARCHED + 5; i++)
      cloud.addRun(run(i, PROD, new Date(Date.UTC(2025, 0, 1, 0, i)).toISOString(), { jobType: 'ci' }))
    const result = await source().fetch('production', tempDir('dest'))
    expect(isBaseline(result)).toBe(false)
    const searched = (result as { searched: string[] }).searched
    expect(searched[0]).toContain(`${MAX_RUNS_SEARCHED} successful run(s) looked at, none usable`)
    expect(searched[1]).toMatch(/run 105: a CI job run/)
  })

  it('asks the API with the real filters and the Token header', async () => {
    cloud.addRun(run(1, PROD, '2025-01-01T00:00:00Z'))
    await source().fetch('production', tempDir('dest'))
    const list = cloud.requestsTo(`/api/v2/accounts/${ACCOUNT}/runs/`)[0]
    expect(list.query).toMatchObject({ environment_id: String(PROD), status: '10', order_by: '-finished_at' })
    expect(list.query.include_related).toContain('job')
    expect(list.authorization).toBe(`Token ${TOKEN}`)
  })

  it('a refused token is an error naming dbt-cloud-api-token', async () => {
    const error = await source({ token: 'wrong' })
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineAuthError)
    expect((error as BaselineAuthError).input).toBe('dbt-cloud-api-token')
    expect((error as BaselineAuthError).status).toBe(401)
  })

  it('retries a 503 from the API', async () => {
    cloud.addRun(run(1, PROD, '2025-01-01T00:00:00Z'))
    cloud.failNext.push(503)
    expect(markerOf(await source().fetch('production', tempDir('dest')))).toBe('model.jaffle_shop.run1')
  })

  it('names the missing or malformed inputs', async () => {
    expect(() => source({ accountId: '' })).toThrow(/`dbt-cloud-account-id` is empty/)
    expect(() => source({ accountId: 'acme' })).toThrow(/Invalid dbt Cloud account id 'acme'/)
    expect(() => source({ token: '' })).toThrow(/`dbt-cloud-api-token` is empty/)
    expect(() => source({ baseUrl: 'http://cloud.example.com' })).toThrow(/`dbt-cloud-host`/)
    const error = await source({ projectId: undefined })
      .stagingConfigured()
      .catch((e: unknown) => e)
    expect((error as BaselineConfigError).input).toBe('dbt-cloud-project-id')
  })

  it('an unknown project id is an error naming dbt-cloud-project-id', async () => {
    const error = await source({ projectId: '1234' })
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineConfigError)
    expect((error as BaselineConfigError).input).toBe('dbt-cloud-project-id')
  })
})

describe('dbt-cloud source with the fetched-baseline cache', () => {
  it('a re-run with the same newest run restores instead of downloading again', async () => {
    cloud.addRun(run(1, PROD, '2025-01-01T00:00:00Z'))
    const store = new MemoryCacheStore()
    const runnerTemp = tempDir('runner')
    const withCache = () => source({}, { fetched: createFetchedCache(store, runnerTemp, recordingLogger()) })
    expect(markerOf(await withCache().fetch('production', tempDir('dest')))).toBe('model.jaffle_shop.run1')
    expect(markerOf(await withCache().fetch('production', tempDir('dest')))).toBe('model.jaffle_shop.run1')
    expect(cloud.manifestDownloads()).toEqual([1])
    cloud.addRun(run(2, PROD, '2025-01-02T00:00:00Z'))
    expect(markerOf(await withCache().fetch('production', tempDir('dest')))).toBe('model.jaffle_shop.run2')
    expect(cloud.manifestDownloads()).toEqual([1, 2])
  })
})
