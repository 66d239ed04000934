/**
 * The GitHub Actions cache behind a small interface, so tests hand in a store that holds state.
 * The real service's rules that callers must respect: keys are immutable (saving an existing
 * key does nothing), a prefix restore picks the newest entry, and the paths given to restore
 * must be the very strings given to save (they are part of the entry's version).
 */
import * as cache from '@actions/cache'
import type { Logger } from '../github/octokit.js'
import { BaselineConfigError, CacheServiceError, messageOf } from './errors.js'

/** How a restore behaves. */
export interface RestoreOptions {
  /** Only look the key up; the files are left as they are (a store may restore them anyway). */
  lookupOnly?: boolean
  /** A failed service call: a miss with a warning (default), or a thrown {@link CacheServiceError}. */
  failures?: 'miss' | 'throw'
}

/** The actions cache as the baseline modules use it. */
export interface CacheStore {
  /**
   * Restores the entry whose key is `primaryKey`, else the newest whose key starts with one of
   * `restoreKeys` (tried in order), into `paths`. Returns the matched key, or undefined.
   */
  restore(paths: string[], primaryKey: string, restoreKeys: string[], options?: RestoreOptions): Promise<string | undefined>
  /** Saves `paths` under `key`; an existing key is left as it is. */
  save(paths: string[], key: string): Promise<void>
  /** Whether the service is there at all (asked without a warning); a store without it is. */
  available?(): boolean
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
    if (!yes && !availabilityChecked)
      log.warning(
        'The actions cache service is not available to this job (e.g. GitHub Enterprise Server without it); the cache is skipped.'
      )
    availabilityChecked = true
    return yes
  }
  return {
    available: () => cache.isFeatureAvailable(),
    async restore(paths, primaryKey, restoreKeys, options = {}) {
      const what = `Restoring the actions cache (${primaryKey})`
      if (!available()) {
        if (options.failures === 'throw')
          throw new CacheServiceError(`${what} is not possible: the actions cache service is not available to this job.`)
        return undefined
      }
      try {
        const { value, failure } = await watchingFailures(() =>
          cache.restoreCache(paths, primaryKey, restoreKeys, { lookupOnly: options.lookupOnly })
        )
        if (failure && options.failures === 'throw') throw new CacheServiceError(`${what} failed in the cache service: ${failure}`)
        return value
      } catch (error) {
        if (error instanceof CacheServiceError) throw error
        if (options.failures === 'throw' && !isValidation(error))
          throw new CacheServiceError(`${what} failed in the cache service: ${messageOf(error)}`)
        return failed(error, what, log)
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

/**
 * Runs a restore while reading what it writes to the job log. restoreCache (6.3.0) reports a
 * failed service call only as a `Failed to restore: …` warning or error line and then returns
 * undefined, exactly as for a miss; that line is the only place the two differ.
 */
async function watchingFailures<T>(run: () => Promise<T>): Promise<{ value: T; failure?: string }> {
  const write = process.stdout.write
  let failure: string | undefined
  process.stdout.write = function (this: unknown, chunk: string | Uint8Array, ...rest: unknown[]) {
    const line = /^::(?:warning|error)[^:]*::Failed to restore: (.*)$/m.exec(
      typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8')
    )
    if (line) failure ??= line[1].replace(/%0D/g, '\r').replace(/%0A/g, '\n').replace(/%25/g, '%')
    return (write as (...args: unknown[]) => boolean).call(process.stdout, chunk, ...rest)
  } as typeof process.stdout.write
  try {
    const value = await run()
    return { value, failure }
  } finally {
    process.stdout.write = write
  }
}

function isValidation(error: unknown): error is Error {
  return error instanceof Error && error.name === cache.ValidationError.name
}

function failed(error: unknown, what: string, log: Logger): undefined {
  if (isValidation(error)) {
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
