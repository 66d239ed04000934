/**
 * The GitHub Actions cache behind a small interface, so tests hand in a store that holds state.
 * The real service's rules that callers must respect: keys are immutable (saving an existing
 * key does nothing), a prefix restore picks the newest entry, and the paths given to restore
 * must be the very strings given to save (they are part of the entry's version).
 */
import * as cache from '@actions/cache'
import type { Logger } from '../github/octokit.js'
import { BaselineConfigError, messageOf } from './errors.js'

/** The actions cache as the baseline modules use it. */
export interface CacheStore {
  /**
   * Restores the entry whose key is `primaryKey`, else the newest whose key starts with one of
   * `restoreKeys` (tried in order), into `paths`. Returns the matched key, or undefined.
   */
  restore(paths: string[], primaryKey: string, restoreKeys: string[]): Promise<string | undefined>
  /** Saves `paths` under `key`; an existing key is left as it is. */
  save(paths: string[], key: string): Promise<void>
}

/**
 * The real store over @actions/cache. Service failures become warnings (the toolkit's own
 * stance: a cache is an optimisation); only a malformed key is an error, since the key prefix is
 * an input.
 */
export function actionsCacheStore(log: Logger): CacheStore {
  let availabilityChecked = false
  const available = (): boolean => {
    const yes = cache.isFeatureAvailable()
    if (!yes && !availabilityChecked) log.warning('The actions cache service is not available to this job (e.g. GitHub Enterprise Server without it); the cache is skipped.')
    availabilityChecked = true
    return yes
  }
  return {
    async restore(paths, primaryKey, restoreKeys) {
      if (!available()) return undefined
      try {
        return await cache.restoreCache(paths, primaryKey, restoreKeys)
      } catch (error) {
        return failed(error, `Restoring the actions cache (${primaryKey})`, log)
      }
    },
    async save(paths, key) {
      if (!available()) return
      try {
        // The library logs and swallows every failure but a malformed key, returning -1.
        if ((await cache.saveCache(paths, key)) === -1) await explainUnsaved(paths, key, log)
      } catch (error) {
        failed(error, `Saving the actions cache entry ${key}`, log)
      }
    }
  }
}

/** Tells an entry that exists already (keys are immutable: fine) from a save that failed. */
async function explainUnsaved(paths: string[], key: string, log: Logger): Promise<void> {
  const existing = await cache.restoreCache(paths, key, [], { lookupOnly: true })
  if (existing === key) {
    log.info(`The actions cache already holds an entry ${key}; keys are immutable, so it was left as it was.`)
    return
  }
  log.warning(
    `The actions cache entry ${key} was not saved (the lines above say why). Pull requests cannot defer to this deploy; ` +
      'the next successful publish saves a newer entry, or re-run this job once the cache service answers.'
  )
}

function failed(error: unknown, what: string, log: Logger): undefined {
  if (error instanceof Error && error.name === cache.ValidationError.name) {
    throw new BaselineConfigError(
      `${what} was refused: ${error.message} Keys are built from the input \`cache-key-prefix\`: keep it short and without commas.`,
      'cache-key-prefix'
    )
  }
  if (error instanceof Error && error.name === cache.ReserveCacheError.name) {
    log.info(`${what}: ${error.message} (the entry exists already; keys are immutable).`)
    return undefined
  }
  log.warning(`${what} failed: ${messageOf(error)}. Continuing without it.`)
  return undefined
}
