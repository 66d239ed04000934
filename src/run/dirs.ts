/**
 * The action's own directories for one dbt project, all under the runner's temp directory and
 * never inside the user's project. This module is the one place their paths are made.
 */
import { copyFileSync, existsSync, mkdirSync, rmSync } from 'node:fs'
import { join, relative, resolve } from 'node:path'
import { cacheProjectKey } from '../baseline/cache-source.js'
import type { DeferredEnv } from '../settings.js'

/** The action's directories for one project. */
export interface ActionDirs {
  /** Identifies the project inside the repository: its name and a hash of its path (matrix jobs stay apart). */
  projectKey: string
  /** The project directory relative to the workspace ('.' for the root). */
  projectPath: string
  /** Everything of this project's run lives below this directory. */
  root: string
  /** Holds the deferred environment's manifest.json, passed to dbt as --state. */
  stateDir: string
  /** Holds the manifest of an environment the run does not defer to (read by the safety check only). */
  evidenceDir(env: DeferredEnv): string
  /** Downloads (artifact zips) before extraction. */
  downloadDir: string
  /** The markdown and JSON reports. */
  reportDir: string
  /** dbt's partial-parse file restored from and saved to the actions cache (the same path in every job). */
  parseCacheDir: string
  /**
   * A fresh, empty target directory for one dbt step (`--target-path`), so no artifact of an
   * earlier step or command can be taken for this one's. dbt's partial-parse file of `seedFrom`
   * is copied in, so steps after the first do not parse the project from scratch.
   */
  dbtTarget(step: string, seedFrom?: string): string
}

/** dbt's partial-parse cache inside a target directory. */
export const PARTIAL_PARSE_FILE = 'partial_parse.msgpack'

/** Creates (if needed) and returns the action's directories for the project. */
export function actionDirs(tempDir: string, workspace: string, projectDir: string, projectName: string): ActionDirs {
  const projectPath = relative(resolve(workspace), resolve(projectDir)) || '.'
  const projectKey = cacheProjectKey(projectName, projectPath)
  const root = join(tempDir, 'dbt-defer-action', projectKey)
  const made = (dir: string): string => (mkdirSync(dir, { recursive: true }), dir)
  return {
    projectKey,
    projectPath,
    root,
    stateDir: made(join(root, 'state')),
    evidenceDir: (env) => made(join(root, 'evidence', env)),
    downloadDir: made(join(root, 'download')),
    reportDir: made(join(root, 'report')),
    parseCacheDir: join(root, 'parse-cache'),
    dbtTarget: (step, seedFrom) => freshTarget(join(root, 'dbt', step), seedFrom)
  }
}

function freshTarget(dir: string, seedFrom: string | undefined): string {
  rmSync(dir, { recursive: true, force: true })
  mkdirSync(dir, { recursive: true })
  const seed = seedFrom ? join(seedFrom, PARTIAL_PARSE_FILE) : undefined
  if (seed && existsSync(seed)) copyFileSync(seed, join(dir, PARTIAL_PARSE_FILE))
  return dir
}
