/**
 * The command-line tool's own cache, in a directory of the user's: fetched baselines with the
 * time they were fetched (a baseline younger than the freshness window is used without asking
 * the source), and a store behind the same interface as the actions cache, so the remote
 * sources' identity-keyed cache (fetched-cache.ts) works on a developer's machine too.
 */
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { CacheStore } from '../baseline/cache-store.js'
import type { PlacedBaseline } from '../baseline/obtain.js'
import type { BaselineSettings, DeferredEnv } from '../settings.js'

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}

/** A {@link CacheStore} over a local directory: an entry per key, holding copies of the saved files. */
export function directoryCacheStore(root: string): CacheStore {
  const entryDir = (key: string): string => join(root, sha256(key))
  const keyOf = (dir: string): string | undefined => {
    const file = join(root, dir, 'key')
    return existsSync(file) ? readFileSync(file, 'utf8') : undefined
  }
  const newestWithPrefix = (prefix: string): string | undefined => {
    if (!existsSync(root)) return undefined
    const entries = readdirSync(root)
      .map((dir) => ({ key: keyOf(dir), at: statSync(join(root, dir)).mtimeMs }))
      .filter((e): e is { key: string; at: number } => e.key !== undefined && e.key.startsWith(prefix))
    return entries.sort((a, b) => b.at - a.at)[0]?.key
  }
  return {
    async restore(paths, primaryKey, restoreKeys, options = {}) {
      const key = keyOf(sha256(primaryKey)) === primaryKey ? primaryKey : restoreKeys.map(newestWithPrefix).find(Boolean)
      if (!key || options.lookupOnly) return key
      const dir = entryDir(key)
      for (const [i, path] of paths.entries()) {
        const saved = join(dir, String(i))
        if (!existsSync(saved)) continue
        await mkdir(dirname(path), { recursive: true })
        await copyFile(saved, path)
      }
      return key
    },
    async save(paths, key) {
      const dir = entryDir(key)
      if (existsSync(join(dir, 'key'))) return
      await mkdir(dir, { recursive: true })
      for (const [i, path] of paths.entries()) if (existsSync(path)) await copyFile(path, join(dir, String(i)))
      await writeFile(join(dir, 'key'), key)
    }
  }
}

/** What the tool remembers of a fetched baseline. */
export interface FetchedRecord {
  /** The baseline settings it was fetched under (a hash: a change of source or workflow re-fetches). */
  settings: string
  /** When it was fetched (ISO 8601). */
  fetchedAt: string
  /** The baseline as found, less its parsed manifest. */
  baseline: Omit<PlacedBaseline, 'manifest'>
}

/** A hash of the baseline settings, secrets left out, so a changed setting re-fetches. */
export function settingsFingerprint(settings: BaselineSettings, repository: string): string {
  const { token: _token, ...dbtCloud } = settings.dbtCloud
  const { authorization: _auth, ...url } = settings.url
  void _token
  void _auth
  return sha256(JSON.stringify([repository, settings.source, settings.path, settings.artifact, settings.cache, dbtCloud, url]))
}

/** Each environment's fetched baseline in the tool's cache directory. */
export class LocalBaselines {
  constructor(
    /** This project's directory in the tool's cache. */
    readonly root: string,
    /** The fingerprint of the current settings. */
    private readonly fingerprint: string
  ) {}

  /** The state directory of an environment: `--state` gets this, holding manifest.json. */
  stateDir(env: DeferredEnv): string {
    return join(this.root, 'baselines', env)
  }

  private recordPath(env: DeferredEnv): string {
    return join(this.root, 'baselines', `${env}.json`)
  }

  /** The record of the environment's baseline, when there is one made under the same settings. */
  async record(env: DeferredEnv): Promise<FetchedRecord | undefined> {
    const path = this.recordPath(env)
    if (!existsSync(path) || !existsSync(join(this.stateDir(env), 'manifest.json'))) return undefined
    try {
      const record = JSON.parse(await readFile(path, 'utf8')) as FetchedRecord
      return record.settings === this.fingerprint ? record : undefined
    } catch {
      return undefined
    }
  }

  /** Remembers a baseline just fetched into the environment's state directory. */
  async remember(env: DeferredEnv, baseline: PlacedBaseline, now: Date): Promise<void> {
    const { manifest: _manifest, ...rest } = baseline
    void _manifest
    const record: FetchedRecord = { settings: this.fingerprint, fetchedAt: now.toISOString(), baseline: rest }
    await mkdir(dirname(this.recordPath(env)), { recursive: true })
    await writeFile(this.recordPath(env), `${JSON.stringify(record, null, 2)}\n`)
  }

  /** Forgets the environment's baseline (the source found none). */
  async forget(env: DeferredEnv): Promise<void> {
    await rm(this.recordPath(env), { force: true })
  }
}

/** Seconds since the record's fetch. */
export function ageOf(record: FetchedRecord, now: Date): number {
  return Math.max(0, (now.getTime() - Date.parse(record.fetchedAt)) / 1000)
}
