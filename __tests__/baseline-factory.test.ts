import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { actionsCacheStore } from '../src/baseline/cache-store.js'
import {
  BaselineConfigError,
  createBaselineSource,
  obtainBaseline,
  projectKeyFor,
  publishBaseline,
  type BaselineDeps
} from '../src/baseline/index.js'
import type { BaselineSettings } from '../src/settings.js'
import { baselineSettings, recordingLogger, tempDir, testManifest } from './fakes/baseline-fixtures.js'
import { FakeDbtCloud } from './fakes/dbt-cloud-server.js'
import { MemoryCacheStore } from './fakes/memory-cache-store.js'

let cloud: FakeDbtCloud

beforeAll(async () => {
  cloud = await FakeDbtCloud.start({ accountId: 7, token: 't0k' })
  cloud.addEnvironment({ id: 70, projectId: 1, name: 'Production', deploymentType: 'production' })
  cloud.addRun({ id: 700, environmentId: 70, status: 10, finishedAt: '2025-02-01T00:00:00Z', manifest: testManifest({ marker: 'cloud' }) })
})
afterAll(async () => {
  await cloud.close()
})

function deps(over: Partial<BaselineDeps> = {}): BaselineDeps {
  const ws = tempDir('ws')
  mkdirSync(join(ws, 'dbt'))
  writeFileSync(join(ws, 'dbt', 'dbt_project.yml'), 'name: jaffle_shop\n')
  return {
    repository: 'acme/analytics',
    serverUrl: 'https://github.com',
    cache: new MemoryCacheStore(),
    log: recordingLogger(),
    tempDir: tempDir('runner'),
    projectDir: join(ws, 'dbt'),
    workspace: ws,
    http: { retryDelayMs: 0 },
    ...over
  }
}

const cloudSettings = (): BaselineSettings =>
  baselineSettings({
    source: 'dbt-cloud',
    cacheFetched: true,
    dbtCloud: { baseUrl: cloud.url, accountId: '7', token: 't0k', projectId: '1' }
  })

describe('createBaselineSource', () => {
  it('builds the source the settings name', () => {
    const d = deps()
    expect(createBaselineSource(baselineSettings({ source: 'path', path: { production: 'x' } }), d).kind).toBe('path')
    expect(createBaselineSource(baselineSettings({ source: 'url', url: { production: 'https://example.test/m.json' } }), d).kind).toBe(
      'url'
    )
    expect(createBaselineSource(cloudSettings(), d).kind).toBe('dbt-cloud')
    expect(createBaselineSource(baselineSettings({ source: 'actions-cache' }), d).kind).toBe('actions-cache')
  })

  it('fails at once on a missing input of the chosen source', () => {
    expect(() => createBaselineSource(baselineSettings({ source: 'github-artifact' }), deps())).toThrow(/`github-token`/)
    expect(() => createBaselineSource(baselineSettings({ source: 'dbt-cloud' }), deps())).toThrow(BaselineConfigError)
    expect(() =>
      createBaselineSource(baselineSettings({ source: 'url', url: { production: 'http://example.test/m.json' } }), deps())
    ).toThrow(/production-url/)
  })

  it('resolves state-path against the workspace', async () => {
    const d = deps()
    writeFileSync(join(d.workspace!, 'prod.json'), testManifest({ marker: 'ws' }))
    const source = createBaselineSource(baselineSettings({ source: 'path', path: { production: 'prod.json' } }), d)
    const outcome = await obtainBaseline(baselineSettings(), source, {
      stateDir: join(d.tempDir, 'state'),
      project: { name: 'jaffle_shop' },
      log: d.log
    })
    expect(outcome.kind).toBe('found')
  })

  it('with cache-baseline on, a second invocation takes the dbt Cloud manifest from the cache, not the API', async () => {
    const cache = new MemoryCacheStore()
    const runnerTemp = tempDir('runner')
    for (let i = 0; i < 2; i++) {
      const d = deps({ cache, tempDir: runnerTemp })
      const outcome = await obtainBaseline(cloudSettings(), createBaselineSource(cloudSettings(), d), {
        stateDir: join(runnerTemp, `state${i}`),
        project: { name: 'jaffle_shop' },
        log: d.log
      })
      expect(outcome.kind === 'found' && outcome.baseline.identity).toBe('dbt-cloud:7:700')
    }
    expect(cloud.manifestDownloads()).toEqual([700])
  })

  it('with cache-baseline off, every invocation downloads', async () => {
    const before = cloud.manifestDownloads().length
    const settings = { ...cloudSettings(), cacheFetched: false }
    for (let i = 0; i < 2; i++) {
      const d = deps()
      await obtainBaseline(settings, createBaselineSource(settings, d), {
        stateDir: join(d.tempDir, 'state'),
        project: { name: 'jaffle_shop' },
        log: d.log
      })
    }
    expect(cloud.manifestDownloads().length - before).toBe(2)
  })

  it('the actions-cache source finds what publish saved for the same project directory', async () => {
    const cache = new MemoryCacheStore()
    const runnerTemp = tempDir('runner')
    const d = deps({ cache, tempDir: runnerTemp })
    const target = join(d.projectDir, 'target')
    mkdirSync(target)
    writeFileSync(join(target, 'manifest.json'), testManifest({ marker: 'published' }))
    const settings = baselineSettings({ source: 'actions-cache' })
    const projectKey = await projectKeyFor(d.projectDir, d.workspace!)
    await publishBaseline({
      cache,
      settings: settings.cache,
      env: 'production',
      projectKey,
      projectName: 'jaffle_shop',
      manifestPath: join(target, 'manifest.json'),
      sha: 'abc',
      tempDir: runnerTemp,
      log: d.log
    })
    const outcome = await obtainBaseline(settings, createBaselineSource(settings, d), {
      stateDir: join(runnerTemp, 'state'),
      project: { name: 'jaffle_shop' },
      log: d.log
    })
    expect(outcome.kind === 'found' && outcome.baseline.sha).toBe('abc')
    expect(readFileSync(join(runnerTemp, 'state', 'manifest.json'), 'utf8')).toContain('published')
  })
})

describe('actionsCacheStore (the real adapter)', () => {
  const saved = { ...process.env }
  afterAll(() => {
    process.env = saved
  })

  it('without the cache service, restores nothing and warns once', async () => {
    delete process.env.ACTIONS_CACHE_URL
    delete process.env.ACTIONS_RESULTS_URL
    delete process.env.ACTIONS_CACHE_SERVICE_V2
    const log = recordingLogger()
    const store = actionsCacheStore(log)
    expect(await store.restore([join(tempDir('c'), 'm.json')], 'k-', ['k-'])).toBeUndefined()
    await store.save([join(tempDir('c'), 'm.json')], 'k-1')
    expect(log.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(1)
  })

  it('turns a key the service would refuse into an error naming cache-key-prefix', async () => {
    process.env.ACTIONS_CACHE_URL = 'http://127.0.0.1:9/'
    delete process.env.ACTIONS_CACHE_SERVICE_V2
    const store = actionsCacheStore(recordingLogger())
    const error = await store.restore([join(tempDir('c'), 'm.json')], 'a,b-', ['a,b-']).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineConfigError)
    expect((error as BaselineConfigError).input).toBe('cache-key-prefix')
  })
})
