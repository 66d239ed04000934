/**
 * The event payload of the run, typed with GitHub's webhook types. Which event it is decides
 * where the pull request comes from:
 * - `pull_request` / `pull_request_target`: the payload's `pull_request` (any action, `closed`
 *   included: the cleanup mode runs there);
 * - `workflow_call`: the reusable workflow runs with its caller's event and payload, so the same
 *   rule applies to whatever the caller was triggered by;
 * - `issue_comment` on a pull request: the payload's `issue` (with `pull_request` set) names it;
 * - `workflow_dispatch`, `push`, `schedule`: no pull request in the payload; the open pull request
 *   of the run's branch is looked up instead (pull-request.ts).
 * The payload is read from a file the runner wrote, so it is checked at run time too: a field of
 * the wrong type is treated as absent, never trusted.
 */
import type { IssueCommentEvent, PullRequest, PullRequestEvent, WebhookEvent } from '@octokit/webhooks-types'

/**
 * The event payload as the action reads it: a webhook event, possibly partial (a test's, or an
 * older runner's), or `{}` when there is none. The accessors below check what they read.
 */
export type EventPayload = Partial<WebhookEvent> | Record<string, unknown>

/** The fields of a pull request the action reads, shared by the REST API and the webhook payload. */
export type PullRequestFields = Pick<PullRequest, 'number'> &
  Partial<Pick<PullRequest, 'html_url'>> & {
    head?: { sha?: string; ref?: string; repo?: { full_name?: string } | null }
    base?: { sha?: string; ref?: string; repo?: { full_name?: string } | null }
  }

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The pull request the payload carries (pull_request events, and a workflow_call from one). */
export function payloadPullRequest(payload: EventPayload): PullRequestFields | undefined {
  const pr = (payload as Partial<PullRequestEvent>).pull_request as unknown
  if (!isRecord(pr) || typeof pr.number !== 'number' || !Number.isInteger(pr.number) || pr.number < 1) return undefined
  return pr as unknown as PullRequestFields
}

/** The number of the pull request an `issue_comment` event is about, when it is about one. */
export function payloadIssuePullNumber(payload: EventPayload): number | undefined {
  const issue = (payload as Partial<IssueCommentEvent>).issue as unknown
  if (!isRecord(issue) || !issue.pull_request || typeof issue.number !== 'number' || !Number.isInteger(issue.number)) return undefined
  return issue.number
}
