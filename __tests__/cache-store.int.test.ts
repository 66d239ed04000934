import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, relative } from 'node:path'
import { actionsCacheStore } from '../src/baseline/cache-store.js'
import { ActionsCacheServer, type CacheProtocol } from './fakes/actions-cache-server.js'
import { recordingLogger, tempDir } from './fakes/baseline-fixtures.js'
import { ExampleProject } from './helpers/example-project.js'

// `actionsCacheStore` over the real @actions/cache library (tar, zstd or gzip, HTTP), pointed
// by the runner's environment variables at a fake cache service on 127.0.0.1: v1, the REST
// service of GitHub Enterprise Server, and v2, the Twirp service of github.com.

let manifest: Buffer

beforeAll(async () => {
  const project = ExampleProject.create()
  await project.dbtOk(['parse'])
  manifest = readFileSync(project.path('target/manifest.json'))
}, 240_000)

/** Sets environment variables for the library; `restore` puts the old values back. */
function setEnv(vars: Record<string, string>): { restore: () => void } {
  const old = Object.fromEntries(Object.keys(vars).map((k) => [k, process.env[k]]))
  Object.assign(process.env, vars)
  return {
    restore: () => {
      for (const [k, v] of Object.entries(old)) {
        if (v === undefined) delete process.env[k]
        else process.env[k] = v
      }
    }
  }
}

/** Runs `fn` and returns what it printed to the job log (the library writes workflow commands). */
async function printed<T>(fn: () => Promise<T>): Promise<{ value: T; log: string }> {
  const write = process.stdout.write
  let log = ''
  process.stdout.write = ((chunk: string | Uint8Array) => {
    log += chunk.toString()
    return true
  }) as typeof process.stdout.write
  try {
    return { value: await fn(), log }
  } finally {
    process.stdout.write = write
  }
}

/** The compression the library picks on this machine: zstd when installed, else gzip. */
const compression = spawnSync('zstd', ['--version']).status === 0 ? 'zstd-without-long' : 'gzip'

/** The entry version the service must have been told: the path strings, compression and salt. */
function versionOf(paths: string[]): string {
  return createHash('sha256')
    .update([...paths, compression, '1.0'].join('|'))
    .digest('hex')
}

/** The member names of a stored archive, listed with tar. */
function archiveMembers(archive: Buffer): string[] {
  const file = join(tempDir('archive'), 'cache.archive')
  writeFileSync(file, archive)
  const decompress = compression === 'gzip' ? ['-z'] : ['--use-compress-program', 'unzstd']
  const listing = spawnSync('tar', ['-tf', file, '-P', ...decompress], { encoding: 'utf8' })
  if (listing.status !== 0) throw new Error(`tar -t failed: ${listing.stderr}`)
  return listing.stdout.split('\n').filter(Boolean)
}

