import { createHash } from 'node:crypto'
import { mkdirSync } from 'node:fs'
import { join, relative } from 'node:path'

/** The action's own directories for one dbt project, all under the runner's temp directory. */
export interface ActionDirs {
  /** Identifies the project inside the repository (matrix jobs over project-dir stay apart). */
  projectKey: string
  /** The project directory relative to the workspace ('.' for the root). */
  projectPath: string
  /** Holds the baseline manifest.json passed to dbt as --state. Never the project's target/. */
  stateDir: string
  /** Downloads (artifact zips) before extraction. */
  downloadDir: string
  /** The markdown and JSON reports. */
  reportDir: string
}

/** A short, readable, collision-free key for the project: its path plus a hash of that path. */
export function projectDirKey(projectPath: string): string {
  const readable = projectPath === '.' ? 'root' : projectPath.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '')
  const hash = createHash('sha256').update(projectPath).digest('hex').slice(0, 8)
  return `${readable.slice(0, 40)}-${hash}`
}

/** Creates (if needed) and returns the action's directories for the project. */
export function actionDirs(tempDir: string, workspace: string, projectDir: string): ActionDirs {
  const projectPath = relative(workspace, projectDir) || '.'
  const projectKey = projectDirKey(projectPath)
  const root = join(tempDir, 'dbt-defer-action', projectKey)
  const dirs = {
    projectKey,
    projectPath,
    stateDir: join(root, 'state'),
    downloadDir: join(root, 'download'),
    reportDir: join(root, 'report')
  }
  for (const dir of [dirs.stateDir, dirs.downloadDir, dirs.reportDir]) mkdirSync(dir, { recursive: true })
  return dirs
}
