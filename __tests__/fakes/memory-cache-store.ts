import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import type { CacheStore } from '../../src/baseline/cache-store.js'

/** One saved entry: its key, the paths it was saved with, and the files' bytes. */
export interface MemoryCacheEntry {
  key: string
  /** The paths as given to save; the real service folds them into the entry's version. */
  paths: string[]
  files: Map<string, Buffer>
  /** Creation order (higher is newer). */
  seq: number
}

/**
 * An in-memory actions cache that keeps the real service's rules: keys are immutable (saving an
 * existing key is ignored with a warning), the primary key matches exactly, restore keys match
 * by prefix and the newest entry wins, and an entry only matches a restore that passes the very
 * same path strings it was saved with. Files are copied in on save and out on restore.
 */
export class MemoryCacheStore implements CacheStore {
  readonly entries: MemoryCacheEntry[] = []
  readonly warnings: string[] = []
  /** Every restore and save call, in order, with what it came to. */
  readonly log: Array<{ op: 'restore' | 'save'; key: string; result: string | undefined }> = []
  private seq = 0
  /** Whether the service is there; a test sets false to take it away. */
  available = (): boolean => true

  async save(paths: string[], key: string): Promise<void> {
    if (this.entries.some((e) => e.key === key)) {
      this.warnings.push(`Unable to reserve cache with key ${key}, another job may be creating this cache.`)
      this.log.push({ op: 'save', key, result: 'exists' })
      return
    }
    const missing = paths.filter((p) => !existsSync(p))
    if (missing.length) {
      this.warnings.push(`Path Validation Error: Path(s) specified in the action for caching do(es) not exist: ${missing.join(', ')}`)
      this.log.push({ op: 'save', key, result: 'missing paths' })
      return
    }
    const files = new Map(paths.map((p) => [p, readFileSync(p)] as const))
    this.entries.push({ key, paths: [...paths], files, seq: ++this.seq })
    this.log.push({ op: 'save', key, result: 'saved' })
  }

  async restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined> {
    const sameVersion = this.entries.filter((e) => e.paths.join('\n') === paths.join('\n'))
    const exact = sameVersion.find((e) => e.key === primaryKey)
    const entry = exact ?? this.newestByPrefix(sameVersion, restoreKeys)
    if (entry) {
      for (const [path, bytes] of entry.files) {
        mkdirSync(dirname(path), { recursive: true })
        writeFileSync(path, bytes)
      }
    }
    this.log.push({ op: 'restore', key: primaryKey, result: entry?.key })
    return entry?.key
  }

  /** The keys held, oldest first. */
  keys(): string[] {
    return this.entries.map((e) => e.key)
  }

  private newestByPrefix(entries: MemoryCacheEntry[], prefixes: string[]): MemoryCacheEntry | undefined {
    for (const prefix of prefixes) {
      const matches = entries.filter((e) => e.key.startsWith(prefix)).sort((a, b) => b.seq - a.seq)
      if (matches.length) return matches[0]
    }
    return undefined
  }
}