describe.each<CacheProtocol>(['v1', 'v2'])('actionsCacheStore over the real library, cache service %s', (protocol) => {
  let server: ActionsCacheServer
  let env: { restore: () => void }
  let workspace: string
  let runnerTemp: string
  let n = 0

  beforeAll(async () => {
    server = await ActionsCacheServer.start()
    const root = tempDir('cache-int')
    workspace = join(root, 'work', 'repo', 'repo')
    runnerTemp = join(root, 'work', '_temp')
    mkdirSync(workspace, { recursive: true })
    mkdirSync(runnerTemp, { recursive: true })
    env = setEnv({ ...server.env(protocol), GITHUB_WORKSPACE: workspace, RUNNER_TEMP: runnerTemp })
  })

  afterAll(async () => {
    env?.restore()
    await server?.close()
  })

  /** A fresh fixed path under the runner temp dir, as the cache source uses, holding `bytes`. */
  function fixedFile(bytes: Buffer | string): string {
    const path = join(runnerTemp, 'dbt-defer-action', 'cache', `case-${++n}`, 'production', 'manifest.json')
    mkdirSync(dirname(path), { recursive: true })
    writeFileSync(path, bytes)
    return path
  }

  it('saves a real dbt manifest and restores the very same bytes', async () => {
    const log = recordingLogger()
    const store = actionsCacheStore(log)
    const path = fixedFile(manifest)
    const key = `${protocol}-roundtrip-production-aaa111`
    await printed(() => store.save([path], key))

    const [entry] = server.entries().filter((e) => e.key === key)
    expect(entry.version).toBe(versionOf([path]))
    expect(archiveMembers(entry.archive)).toContain(relative(workspace, path))

    rmSync(path)
    const { value } = await printed(() => store.restore([path], key, []))
    expect(value).toBe(key)
    expect(readFileSync(path).equals(manifest)).toBe(true)
    expect(log.lines.filter((l) => l.startsWith('warning'))).toEqual([])

    const storage = server.requests.filter((r) => r.api === 'blob')
    expect(storage.length).toBeGreaterThan(0)
    expect(storage.every((r) => !r.withAuthorization)).toBe(true)
    expect(server.requests.filter((r) => r.api === protocol).every((r) => r.withAuthorization)).toBe(true)
  }, 60_000)

  it('a prefix restore takes the newest entry by creation, not by name; an exact key wins over it', async () => {
    const store = actionsCacheStore(recordingLogger())
    const path = fixedFile('older')
    const prefix = `${protocol}-newest-production-`
    await printed(() => store.save([path], `${prefix}zzz`))
    writeFileSync(path, 'newer')
    await printed(() => store.save([path], `${prefix}aaa`))

    rmSync(path)
    expect((await printed(() => store.restore([path], prefix, [prefix]))).value).toBe(`${prefix}aaa`)
    expect(readFileSync(path, 'utf8')).toBe('newer')
    expect((await printed(() => store.restore([path], `${prefix}zzz`, [prefix]))).value).toBe(`${prefix}zzz`)
    expect(readFileSync(path, 'utf8')).toBe('older')
  }, 60_000)

  it('saving an existing key again is no error and leaves the entry as it was', async () => {
    const log = recordingLogger()
    const store = actionsCacheStore(log)
    const path = fixedFile('first deploy')
    const key = `${protocol}-immutable-production-bbb222`
    await printed(() => store.save([path], key))
    writeFileSync(path, 'a re-run with other bytes')
    const second = await printed(() => store.save([path], key))

    expect(server.entries().filter((e) => e.key === key)).toHaveLength(1)
    expect(server.requests.some((r) => r.status === 409)).toBe(true)
    expect(second.log).not.toContain('::error::')
    expect(log.lines).toContainEqual(expect.stringMatching(new RegExp(`^info: .*already holds an entry ${key}.*immutable`)))
    expect(log.lines.filter((l) => l.startsWith('warning'))).toEqual([])

    rmSync(path)
    expect((await printed(() => store.restore([path], key, []))).value).toBe(key)
    expect(readFileSync(path, 'utf8')).toBe('first deploy')
  }, 60_000)

  it('a restore given other path strings misses, even for the same file: the paths are part of the version', async () => {
    const store = actionsCacheStore(recordingLogger())
    const path = fixedFile('saved under one spelling')
    const key = `${protocol}-paths-production-ccc333`
    await printed(() => store.save([path], key))
    const otherSpelling = `${dirname(path)}/./manifest.json`

    rmSync(path)
    expect((await printed(() => store.restore([otherSpelling], key, [key]))).value).toBeUndefined()
    expect(existsSync(path)).toBe(false)
    expect((await printed(() => store.restore([path], key, [key]))).value).toBe(key)
    expect(readFileSync(path, 'utf8')).toBe('saved under one spelling')
  }, 60_000)

  it('a job without the runtime token gets nothing: a warning and a miss', async () => {
    const store = actionsCacheStore(recordingLogger())
    const path = fixedFile('guarded')
    const key = `${protocol}-token-production-ddd444`
    await printed(() => store.save([path], key))
    const wrong = setEnv({ ACTIONS_RUNTIME_TOKEN: 'not-the-token' })
    try {
      const { value, log } = await printed(() => store.restore([path], key, []))
      expect(value).toBeUndefined()
      expect(log).toContain('::warning::Failed to restore')
    } finally {
      wrong.restore()
    }
    expect(server.requests.some((r) => r.api === protocol && r.status === 401)).toBe(true)
  }, 60_000)

  // v2 retries a 500 five times with backoff (about 30 s) before giving up, hence the timeout.
  it('a service answering 500 makes restore a warning and a miss, not a throw', async () => {
    const store = actionsCacheStore(recordingLogger())
    const path = fixedFile('before the outage')
    const key = `${protocol}-outage-production-eee555`
    await printed(() => store.save([path], key))
    rmSync(path)
    server.failWith(500)
    try {
      const { value, log } = await printed(() => store.restore([path], key, [key]))
      expect(value).toBeUndefined()
      expect(log).toContain('::warning::Failed to restore')
      expect(existsSync(path)).toBe(false)
    } finally {
      server.failWith(undefined)
    }
    expect(server.requests.some((r) => r.api === protocol && r.status === 500)).toBe(true)
  }, 120_000)
})

describe('actionsCacheStore when the service refuses a save (v1)', () => {
  let server: ActionsCacheServer
  let env: { restore: () => void }

  beforeAll(async () => {
    server = await ActionsCacheServer.start()
    const root = tempDir('cache-int')
    env = setEnv({ ...server.env('v1'), GITHUB_WORKSPACE: root, RUNNER_TEMP: join(root, 'temp') })
  })

  afterAll(async () => {
    env?.restore()
    await server?.close()
  })

  it('warns through its logger that the entry was not saved, naming the key, and does not throw', async () => {
    const log = recordingLogger()
    const store = actionsCacheStore(log)
    const path = join(tempDir('fixed'), 'manifest.json')
    writeFileSync(path, manifest)
    server.failWith(500)
    try {
      const { log: printedLog } = await printed(() => store.save([path], 'v1-refused-production-fff666'))
      expect(printedLog).toContain('Failed to save')
    } finally {
      server.failWith(undefined)
    }
    expect(server.entries()).toEqual([])
    expect(log.lines).toContainEqual(expect.stringMatching(/^warning: The actions cache entry v1-refused-production-fff666 was not saved/))
  }, 60_000)
})
