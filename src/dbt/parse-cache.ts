/**
 * dbt's partial-parse file (`partial_parse.msgpack`) kept across runs in the actions cache, so a
 * pull request's second push does not parse the project from scratch.
 *
 * dbt decides for itself whether a restored file may be used (dbt-core's
 * ManifestLoader.is_partial_parsable): the dbt version, a hash of the command-line vars, profile
 * name and target name, a hash of the env vars dbt_project.yml reads, a hash of every project's
 * dbt_project.yml, and the *profile hash*, a hash of the CI target's connection info
 * (`credentials.connection_info()`: for DuckDB and PostgreSQL the schema among them). A file of
 * another pull request was made under another CI schema, so dbt rejects it ("profile has
 * changed"); keeping the hash equal across pull requests would mean handing dbt the schema
 * otherwise, which changes what it builds. The entries are therefore keyed per pull request (or
 * per branch without one), and shared across pull requests only when there is no per-PR schema.
 * dbt re-parses every file whose checksum changed, so a stale file costs a partial re-parse,
 * never a different build.
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import type { CacheStore } from '../baseline/cache-store.js'
import type { Logger } from '../logger.js'
import { PARTIAL_PARSE_FILE } from '../run/dirs.js'

/** Bumped when the entries' layout changes, so older entries are never restored. */
const LAYOUT = 'v1'

/** What the keys of one project's entries are made of. */
export interface ParseCacheScope {
  /** The project inside the repository (name and path hash). */
  projectKey: string
  /** The dbt target, when given. */
  target?: string
  /** The pull request, when the run has one. */
  pr?: number
  /** The branch, for runs without a pull request. */
  branch?: string
  /** The workflow run (and attempt), making each save's key new. */
  runId?: string
  /** Whether the run hands dbt a per-PR CI schema (then other pull requests' files never fit). */
  perPrSchema: boolean
}

/** A key part: lower case, other characters `_`, short. */
function part(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '_')
    .slice(0, 60)
}

/** The entry key this run saves under, and the prefixes it restores from, most specific first. */
export function parseCacheKeys(scope: ParseCacheScope): { key: string; restoreKeys: string[] } {
  const base = `dbt-defer-parse-${LAYOUT}-${part(scope.projectKey)}-${part(scope.target ?? 'default')}-`
  const own = scope.pr !== undefined ? `pr${scope.pr}-` : `ref-${part(scope.branch ?? 'none')}-`
  const restoreKeys = [`${base}${own}`, ...(scope.perPrSchema ? [] : [base])]
  return { key: `${base}${own}${part(scope.runId ?? String(Date.now()))}`, restoreKeys }
}

/** The parse cache of one run. */
export interface ParseCache {
  /** The directory whose partial-parse file seeds the first dbt step; undefined when nothing was restored. */
  restore(): Promise<string | undefined>
  /** Saves the partial-parse file of a step's target directory. */
  save(targetDir: string | undefined): Promise<void>
}

/** What the parse cache needs. */
export interface ParseCacheDeps {
  store: CacheStore
  log: Logger
  /** The action's own directory for the file (the same path in every job, as the cache requires). */
  dir: string
  scope: ParseCacheScope
  /** Whether bytes hold one of the run's secrets: such a file is never saved. */
  holdsSecret: (bytes: Buffer) => boolean
}

/** A parse cache over the actions cache; it never fails the run. */
export function parseCache(deps: ParseCacheDeps): ParseCache {
  const file = join(deps.dir, PARTIAL_PARSE_FILE)
  const { key, restoreKeys } = parseCacheKeys(deps.scope)
  const usable = () => deps.store.available?.() ?? true
  return {
    async restore() {
      if (!usable()) {
        deps.log.info('The parse cache is skipped: the actions cache service is not available to this job.')
        return undefined
      }
      rmSync(deps.dir, { recursive: true, force: true })
      mkdirSync(deps.dir, { recursive: true })
      const hit = await deps.store.restore([file], key, restoreKeys)
      if (!hit || !existsSync(file)) {
        deps.log.info('No partial-parse file of this pull request in the actions cache: dbt parses the project in full.')
        return undefined
      }
      deps.log.info(`Restored dbt's partial-parse file from the actions cache (${hit}); dbt checks it before using it.`)
      return deps.dir
    },
    async save(targetDir) {
      if (!targetDir || !usable()) return
      const made = join(targetDir, PARTIAL_PARSE_FILE)
      if (!existsSync(made)) {
        deps.log.info('dbt wrote no partial-parse file (partial parsing off?): nothing to keep for the next run.')
        return
      }
      if (deps.holdsSecret(readFileSync(made))) {
        deps.log.warning(
          "dbt's partial-parse file holds one of this run's secrets (an env var read by the project?), so it is not saved to the actions cache."
        )
        return
      }
      mkdirSync(deps.dir, { recursive: true })
      copyFileSync(made, file)
      await deps.store.save([file], key)
    }
  }
}
