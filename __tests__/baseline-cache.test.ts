import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import {
  cacheFixedPath,
  cacheKeyPrefix,
  cacheProjectKey,
  createCacheSource,
  projectKeyFor,
  publishBaseline
} from '../src/baseline/cache-source.js'
import { ManifestCheckError } from '../src/baseline/errors.js'
import { createFetchedCache, fetchedCacheKey } from '../src/baseline/fetched-cache.js'
import { isBaseline, type Baseline } from '../src/baseline/types.js'
import type { CacheSourceSettings, DeferredEnv } from '../src/settings.js'
import { recordingLogger, tempDir, testManifest } from './fakes/baseline-fixtures.js'
import { MemoryCacheStore } from './fakes/memory-cache-store.js'

const settings: CacheSourceSettings = { keyPrefix: 'dbt-defer-baseline', stagingConfigured: false }
const log = recordingLogger()

/** A deploy job's target/manifest.json with a marker node, for telling publishes apart. */
function deployManifest(marker: string, project = 'jaffle_shop'): string {
  const dir = tempDir('target')
  writeFileSync(join(dir, 'manifest.json'), testManifest({ marker, project }))
  return join(dir, 'manifest.json')
}

async function publish(
  cache: MemoryCacheStore,
  runnerTemp: string,
  env: DeferredEnv,
  marker: string,
  sha: string,
  projectKey = 'jaffle_shop-00000000',
  project = 'jaffle_shop'
) {
  return publishBaseline({
    cache,
    settings,
    env,
    projectKey,
    projectName: project,
    manifestPath: deployManifest(marker, project),
    sha,
    tempDir: runnerTemp,
    log
  })
}

async function restore(cache: MemoryCacheStore, runnerTemp: string, env: DeferredEnv, projectKey = 'jaffle_shop-00000000') {
  const source = createCacheSource(settings, { store: cache, tempDir: runnerTemp, projectKey: async () => projectKey, log })
  return source.fetch(env, tempDir('state'))
}

function markerOf(result: Awaited<ReturnType<typeof restore>>): string {
  expect(isBaseline(result)).toBe(true)
  return Object.keys(JSON.parse(readFileSync((result as Baseline).manifestPath, 'utf8')).nodes)[0]
}

