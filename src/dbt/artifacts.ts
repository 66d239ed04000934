import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Manifest, RunResults } from './artifact-types.js'

/** The artifacts of this invocation, or why they are missing. */
export interface RunArtifacts {
  /** run_results.json written by this invocation, if dbt wrote one. */
  runResults?: RunResults
  /** manifest.json written by this invocation, if dbt wrote one. */
  manifest?: Manifest
  /** Paths of the two files (whether or not they are current). */
  runResultsPath: string
  manifestPath: string
  /** Why an artifact is missing: not written, stale (left by an earlier run) or unreadable. */
  problems: string[]
}

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

/** Reads a manifest file; null when it is missing or not JSON (callers then work without it). */
export function readManifestFile(path: string): Manifest | null {
  try {
    return readJson<Manifest>(path)
  } catch {
    return null
  }
}

/** An artifact is current when dbt generated it after this invocation started. */
function isCurrent(generatedAt: unknown, startedAt: Date): boolean {
  if (typeof generatedAt !== 'string') return false
  // dbt writes UTC timestamps with or without a trailing Z.
  const stamp = Date.parse(/[zZ]|[+-]\d\d:?\d\d$/.test(generatedAt) ? generatedAt : `${generatedAt}Z`)
  return Number.isFinite(stamp) && stamp >= startedAt.getTime() - 1000
}

function readOne<T extends { metadata?: { generated_at?: unknown } }>(
  path: string,
  startedAt: Date,
  problems: string[]
): T | undefined {
  const file = path.split('/').pop()
  if (!existsSync(path)) {
    problems.push(`dbt wrote no ${file}`)
    return undefined
  }
  try {
    const parsed = readJson<T>(path)
    if (isCurrent(parsed.metadata?.generated_at, startedAt)) return parsed
    problems.push(`${file} is older than this run (left by an earlier dbt invocation)`)
  } catch (error) {
    problems.push(`${file} could not be read: ${(error as Error).message}`)
  }
  return undefined
}

/** Reads run_results.json and manifest.json of the invocation that started at `startedAt`. */
export function readRunArtifacts(targetDir: string, startedAt: Date): RunArtifacts {
  const problems: string[] = []
  const runResultsPath = join(targetDir, 'run_results.json')
  const manifestPath = join(targetDir, 'manifest.json')
  const runResults = readOne<RunResults>(runResultsPath, startedAt, problems)
  const manifest = readOne<Manifest>(manifestPath, startedAt, problems)
  return { runResults, manifest, runResultsPath, manifestPath, problems }
}
