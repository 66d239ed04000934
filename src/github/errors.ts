/** Typed errors of the GitHub modules; main.ts decides what each one means for the run. */

/** The token may not write the report comment. The report is still in the job summary: warn. */
export class CommentPermissionError extends Error {
  override readonly name = 'CommentPermissionError'
  constructor(
    message: string,
    /** The permission the workflow's job must grant, e.g. `pull-requests: write`. */
    readonly permission: string,
    /** HTTP status GitHub answered (403 or 404). */
    readonly status: number
  ) {
    super(message)
  }
}

/** An input names something GitHub does not have (a workflow, a repository): fail the run. */
export class GitHubInputError extends Error {
  override readonly name = 'GitHubInputError'
  constructor(
    message: string,
    /** The action input at fault. */
    readonly input: string
  ) {
    super(message)
  }
}

/** The HTTP status of an Octokit request error, or undefined for any other error. */
export function httpStatus(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const status = (error as { status?: unknown }).status
  return typeof status === 'number' ? status : undefined
}

export { messageOf } from '../errors.js'
