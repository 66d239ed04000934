import { CommentPermissionError, httpStatus, messageOf } from './errors.js'
import type { GitHubClient } from './octokit.js'

/** GitHub refuses comment bodies longer than this many characters. */
export const MAX_COMMENT_LENGTH = 65536

/** The author GITHUB_TOKEN (an installation token that cannot read `GET /user`) writes as. */
export const ACTIONS_BOT_LOGIN = 'github-actions[bot]'

/** Where the sticky comment goes and what it says. */
export interface StickyCommentArgs {
  owner: string
  repo: string
  /** Pull request (or issue) number. */
  issueNumber: number
  /** Identifies this action's comment among others, e.g. `dbt-defer-action:<project-key>`. */
  marker: string
  /** Markdown body; the hidden marker is added at the top when the body lacks it. */
  body: string
  /** Login the comment is written as; default: the token's own login (github-actions[bot] for GITHUB_TOKEN). */
  author?: string
  /** Whether the number is a pull request (default) or an issue: decides the permission named on refusal. */
  kind?: 'pull-request' | 'issue'
}

/** What {@link upsertStickyComment} did. */
export interface StickyCommentResult {
  id: number
  url: string
  action: 'created' | 'updated'
}

/** The hidden HTML comment that marks the action's comment. */
export function markerComment(marker: string): string {
  if (!marker.trim() || marker.includes('--') || marker.includes('>')) {
    throw new Error(`Invalid comment marker '${marker}': it must be non-empty and contain neither '--' nor '>'.`)
  }
  return `<!-- ${marker} -->`
}

/**
 * Creates the action's comment on a pull request, or updates it in place when this author
 * already wrote one carrying the marker (the newest one, should there be several). A marker
 * pasted by somebody else is never touched. Throws {@link CommentPermissionError} when the
 * token may not write (403) or cannot see the pull request (404).
 */
export async function upsertStickyComment(client: GitHubClient, args: StickyCommentArgs): Promise<StickyCommentResult> {
  const tag = markerComment(args.marker)
  const body = args.body.includes(tag) ? args.body : `${tag}\n${args.body}`
  if (body.length > MAX_COMMENT_LENGTH) {
    throw new Error(
      `The comment body has ${body.length} characters, over GitHub's limit of ${MAX_COMMENT_LENGTH}: the report renderer must trim it to its budget first.`
    )
  }
  try {
    const author = args.author ?? (await authenticatedLogin(client))
    const existing = await findOwnComment(client, args, tag, author)
    const { owner, repo } = args
    if (existing) {
      const { data } = await client.rest.issues.updateComment({ owner, repo, comment_id: existing.id, body })
      return { id: data.id, url: data.html_url, action: 'updated' }
    }
    const { data } = await client.rest.issues.createComment({ owner, repo, issue_number: args.issueNumber, body })
    return { id: data.id, url: data.html_url, action: 'created' }
  } catch (error) {
    throw asPermissionError(error, args)
  }
}

/** The token's login; an installation token cannot read `/user` (403) and writes as the Actions bot. */
async function authenticatedLogin(client: GitHubClient): Promise<string> {
  try {
    const { data } = await client.rest.users.getAuthenticated()
    return data.login
  } catch (error) {
    if (httpStatus(error) === 403) return ACTIONS_BOT_LOGIN
    throw error
  }
}

interface CommentSummary {
  id: number
  body?: string
  created_at: string
  user: { login: string } | null
}

/** The newest comment of `author` that carries the marker, reading every page of comments. */
async function findOwnComment(client: GitHubClient, args: StickyCommentArgs, tag: string, author: string): Promise<CommentSummary | undefined> {
  const comments: CommentSummary[] = await client.paginate(client.rest.issues.listComments, {
    owner: args.owner,
    repo: args.repo,
    issue_number: args.issueNumber,
    per_page: 100
  })
  const login = author.toLowerCase()
  const ours = comments.filter(c => c.user?.login.toLowerCase() === login && (c.body ?? '').includes(tag))
  ours.sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
  return ours[0]
}

/** Turns a 403/404 into {@link CommentPermissionError}; anything else (rate limits too) passes through. */
function asPermissionError(error: unknown, args: StickyCommentArgs): unknown {
  const status = httpStatus(error)
  if ((status !== 403 && status !== 404) || /rate limit/i.test(messageOf(error))) return error
  const permission = args.kind === 'issue' ? 'issues: write' : 'pull-requests: write'
  const what = `${args.kind === 'issue' ? 'issue' : 'pull request'} #${args.issueNumber} of ${args.owner}/${args.repo}`
  const why =
    status === 403
      ? `the token may not write comments on ${what}. Grant the job \`permissions: ${permission}\`; ` +
        'a pull request from a fork only gets a read-only GITHUB_TOKEN, so there no comment can be written'
      : `the token cannot see ${what}. Check input pr-number, and that the token can read the repository and has \`${permission}\``
  return new CommentPermissionError(
    `Could not post the report comment (GitHub answered ${status}: ${firstLine(messageOf(error))}): ${why}. The report is in the job summary.`,
    permission,
    status
  )
}

function firstLine(text: string): string {
  return text.split('\n')[0]
}
