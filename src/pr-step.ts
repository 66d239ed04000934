import { findPullRequest, parseRepository, pullRequestOfPayload } from './github/pull-request.js'
import { messageOf } from './errors.js'
import type { Services } from './services.js'
import type { Settings } from './settings.js'

/** The pull request the report goes to, or why there is none. */
export interface PullRequestTarget {
  /** owner and repo, when the run belongs to a repository. */
  repo?: { owner: string; repo: string }
  /** The pull request number, when there is one. */
  number?: number
  /** Head commit of the pull request (file links point there). */
  headSha?: string
  /** Link to the pull request. */
  url?: string
  /** The head lives in a fork: its token is read-only. */
  fromFork: boolean
  /** How it was found, or why there is none. */
  reason: string
}

/**
 * Step: find the pull request. Never fails the build: without one the report goes to the job
 * summary only, which is said in the log.
 */
export async function locatePullRequest(settings: Settings, services: Services): Promise<PullRequestTarget> {
  const { context, report } = settings
  // The payload's own pull request needs no API: the CI schema's {pr} comes from it even without a token.
  const offline = report.prNumber === undefined ? pullRequestOfPayload(services.event, context.repository, context.eventName) : undefined
  if (!context.repository)
    return {
      ...offline?.pr,
      fromFork: offline?.pr?.fromFork ?? false,
      reason: 'the run belongs to no repository (GITHUB_REPOSITORY is not set)'
    }
  const repo = parseRepository(context.repository)
  if (!report.token) return { repo, ...offline?.pr, fromFork: offline?.pr?.fromFork ?? false, reason: 'no github-token was given' }
  try {
    const found = await findPullRequest(services.github(), {
      repository: context.repository,
      eventName: context.eventName,
      payload: services.event,
      branch: context.branch,
      prNumberOverride: report.prNumber
    })
    if (!found.pr) services.log.info(`No pull request to comment on: ${found.reason}`)
    return { repo, ...found.pr, fromFork: found.pr?.fromFork ?? false, reason: found.reason }
  } catch (error) {
    services.log.warning(`Could not look up the pull request: ${messageOf(error)}. The report goes to the job summary only.`)
    return { repo, ...offline?.pr, fromFork: offline?.pr?.fromFork ?? false, reason: messageOf(error) }
  }
}