describe('actions-cache publish and restore', () => {
  it('round-trips: a publish in the deploy job is restored in a pull request job', async () => {
    const cache = new MemoryCacheStore()
    const deployTemp = tempDir('runner')
    const { key } = await publish(cache, deployTemp, 'production', 'first', 'aaa111')
    expect(key).toBe('dbt-defer-baseline-jaffle_shop-00000000-production-aaa111')
    const result = await restore(cache, deployTemp, 'production')
    expect(markerOf(result)).toBe('model.jaffle_shop.first')
    const baseline = result as Baseline
    expect(baseline.identity).toBe(key)
    expect(baseline.sha).toBe('aaa111')
    expect(baseline.source).toBe('actions-cache')
  })

  it('restores the newest publish of the prefix', async () => {
    const cache = new MemoryCacheStore()
    const temp = tempDir('runner')
    await publish(cache, temp, 'production', 'old', 'sha1')
    await publish(cache, temp, 'production', 'new', 'sha2')
    expect(markerOf(await restore(cache, temp, 'production'))).toBe('model.jaffle_shop.new')
  })

  it('keeps projects apart', async () => {
    const cache = new MemoryCacheStore()
    const temp = tempDir('runner')
    const shop = cacheProjectKey('jaffle_shop', 'analytics/shop')
    const other = cacheProjectKey('jaffle_shop', 'analytics/shop_v2')
    expect(shop).not.toBe(other)
    await publish(cache, temp, 'production', 'shop', 'sha1', shop)
    await publish(cache, temp, 'production', 'other', 'sha2', other)
    expect(markerOf(await restore(cache, temp, 'production', shop))).toBe('model.jaffle_shop.shop')
    expect(markerOf(await restore(cache, temp, 'production', other))).toBe('model.jaffle_shop.other')
    expect(isBaseline(await restore(cache, temp, 'production', cacheProjectKey('jaffle_shop', 'elsewhere')))).toBe(false)
  })

  it('keeps environments apart', async () => {
    const cache = new MemoryCacheStore()
    const temp = tempDir('runner')
    await publish(cache, temp, 'production', 'prod', 'sha1')
    const none = await restore(cache, temp, 'staging')
    expect(none).toEqual({ searched: [expect.stringContaining("'dbt-defer-baseline-jaffle_shop-00000000-staging-'")] })
    await publish(cache, temp, 'staging', 'stage', 'sha2')
    expect(markerOf(await restore(cache, temp, 'staging'))).toBe('model.jaffle_shop.stage')
    expect(markerOf(await restore(cache, temp, 'production'))).toBe('model.jaffle_shop.prod')
  })

  it('uses one fixed path for save and restore, so a different temp directory misses (as the service does)', async () => {
    const cache = new MemoryCacheStore()
    await publish(cache, tempDir('deploy'), 'production', 'prod', 'sha1')
    expect(isBaseline(await restore(cache, tempDir('pr'), 'production'))).toBe(false)
    expect(cacheFixedPath('/t', 'p-1', 'staging')).toBe(join('/t', 'dbt-defer-action', 'cache', 'p-1', 'staging', 'manifest.json'))
  })

  it('leaves an existing key as it is (keys are immutable)', async () => {
    const cache = new MemoryCacheStore()
    const temp = tempDir('runner')
    await publish(cache, temp, 'production', 'first', 'same')
    await publish(cache, temp, 'production', 'second', 'same')
    expect(cache.keys()).toEqual(['dbt-defer-baseline-jaffle_shop-00000000-production-same'])
    expect(markerOf(await restore(cache, temp, 'production'))).toBe('model.jaffle_shop.first')
  })

  it('refuses to publish without a manifest, or a manifest of another project', async () => {
    const cache = new MemoryCacheStore()
    const args = {
      cache,
      settings,
      env: 'production' as const,
      projectKey: 'k',
      projectName: 'jaffle_shop',
      sha: 's',
      tempDir: tempDir('runner'),
      log
    }
    await expect(publishBaseline({ ...args, manifestPath: '/nonexistent/target/manifest.json' })).rejects.toThrow(
      /Run dbt build \(or dbt compile\)/
    )
    const foreign = await publishBaseline({ ...args, manifestPath: deployManifest('x', 'other_shop') }).catch((e: unknown) => e)
    expect(foreign).toBeInstanceOf(ManifestCheckError)
    expect(cache.keys()).toEqual([])
  })

  it('derives the project key from dbt_project.yml and the directory relative to the workspace', async () => {
    const ws = tempDir('ws')
    mkdirSync(join(ws, 'dbt'), { recursive: true })
    writeFileSync(join(ws, 'dbt', 'dbt_project.yml'), 'name: jaffle_shop\n')
    expect(await projectKeyFor(join(ws, 'dbt'), ws)).toBe(cacheProjectKey('jaffle_shop', 'dbt'))
    expect(cacheProjectKey('jaffle_shop', './dbt/')).toBe(cacheProjectKey('jaffle_shop', 'dbt'))
    expect(cacheKeyPrefix('p', 'k', 'production')).toBe('p-k-production-')
  })

  it('reports staging as configured exactly when staging-cache is true', async () => {
    const make = (staging: boolean) =>
      createCacheSource(
        { ...settings, stagingConfigured: staging },
        { store: new MemoryCacheStore(), tempDir: '/t', projectKey: async () => 'k', log }
      )
    await expect(make(true).stagingConfigured()).resolves.toBe(true)
    await expect(make(false).stagingConfigured()).resolves.toBe(false)
  })
})

describe('fetched-baseline cache', () => {
  it('restores what was saved under the same identity only', async () => {
    const store = new MemoryCacheStore()
    const temp = tempDir('runner')
    const fetched = createFetchedCache(store, temp, log)
    const dest = join(tempDir('state'), 'manifest.json')
    expect(await fetched.restore('dbt-cloud:1:100', dest)).toBe(false)
    await fetched.save('dbt-cloud:1:100', deployManifest('run100'))
    expect(store.keys()).toEqual([fetchedCacheKey('dbt-cloud:1:100')])
    expect(await fetched.restore('dbt-cloud:1:101', dest)).toBe(false)
    expect(existsSync(dest)).toBe(false)
    expect(await fetched.restore('dbt-cloud:1:100', dest)).toBe(true)
    expect(JSON.parse(readFileSync(dest, 'utf8')).nodes).toHaveProperty(['model.jaffle_shop.run100'])
  })

  it('treats a failing cache as a miss', async () => {
    const broken = {
      restore: async () => Promise.reject(new Error('cache down')),
      save: async () => Promise.reject(new Error('cache down'))
    }
    const logger = recordingLogger()
    const fetched = createFetchedCache(broken, tempDir('runner'), logger)
    expect(await fetched.restore('x', join(tempDir('state'), 'manifest.json'))).toBe(false)
    await fetched.save('x', deployManifest('y'))
    expect(logger.lines.filter((l) => l.startsWith('warning:'))).toHaveLength(2)
  })
})
