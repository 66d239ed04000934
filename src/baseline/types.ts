import type { BaselineSourceKind, DeferredEnv } from '../settings.js'

/** Identity and provenance of a baseline manifest that was found. */
export interface BaselineInfo {
  /** The environment this manifest belongs to. */
  env: DeferredEnv
  /** Where it came from. */
  source: BaselineSourceKind
  /** Id of the deploy run that produced it (workflow run id, dbt Cloud run id), when known. */
  runId?: string
  /** Link to that run, when known. */
  runUrl?: string
  /** Commit the deploy run built, when known. */
  sha?: string
  /** When dbt wrote the manifest (`metadata.generated_at`). */
  generatedAt?: string
  /** A stable identity (source + run id, or content hash) used to cache fetched baselines. */
  identity: string
  /** Human description of where it was found (artifact name, URL, path, cache key). */
  location: string
}

/** A baseline manifest placed on disk. */
export interface Baseline extends BaselineInfo {
  /** Absolute path of manifest.json inside the action's own state directory. */
  manifestPath: string
}

/** Where a source looked, for the messages of a search that found nothing. */
export interface SearchReport {
  /** One line per place looked at and why it was passed over. */
  searched: string[]
}

/**
 * One place baselines can come from. `fetch` returns null when the environment has no
 * baseline there (with what was searched); it throws for misconfiguration or service errors.
 */
export interface BaselineSource {
  /** The source's kind. */
  readonly kind: BaselineSourceKind
  /** Whether a staging environment is configured for this source (decides `auto`). */
  stagingConfigured(): Promise<boolean>
  /** Finds the latest successful deploy baseline of `env` and writes it to `destDir/manifest.json`. */
  fetch(env: DeferredEnv, destDir: string): Promise<Baseline | SearchReport>
}

/** True when a fetch found a baseline. */
export function isBaseline(r: Baseline | SearchReport): r is Baseline {
  return (r as Baseline).manifestPath !== undefined
}
