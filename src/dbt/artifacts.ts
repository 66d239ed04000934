import { join } from 'node:path'
import { readJsonFile } from './json-file.js'
import { messageOf } from '../errors.js'
import { ArtifactCheckError, checkRunManifest, checkRunResults } from './artifact-check.js'
import type { Manifest, RunResults } from './artifact-types.js'
import { readSqlFiles, type CompiledSql } from './compiled-sql.js'

/** The artifacts of one dbt step, or why they are missing. */
export interface RunArtifacts {
  /** run_results.json written by the step, if dbt wrote one. */
  runResults?: RunResults
  /** manifest.json written by the step, if dbt wrote one. */
  manifest?: Manifest
  /** Paths of the two files. */
  runResultsPath: string
  manifestPath: string
  /** Why an artifact is missing: not written, unreadable, or lacking a field the report reads. */
  problems: string[]
  /** The SQL of results without `compiled_code`, read from the SQL files dbt wrote in the step's directory. */
  sqlFiles?: ReadonlyMap<string, CompiledSql>
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'ENOENT'
}

/**
 * Reads and checks one artifact. A file that is missing, unreadable, not JSON or lacking a field
 * the report reads is a problem to report, never a crash of the report step.
 */
async function readOne<T>(
  path: string,
  readJson: (path: string) => Promise<unknown>,
  problems: string[],
  check: (value: unknown, file: string) => T
): Promise<T | undefined> {
  const file = path.split('/').pop() ?? path
  let parsed: unknown
  try {
    parsed = await readJson(path)
  } catch (error) {
    problems.push(isMissing(error) ? `dbt wrote no ${file} for this run` : `${file} could not be read: ${messageOf(error)}`)
    return undefined
  }
  if (!parsed || typeof parsed !== 'object') {
    problems.push(`${file} holds no JSON object`)
    return undefined
  }
  try {
    return check(parsed, file)
  } catch (error) {
    if (!(error instanceof ArtifactCheckError)) throw error
    problems.push(error.message)
    return undefined
  }
}

/**
 * Reads run_results.json and manifest.json of a step, each checked for the fields the report
 * reads: one that fails the check is left out and said in `problems`, as a missing one is. The
 * directory is the step's own and was empty before it ran, so whatever is found there is this
 * invocation's.
 */
export async function readRunArtifacts(
  targetDir: string,
  readJson: (path: string) => Promise<unknown> = readJsonFile
): Promise<RunArtifacts> {
  const problems: string[] = []
  const runResultsPath = join(targetDir, 'run_results.json')
  const manifestPath = join(targetDir, 'manifest.json')
  const runResults = await readOne(runResultsPath, readJson, problems, checkRunResults)
  const manifest = await readOne(manifestPath, readJson, problems, checkRunManifest)
  const sqlFiles = runResults && manifest ? await readSqlFiles(targetDir, runResults, manifest) : new Map<string, CompiledSql>()
  return { runResults, manifest, runResultsPath, manifestPath, problems, sqlFiles }
}
