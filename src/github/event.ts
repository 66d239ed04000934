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
 * the wrong type is treated as absent, never trusted: the accessors return fresh objects that
 * hold only fields of the right type.
 */
import type { PullRequest, WebhookEvent } from '@octokit/webhooks-types'

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
  const pr = fieldOf(payload, 'pull_request')
  const number = fieldOf(pr, 'number')
  if (!isPullNumber(number)) return undefined
  return { number, html_url: stringOf(fieldOf(pr, 'html_url')), head: branchOf(fieldOf(pr, 'head')), base: branchOf(fieldOf(pr, 'base')) }
}

/** The number of the pull request an `issue_comment` event is about, when it is about one. */
export function payloadIssuePullNumber(payload: EventPayload): number | undefined {
  const issue = fieldOf(payload, 'issue')
  const number = fieldOf(issue, 'number')
  return fieldOf(issue, 'pull_request') && isPullNumber(number) ? number : undefined
}

function isPullNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1
}

/** An own field of a record; undefined for anything that is not a record. */
function fieldOf(record: unknown, key: string): unknown {
  return isRecord(record) && Object.hasOwn(record, key) ? record[key] : undefined
}

function stringOf(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}

/** The head or base of a pull request, keeping only fields of the right type. */
function branchOf(value: unknown): PullRequestFields['head'] {
  if (!isRecord(value)) return undefined
  const repo = fieldOf(value, 'repo')
  // A deleted fork leaves `repo` null; keep that apart from a missing one.
  const repository = repo === null ? null : isRecord(repo) ? { full_name: stringOf(fieldOf(repo, 'full_name')) } : undefined
  return { sha: stringOf(fieldOf(value, 'sha')), ref: stringOf(fieldOf(value, 'ref')), repo: repository }
}
