import { CommentError, CommentPermissionError, describeGitHubError, failedRequest, httpStatus, messageOf } from './errors.js'
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

/** A comment as the list and write endpoints return it (the fields used). */
interface CommentSummary {
  id: number
  html_url: string
  body?: string
  created_at: string
  user: { login: string } | null
}

/** One upsert: the client, where, the marked body, and whose comments count as the action's. */
interface Upsert {
  client: GitHubClient
  args: StickyCommentArgs
  tag: string
  body: string
  author: string
}

/**
 * Creates the action's comment on a pull request, or updates it in place when this author
 * already wrote one carrying the marker. Two runs of one pull request can both find none and
 * both create one; so after creating, it reads the comments again and converges: the oldest
 * comment of this author with the marker keeps the report (this body), later ones are deleted
 * (or, where deleting is refused, reduced to a line pointing at the report). A marker pasted by
 * somebody else is never touched. Every failed request throws a {@link CommentError}
 * ({@link CommentPermissionError} when the token may not write or cannot see the pull request).
 */
export async function upsertStickyComment(client: GitHubClient, args: StickyCommentArgs): Promise<StickyCommentResult> {
  const tag = markerComment(args.marker)
  const body = args.body.includes(tag) ? args.body : `${tag}\n${args.body}`
  if (body.length > MAX_COMMENT_LENGTH) {
    throw new Error(
      `The comment body has ${body.length} characters, over GitHub's limit of ${MAX_COMMENT_LENGTH}: the report renderer must trim it to its budget first.`
    )
  }
  const author = (args.author ?? (await authenticatedLogin(client, args))).toLowerCase()
  const upsert: Upsert = { client, args, tag, body, author }
  const [oldest, ...later] = await ownComments(upsert)
  if (oldest) return { ...(await keepReport(upsert, oldest, later)), action: 'updated' }
  return converge(upsert, await createComment(upsert))
}

/** After creating `created`: re-reads the comments and leaves one, the oldest, with this body. */
async function converge(upsert: Upsert, created: CommentSummary): Promise<StickyCommentResult> {
  const [oldest, ...later] = await ownComments(upsert)
  if (!oldest || oldest.id === created.id) {
    await removeDuplicates(upsert, later, created)
    return { id: created.id, url: created.html_url, action: 'created' }
  }
  // Another run created its comment first: that one keeps the report, this one goes.
  const duplicates = later.some((c) => c.id === created.id) ? later : [...later, created]
  return { ...(await keepReport(upsert, oldest, duplicates)), action: 'updated' }
}

/** Writes the body into `keeper` and removes the `duplicates`. */
async function keepReport(upsert: Upsert, keeper: CommentSummary, duplicates: CommentSummary[]): Promise<{ id: number; url: string }> {
  const kept = keeper.body === upsert.body ? keeper : await updateComment(upsert, keeper.id, upsert.body)
  await removeDuplicates(upsert, duplicates, kept)
  return { id: kept.id, url: kept.html_url }
}

/** Deletes each duplicate; one that may not be deleted is reduced to a line without the marker. */
async function removeDuplicates(upsert: Upsert, duplicates: CommentSummary[], keeper: CommentSummary): Promise<void> {
  for (const duplicate of duplicates) {
    const outcome = await deleteComment(upsert, duplicate.id)
    if (outcome === 'refused') {
      await updateComment(upsert, duplicate.id, `This report was superseded by ${keeper.html_url}.`)
    }
  }
}

/** This author's comments carrying the marker, oldest first, reading every page of comments. */
async function ownComments(upsert: Upsert): Promise<CommentSummary[]> {
  const { client, args } = upsert
  const comments: CommentSummary[] = await send(upsert, 'list', () =>
    client.paginate(client.rest.issues.listComments, { owner: args.owner, repo: args.repo, issue_number: args.issueNumber, per_page: 100 })
  )
  const ours = comments.filter((c) => c.user?.login.toLowerCase() === upsert.author && (c.body ?? '').includes(upsert.tag))
  return ours.sort((a, b) => Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id)
}

