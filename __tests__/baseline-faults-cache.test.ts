import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { cacheKeyPrefix, createCacheSource, publishBaseline, type PublishArgs } from '../src/baseline/cache-source.js'
import { actionsCacheStore } from '../src/baseline/cache-store.js'
import { BaselineServiceError, CacheServiceError } from '../src/baseline/errors.js'
import { isBaseline, type SearchReport } from '../src/baseline/types.js'
import { ActionsCacheServer } from './fakes/actions-cache-server.js'
import { recordingLogger, tempDir, testManifest } from './fakes/baseline-fixtures.js'

// Publishing to and restoring from the real @actions/cache library, pointed at the fake cache
// service (v1, the protocol that retries least) on 127.0.0.1, while that service fails.

let server: ActionsCacheServer
let restoreEnv: () => void
let runnerTemp: string
let n = 0

beforeAll(async () => {
  server = await ActionsCacheServer.start()
  const root = tempDir('cache-faults')
  runnerTemp = join(root, '_temp')
  mkdirSync(runnerTemp, { recursive: true })
  const vars: Record<string, string> = { ...server.env('v1'), GITHUB_WORKSPACE: root, RUNNER_TEMP: runnerTemp }
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  restoreEnv = () => {
    for (const [k, v] of Object.entries(old)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
})
afterAll(async () => {
  restoreEnv?.()
  await server?.close()
})
afterEach(() => server.failWith(undefined))

/** Runs `fn` with the library's job-log lines kept out of the test output. */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const write = process.stdout.write
  process.stdout.write = (() => true) as typeof process.stdout.write
  try {
    return await fn()
  } finally {
    process.stdout.write = write
  }
}

function publishArgs(log = recordingLogger(), publishFailure?: 'fail' | 'warn'): PublishArgs {
  const target = tempDir('target')
  writeFileSync(join(target, 'manifest.json'), testManifest({ marker: 'deployed' }))
  const projectKey = `jaffle_shop-case${++n}`
  return {
    cache: actionsCacheStore(log),
    settings: { keyPrefix: 'dbt-defer-baseline', stagingConfigured: false, publishFailure },
    env: 'production',
    projectKey,
    projectName: 'jaffle_shop',
    manifestPath: join(target, 'manifest.json'),
    sha: `sha${n}`,
    tempDir: runnerTemp,
    log
  }
}

function cacheSource(projectKey: string, log = recordingLogger()) {
  return createCacheSource(
    { keyPrefix: 'dbt-defer-baseline', stagingConfigured: false },
    { store: actionsCacheStore(log), tempDir: runnerTemp, projectKey: async () => projectKey, log }
  )
}

describe('publish mode when the cache service fails', () => {
  it('fails the step with a service error naming the key when the save answered 500, and nothing is saved', async () => {
    const args = publishArgs()
    server.failWith(500)
    const error = await quietly(() => publishBaseline(args)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineServiceError)
    const key = `${cacheKeyPrefix('dbt-defer-baseline', args.projectKey, 'production')}${args.sha}`
    expect((error as Error).message).toMatch(
      new RegExp(
        `^Publishing the production baseline failed: the actions cache did not keep the entry ${key} \\(looking the key up right after saving failed: .*500`
      )
    )
    expect((error as Error).message).toMatch(/Pull requests cannot defer to this deploy.*Set `publish-failure: warn`/)
    expect(server.entries()).toEqual([])
  }, 60_000)

  it('with publish-failure: warn, warns loudly and reports the entry as not saved', async () => {
    const log = recordingLogger()
    server.failWith(500)
    const result = await quietly(() => publishBaseline(publishArgs(log, 'warn')))
    expect(result.saved).toBe(false)
    expect(log.lines).toContainEqual(
      expect.stringMatching(/^warning: Publishing the production baseline failed: .*passes because `publish-failure` is `warn`\.$/)
    )
    expect(log.lines.some((l) => /^info: Published/.test(l))).toBe(false)
  }, 60_000)

  it('confirms a save that worked, and a second publish of the same commit (keys are immutable)', async () => {
    const args = publishArgs()
    const first = await quietly(() => publishBaseline(args))
    expect(first.saved).toBe(true)
    expect(server.entries().map((e) => e.key)).toEqual([first.key])
    const again = await quietly(() => publishBaseline(args))
    expect(again).toEqual(first)
    expect(server.entries().map((e) => e.key)).toEqual([first.key])
  }, 60_000)
})

describe('actions-cache source when the cache service fails', () => {
  it('says the cache service failed, naming its error, instead of reporting nothing published', async () => {
    const args = publishArgs()
    await quietly(() => publishBaseline(args))
    server.failWith(500)
    const error = await quietly(() => cacheSource(args.projectKey).fetch('production', tempDir('dest'))).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CacheServiceError)
    const prefix = cacheKeyPrefix('dbt-defer-baseline', args.projectKey, 'production')
    expect((error as Error).message).toMatch(
      new RegExp(`^The actions cache service failed while looking for the production baseline \\(keys starting with '${prefix}'\\): .*500`)
    )
    expect((error as Error).message).toContain('not a sign that nothing was published')
  }, 60_000)

  it('reports nothing published when the service answers and holds no entry of the prefix', async () => {
    const result = await quietly(() => cacheSource('never_published-00000000').fetch('production', tempDir('dest')))
    expect(isBaseline(result)).toBe(false)
    expect((result as SearchReport).searched).toEqual([
      expect.stringMatching(
        /no entry with a key starting with '.*never_published.*' is visible to this branch \(the cache service answered: nothing was published/
      )
    ])
  }, 60_000)

  it('restores what was published once the service is healthy', async () => {
    const args = publishArgs()
    await quietly(() => publishBaseline(args))
    const result = await quietly(() => cacheSource(args.projectKey).fetch('production', tempDir('dest')))
    expect(isBaseline(result)).toBe(true)
  }, 60_000)
})
