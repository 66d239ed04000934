/**
 * Check annotations for failing nodes: one per failure, on the node's file.
 */
import { truncate } from './markdown.js'
import { outcomeOf, sortNodes } from './format.js'
import type { Report } from './types.js'

/** One annotation: plain text (annotations are not markdown). */
export interface Annotation {
  /** The failure message. */
  message: string
  /** The file, relative to the repository root; absent when unknown. */
  file?: string
  /** A short title: "dbt model orders: error". */
  title: string
}

/** GitHub shows at most 10 error annotations per step. */
export const MAX_ANNOTATIONS = 10

/**
 * Annotations for failed nodes (errors and test failures), models before tests, at most
 * `limit`; when some are left out the last one says how many more there are.
 */
export function annotationsFor(report: Report, limit = MAX_ANNOTATIONS): Annotation[] {
  const failed = sortNodes(report.nodes.filter((n) => outcomeOf(n.status) === 'failed'))
  const ordered = [...failed.filter((n) => !n.is_test), ...failed.filter((n) => n.is_test)]
  const out = ordered.slice(0, Math.max(0, limit)).map((n) => ({
    message: truncate(n.message?.trim() || `${n.name} ended with status ${n.status}.`, 4000),
    ...(n.file ? { file: repoPath(report.run.project_dir, n.file) } : {}),
    title: truncate(`dbt ${n.resource_type} ${n.name}: ${n.status}`, 200)
  }))
  const more = ordered.length - out.length
  if (more > 0 && out.length > 0) {
    const last = out[out.length - 1]
    last.message = `${last.message}\n\n(${more} more failures are not annotated; the job summary lists them all.)`
  }
  return out
}

/** The file's path from the repository root. */
function repoPath(projectDir: string | null, file: string): string {
  const dir = (projectDir ?? '')
    .replace(/\\/g, '/')
    .replace(/^\.\/?/, '')
    .replace(/\/+$/, '')
  return dir ? `${dir}/${file}` : file
}
