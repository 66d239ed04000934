/**
 * Keeps fetched remote baselines in the actions cache, keyed by their identity (e.g. the dbt
 * Cloud run id), so a re-run of a pull request whose newest deploy run did not change restores
 * the manifest instead of downloading it again.
 *
 * Design: a remote source only learns a baseline's identity after finding the newest usable
 * run, and some runs turn out to have no manifest. So the source consults this cache itself,
 * per run, after the run is found and before the download (see dbt-cloud-source.ts). A miss or
 * any cache failure simply means downloading.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import type { Logger } from '../github/octokit.js'
import type { CacheStore } from './cache-store.js'
import { BaselineConfigError, messageOf } from './errors.js'

/** The fetched-baseline cache as the sources use it. */
export interface FetchedCache {
  /** Writes the manifest cached for `identity` to `destPath`; false when there is none. */
  restore(identity: string, destPath: string): Promise<boolean>
  /** Caches the manifest at `srcPath` under `identity` (never fails the run). */
  save(identity: string, srcPath: string): Promise<void>
}

/** The cache key of an identity. */
export function fetchedCacheKey(identity: string): string {
  return `dbt-defer-fetched-${sha256(identity)}`
}

/** A fetched cache over `store`, using fixed paths under `tempDir`. */
export function createFetchedCache(store: CacheStore, tempDir: string, log: Logger): FetchedCache {
  const fixedPath = (identity: string) => join(tempDir, 'dbt-defer-action', 'fetched', sha256(identity), 'manifest.json')
  return {
    async restore(identity, destPath) {
      const key = fetchedCacheKey(identity)
      const fixed = fixedPath(identity)
      try {
        await rm(fixed, { force: true })
        await mkdir(dirname(fixed), { recursive: true })
        const matched = await store.restore([fixed], key, [])
        if (matched !== key || !existsSync(fixed)) return false
        await mkdir(dirname(destPath), { recursive: true })
        await copyFile(fixed, destPath)
        log.info(`Took the baseline of ${identity} from the actions cache (${key}); no download needed.`)
        return true
      } catch (error) {
        if (error instanceof BaselineConfigError) throw error
        log.warning(
          `Reading the fetched baseline of ${identity} from the actions cache failed (${messageOf(error)}); downloading it instead.`
        )
        return false
      }
    },
    async save(identity, srcPath) {
      const fixed = fixedPath(identity)
      try {
        await mkdir(dirname(fixed), { recursive: true })
        if (resolve(srcPath) !== resolve(fixed)) await copyFile(srcPath, fixed)
        await store.save([fixed], fetchedCacheKey(identity))
      } catch (error) {
        log.warning(
          `Keeping the fetched baseline of ${identity} in the actions cache failed (${messageOf(error)}); the next run downloads it again.`
        )
      }
    }
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