async function createComment(upsert: Upsert): Promise<CommentSummary> {
  const { client, args, body } = upsert
  const { data } = await send(upsert, 'create', () =>
    client.rest.issues.createComment({ owner: args.owner, repo: args.repo, issue_number: args.issueNumber, body })
  )
  return data
}

async function updateComment(upsert: Upsert, id: number, body: string): Promise<CommentSummary> {
  const { client, args } = upsert
  const { data } = await send(
    upsert,
    'update',
    () => client.rest.issues.updateComment({ owner: args.owner, repo: args.repo, comment_id: id, body }),
    id
  )
  return data
}

/** Deletes a comment; one already gone (another run removed it) counts as deleted. */
async function deleteComment(upsert: Upsert, id: number): Promise<'deleted' | 'refused'> {
  const { client, args } = upsert
  try {
    await client.rest.issues.deleteComment({ owner: args.owner, repo: args.repo, comment_id: id })
    return 'deleted'
  } catch (error) {
    const status = httpStatus(error)
    if (status === 404) return 'deleted'
    if (status === 403 && !/rate limit/i.test(messageOf(error))) return 'refused'
    throw commentFailure(error, args, 'delete', id)
  }
}

type Step = 'login' | 'list' | 'create' | 'update' | 'delete'

/** Sends one request of `step`, turning its failure into a {@link CommentError}. */
async function send<T>(upsert: Upsert, step: Step, request: () => Promise<T>, id?: number): Promise<T> {
  try {
    return await request()
  } catch (error) {
    throw commentFailure(error, upsert.args, step, id)
  }
}

/** The token's login; an installation token cannot read `/user` (403) and writes as the Actions bot. */
async function authenticatedLogin(client: GitHubClient, args: StickyCommentArgs): Promise<string> {
  try {
    const { data } = await client.rest.users.getAuthenticated()
    return data.login
  } catch (error) {
    if (httpStatus(error) === 403) return ACTIONS_BOT_LOGIN
    throw commentFailure(error, args, 'login')
  }
}

/** What each step tried, in words. */
function purposeOf(args: StickyCommentArgs, step: Step, id?: number): string {
  const on = `on ${target(args)}`
  switch (step) {
    case 'login':
      return "read the token's login (GET /user), which tells the action's earlier report comment apart"
    case 'list':
      return `list the comments ${on}`
    case 'create':
      return `create the report comment ${on}`
    case 'update':
      return `update the report comment ${id} ${on}`
    case 'delete':
      return `delete the duplicate report comment ${id} ${on}`
  }
}

function target(args: StickyCommentArgs): string {
  return `${args.kind === 'issue' ? 'issue' : 'pull request'} #${args.issueNumber} of ${args.owner}/${args.repo}`
}

/** A failed request as a {@link CommentError}: a permission error for a plain 403/404, else with the request explained. */
function commentFailure(error: unknown, args: StickyCommentArgs, step: Step, id?: number): CommentError {
  if (error instanceof CommentError) return error
  const status = httpStatus(error) ?? 0
  const request = failedRequest(error) ?? ''
  const permission = args.kind === 'issue' ? 'issues: write' : 'pull-requests: write'
  const action = purposeOf(args, step, id)
  if (step !== 'login' && (status === 403 || status === 404) && !/rate limit/i.test(messageOf(error))) {
    const message = `Could not ${action} (${request} answered ${status}: ${firstLine(messageOf(error))}): ${refusal(args, status, permission)}.`
    return new CommentPermissionError(`${message} The report is still in the job summary.`, permission, status, request)
  }
  return new CommentError(`${describeGitHubError(error, { action, permission })} The report is still in the job summary.`, status, request)
}

/** Why a 403 or 404 happened and what to do. */
function refusal(args: StickyCommentArgs, status: number, permission: string): string {
  if (status === 403) {
    return (
      `the token may not write comments on ${target(args)}. Grant the job \`permissions: ${permission}\`; ` +
      'a pull request from a fork only gets a read-only GITHUB_TOKEN, so there no comment can be written'
    )
  }
  return `the token cannot see ${target(args)}. Check input pr-number, and that the token can read the repository and has \`${permission}\``
}

function firstLine(text: string): string {
  return text.split('\n')[0]
}
