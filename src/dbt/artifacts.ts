import { join } from 'node:path'
import type { Manifest, RunResults } from './artifact-types.js'

/** The artifacts of one dbt step, or why they are missing. */
export interface RunArtifacts {
  /** run_results.json written by the step, if dbt wrote one. */
  runResults?: RunResults
  /** manifest.json written by the step, if dbt wrote one. */
  manifest?: Manifest
  /** Paths of the two files. */
  runResultsPath: string
  manifestPath: string
  /** Why an artifact is missing: not written, or unreadable. */
  problems: string[]
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT'
}

async function readOne<T>(path: string, readText: (path: string) => Promise<string>, problems: string[]): Promise<T | undefined> {
  const file = path.split('/').pop()
  try {
    const parsed = JSON.parse(await readText(path)) as T
    if (parsed && typeof parsed === 'object') return parsed
    problems.push(`${file} holds no JSON object`)
  } catch (error) {
    problems.push(
      isMissing(error)
        ? `dbt wrote no ${file} for this run`
        : `${file} could not be read: ${error instanceof Error ? error.message : String(error)}`
    )
  }
  return undefined
}

/**
 * Reads run_results.json and manifest.json of a step. The directory is the step's own and was
 * empty before it ran, so whatever is found there is this invocation's.
 */
export async function readRunArtifacts(targetDir: string, readText: (path: string) => Promise<string>): Promise<RunArtifacts> {
  const problems: string[] = []
  const runResultsPath = join(targetDir, 'run_results.json')
  const manifestPath = join(targetDir, 'manifest.json')
  const runResults = await readOne<RunResults>(runResultsPath, readText, problems)
  const manifest = await readOne<Manifest>(manifestPath, readText, problems)
  return { runResults, manifest, runResultsPath, manifestPath, problems }
}
