/**
 * A fake GitHub for tests: a REST API server and a separate blob host for signed artifact
 * downloads, both really listening on 127.0.0.1, holding state that tests build and inspect.
 * It answers the endpoints the action uses with GitHub's parameters, response shapes, Link
 * pagination and error bodies, and it is stricter than GitHub where strictness catches bugs:
 * the blob host refuses any Authorization header, and only a comment's author may edit it.
 */
import { createHmac, randomBytes, createHash } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import yazl from 'yazl'

/** What a token is: a user's (PAT) or an app installation's (GITHUB_TOKEN). */
export interface TokenInfo {
  login: string
  kind: 'user' | 'installation'
  /** A fork pull request's GITHUB_TOKEN: reads work, writes answer 403. */
  readOnly?: boolean
  /** Paths (without the API prefix) this token lacks the permission for: they answer 403. */
  deny?: RegExp
}

/** One request either server received. */
export interface RequestRecord {
  host: 'api' | 'blob'
  method: string
  /** Path without the API prefix and without the query. */
  path: string
  query: Record<string, string>
  /** Whether an Authorization header was sent. */
  authorization: boolean
  status: number
}

/** A workflow run as the REST API returns it (the fields code may read). */
export interface FakeRun {
  id: number
  name: string
  path: string
  workflow_id: number
  run_number: number
  run_attempt: number
  head_branch: string
  head_sha: string
  event: string
  status: string
  conclusion: string | null
  html_url: string
  url: string
  created_at: string
  updated_at: string
  head_repository: { id: number; full_name: string }
  repository: { id: number; full_name: string }
}

/** An artifact as the REST API returns it. */
export interface FakeArtifact {
  id: number
  node_id: string
  name: string
  size_in_bytes: number
  url: string
  archive_download_url: string
  expired: boolean
  created_at: string
  updated_at: string
  expires_at: string
  digest: string
  workflow_run: { id: number; repository_id: number; head_repository_id: number; head_branch: string; head_sha: string }
}

/** An issue comment as the REST API returns it. */
export interface FakeComment {
  id: number
  node_id: string
  body: string
  user: { login: string; id: number; type: 'User' | 'Bot' }
  created_at: string
  updated_at: string
  html_url: string
  url: string
  issue_url: string
  author_association: string
}

interface Repo {
  id: number
  owner: string
  name: string
  full: string
  defaultBranch: string
}

type PullRef = { ref: string; sha: string; label: string; repo: { id: number; full_name: string; owner: { login: string } } | null }

/** A pull request as the REST API returns it. */
export interface FakePull {
  id: number
  number: number
  state: 'open' | 'closed'
  title: string
  html_url: string
  url: string
  user: { login: string }
  head: PullRef
  base: PullRef
  created_at: string
  updated_at: string
}

const DOCS = 'https://docs.github.com/rest'
const CONCLUSIONS = ['success', 'failure', 'neutral', 'cancelled', 'skipped', 'timed_out', 'action_required', 'stale']
const BASE_TIME = Date.parse('2024-06-01T00:00:00Z')

type Json = Record<string, unknown> | unknown[]
interface Req {
  method: string
  path: string
  query: URLSearchParams
  token?: TokenInfo
  body: Record<string, unknown>
}
interface Reply {
  status: number
  body?: Json | string | Buffer
  headers?: Record<string, string>
}
type Handler = (req: Req, m: RegExpMatchArray) => Reply

function error(status: number, message: string, docs = DOCS): Reply {
  return { status, body: { message, documentation_url: docs, status: String(status) } }
}

/** A zip archive built with yazl from path -> contents. */
export async function makeZip(files: Record<string, string | Buffer>, opts: { modes?: Record<string, number> } = {}): Promise<Buffer> {
  const zip = new yazl.ZipFile()
  for (const [path, contents] of Object.entries(files)) {
    const mode = opts.modes?.[path]
    zip.addBuffer(Buffer.isBuffer(contents) ? contents : Buffer.from(contents), path, mode === undefined ? {} : { mode })
  }
  zip.end()
  const chunks: Buffer[] = []
  for await (const chunk of zip.outputStream) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

/** The fake GitHub. `start()` before use, `stop()` after. */
export class FakeGitHub {
  /** Every request both servers received, in order. */
  readonly requests: RequestRecord[] = []
  private readonly api = createServer((q, s) => void this.serveApi(q, s))
  private readonly blob = createServer((q, s) => void this.serveBlob(q, s))
  private readonly secret = randomBytes(16)
  private readonly tokens = new Map<string, TokenInfo>()
  private readonly repos = new Map<string, Repo>()
  private readonly workflows = new Map<string, { id: number; file: string; name: string }>()
  private readonly runs: (FakeRun & { repoFull: string })[] = []
  private readonly artifacts: { json: FakeArtifact; zip: Buffer; repoFull: string; gone: boolean }[] = []
  private readonly issueComments = new Map<string, FakeComment[]>()
  private readonly pulls: (FakePull & { repoFull: string })[] = []
  private readonly issues = new Set<string>()
  private readonly faults: Reply[] = []
  private readonly blobFaults: Array<number | 'reset'> = []
  private apiStalls = 0
  private nextId = 1000
  private clock = 0

  /**
   * @param options.pathPrefix API path prefix, e.g. `/api/v3` as on GitHub Enterprise Server.
   * @param options.signedUrlTtlMs How long a signed download URL stays valid (negative: born expired).
   */
  constructor(private readonly options: { pathPrefix?: string; signedUrlTtlMs?: number } = {}) {}

  /** Starts both servers on free loopback ports. */
  async start(): Promise<void> {
    await Promise.all([this.api, this.blob].map((s) => new Promise<void>((ok) => s.listen(0, '127.0.0.1', ok))))
  }

  /** Stops both servers. */
  async stop(): Promise<void> {
    await Promise.all(
      [this.api, this.blob].map(
        (s) =>
          new Promise<void>((ok) => {
            s.closeAllConnections()
            s.close(() => ok())
          })
      )
    )
  }

  /** REST base URL to hand to the client (GITHUB_API_URL). */
  get apiUrl(): string {
    return `${this.origin(this.api)}${this.options.pathPrefix ?? ''}`
  }

  /** Web base URL used in html_url fields (GITHUB_SERVER_URL); nothing is served there. */
  get serverUrl(): string {
    return this.origin(this.api)
  }

  /** Origin of the blob host. */
  get blobUrl(): string {
    return this.origin(this.blob)
  }

  // ---- state builders -------------------------------------------------------------------

  /** Registers a token. */
  addToken(token: string, info: TokenInfo): void {
    this.tokens.set(token, info)
  }

  /** Adds a repository; the first one added is the default of every other builder. */
  addRepo(args: { owner: string; repo: string; defaultBranch?: string }): void {
    const full = `${args.owner}/${args.repo}`
    this.repos.set(full.toLowerCase(), {
      id: this.id(),
      owner: args.owner,
      name: args.repo,
      full,
      defaultBranch: args.defaultBranch ?? 'main'
    })
  }

  /** Adds a workflow run (default: a successful push run on main of the default repo). */
  addWorkflowRun(args: {
    workflow: string
    branch?: string
    event?: string
    status?: string
    conclusion?: string | null
    headSha?: string
    headRepository?: string
    createdAt?: string
    runAttempt?: number
    repo?: string
  }): FakeRun {
    const repo = this.repo(args.repo)
    const wf = this.workflow(args.workflow)
    const id = this.id()
    const created = args.createdAt ?? this.tick()
    const head = args.headRepository ?? repo.full
    const run = {
      id,
      name: wf.name,
      path: `.github/workflows/${wf.file}`,
      workflow_id: wf.id,
      run_number: this.runs.length + 1,
      run_attempt: args.runAttempt ?? 1,
      head_branch: args.branch ?? repo.defaultBranch,
      head_sha: args.headSha ?? createHash('sha1').update(String(id)).digest('hex'),
      event: args.event ?? 'push',
      status: args.status ?? 'completed',
      conclusion: args.conclusion === undefined ? 'success' : args.conclusion,
      html_url: `${this.serverUrl}/${repo.full}/actions/runs/${id}`,
      url: `${this.apiUrl}/repos/${repo.full}/actions/runs/${id}`,
      created_at: created,
      updated_at: created,
      head_repository: { id: head === repo.full ? repo.id : this.id(), full_name: head },
      repository: { id: repo.id, full_name: repo.full },
      repoFull: repo.full
    }
    this.runs.push(run)
    return strip(run)
  }

  /**
   * Attaches an artifact (a real zip) to a run. `expired: 'on-download'` lists it as live but
   * answers 410 on download, as when it expires between the listing and the download.
   */
  addArtifact(runId: number, args: { name: string; zip: Buffer; expired?: boolean | 'on-download'; createdAt?: string }): FakeArtifact {
    const run = this.runs.find((r) => r.id === runId)
    if (!run) throw new Error(`fake GitHub: no run ${runId}`)
    const id = this.id()
    const created = args.createdAt ?? this.tick()
    const api = `${this.apiUrl}/repos/${run.repoFull}/actions/artifacts/${id}`
    const json: FakeArtifact = {
      id,
      node_id: `MDg6QXJ0aWZhY3Q${id}`,
      name: args.name,
      size_in_bytes: args.zip.length,
      url: api,
      archive_download_url: `${api}/zip`,
      expired: args.expired === true,
      created_at: created,
      updated_at: created,
      expires_at: new Date(Date.parse(created) + 90 * 86400_000).toISOString(),
      digest: `sha256:${createHash('sha256').update(args.zip).digest('hex')}`,
      workflow_run: {
        id: run.id,
        repository_id: run.repository.id,
        head_repository_id: run.head_repository.id,
        head_branch: run.head_branch,
        head_sha: run.head_sha
      }
    }
    this.artifacts.push({ json, zip: args.zip, repoFull: run.repoFull, gone: Boolean(args.expired) })
    return { ...json }
  }

  /** Adds a pull request; `headRepo` null is a deleted fork, default is the base repo. */
  addPullRequest(args: {
    number: number
    headRef: string
    headRepo?: string | null
    baseRef?: string
    state?: 'open' | 'closed'
    headSha?: string
    repo?: string
    updatedAt?: string
  }): FakePull {
    const repo = this.repo(args.repo)
    const headRepo = args.headRepo === undefined ? repo.full : args.headRepo
    const when = args.updatedAt ?? this.tick()
    const ref = (r: string | null, branch: string, sha: string): PullRef => ({
      ref: branch,
      sha,
      label: `${(r ?? 'unknown').split('/')[0]}:${branch}`,
      repo: r === null ? null : { id: r === repo.full ? repo.id : this.id(), full_name: r, owner: { login: r.split('/')[0] } }
    })
    const pull = {
      id: this.id(),
      number: args.number,
      state: args.state ?? 'open',
      title: `PR ${args.number}`,
      html_url: `${this.serverUrl}/${repo.full}/pull/${args.number}`,
      url: `${this.apiUrl}/repos/${repo.full}/pulls/${args.number}`,
      user: { login: (headRepo ?? 'ghost/x').split('/')[0] },
      head: ref(headRepo, args.headRef, args.headSha ?? createHash('sha1').update(`pr${args.number}`).digest('hex')),
      base: ref(repo.full, args.baseRef ?? repo.defaultBranch, 'b'.repeat(40)),
      created_at: when,
      updated_at: when,
      repoFull: repo.full
    }
    this.pulls.push(pull)
    this.issues.add(this.issueKey(repo.full, args.number))
    return strip(pull)
  }

  /** Adds a plain issue (comments can be listed and written on it). */
  addIssue(number: number, repo?: string): void {
    this.issues.add(this.issueKey(this.repo(repo).full, number))
  }

  /** Adds a comment written by `login` (a Bot when the login ends in [bot]). */
  addComment(args: { issueNumber: number; body: string; login: string; repo?: string }): FakeComment {
    const repo = this.repo(args.repo)
    return this.storeComment(repo.full, args.issueNumber, args.body, args.login)
  }

  /** Copies of the comments of an issue or pull request, oldest first. */
  comments(issueNumber: number, repo?: string): FakeComment[] {
    return (this.issueComments.get(this.issueKey(this.repo(repo).full, issueNumber)) ?? []).map((c) => ({ ...c, user: { ...c.user } }))
  }

  /** The next `count` API requests answer 403 with exhausted rate-limit headers. */
  rateLimitNext(count: number): void {
    const reset = String(Math.floor(Date.now() / 1000))
    const headers = { 'x-ratelimit-limit': '5000', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': reset }
    for (let i = 0; i < count; i++) this.faults.push({ ...error(403, 'API rate limit exceeded for installation ID 1.'), headers })
  }

  /** The next `count` API requests answer `status` (a server error by default). */
  failNext(count: number, status = 502): void {
    for (let i = 0; i < count; i++) this.faults.push(error(status, 'Server Error'))
  }

  private readonly interceptions: { method: string; path: RegExp; run: () => Reply | undefined }[] = []

  /**
   * Runs `hook` when the next request with this method and path (without the API prefix)
   * arrives, before it is answered: e.g. another run's comment lands between a list and a create.
   */
  beforeNext(method: string, path: RegExp, hook: () => void): void {
    this.interceptions.push({ method, path, run: () => void hook() })
  }

  /** The next `count` requests with this method and path answer `status` with GitHub's error body. */
  failNextMatching(method: string, path: RegExp, count: number, status: number, message: string, errors?: unknown[]): void {
    const reply = error(status, message)
    if (errors) (reply.body as Record<string, unknown>).errors = errors
    for (let i = 0; i < count; i++) this.interceptions.push({ method, path, run: () => reply })
  }

  /** Comment deletes answer 403 from now on, as when an organization forbids deleting comments. */
  refuseCommentDeletes(): void {
    this.deletesRefused = true
  }

  private deletesRefused = false

  /** Consumes the first interception this request matches; a reply it returns is the answer. */
  private intercept(method: string, path: string): Reply | undefined {
    const index = this.interceptions.findIndex((i) => i.method === method && i.path.test(path))
    if (index < 0) return undefined
    return this.interceptions.splice(index, 1)[0].run()
  }

  /** The next `count` API requests are accepted and never answered. */
  stallNext(count: number): void {
    this.apiStalls += count
  }

  /**
   * The next blob downloads fail, one fault each: a status is answered as the storage service
   * would, `reset` sends the headers and half the zip, then cuts the connection.
   */
  failBlobNext(...faults: Array<number | 'reset'>): void {
    this.blobFaults.push(...faults)
  }

  // ---- API server -----------------------------------------------------------------------

  private routes: [string, RegExp, Handler][] = [
    ['GET', /^\/user$/, (r) => this.getUser(r)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)$/, (r, m) => this.getRepo(m)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/actions\/workflows\/([^/]+)\/runs$/, (r, m) => this.listRuns(r, m)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/actions\/runs\/(\d+)\/artifacts$/, (r, m) => this.listArtifacts(r, m)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/actions\/artifacts\/(\d+)\/([^/]+)$/, (r, m) => this.downloadArtifact(m)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, (r, m) => this.listComments(r, m)],
    ['POST', /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/, (r, m) => this.createComment(r, m)],
    ['PATCH', /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/, (r, m) => this.updateComment(r, m)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls$/, (r, m) => this.listPulls(r, m)],
    ['GET', /^\/repos\/([^/]+)\/([^/]+)\/pulls\/(\d+)$/, (r, m) => this.getPull(m)],
    ['DELETE', /^\/repos\/([^/]+)\/([^/]+)\/issues\/comments\/(\d+)$/, (r, m) => this.deleteComment(r, m)]
  ]

  private async serveApi(message: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(message.url ?? '/', 'http://fake')
    const prefix = this.options.pathPrefix ?? ''
    const path = url.pathname.startsWith(prefix) ? url.pathname.slice(prefix.length) : url.pathname
    const raw = await readBody(message)
    if (this.apiStalls > 0) {
      this.apiStalls--
      this.log('api', message, path, url.searchParams, 0)
      return
    }
    let reply: Reply
    try {
      reply = this.answer(message, path, url.searchParams, raw)
    } catch (e) {
      reply = error(500, `fake GitHub failed: ${(e as Error).message}`)
    }
    this.log('api', message, path, url.searchParams, reply.status)
    send(res, reply)
  }

  private answer(message: IncomingMessage, path: string, query: URLSearchParams, raw: string): Reply {
    const method = message.method ?? 'GET'
    const auth = /^(?:token|bearer)\s+(\S+)$/i.exec(message.headers.authorization ?? '')
    if (!auth) return error(401, 'Requires authentication')
    const token = this.tokens.get(auth[1])
    if (!token) return error(401, 'Bad credentials')
    const fault = this.faults.shift()
    if (fault) return fault
    const intercepted = this.intercept(method, path)
    if (intercepted) return intercepted
    const route = this.routes.find(([m, re]) => m === method && re.test(path))
    if (!route) return error(404, 'Not Found')
    if (method !== 'GET' && token.readOnly) return error(403, 'Resource not accessible by integration', `${DOCS}/issues/comments`)
    if (token.deny?.test(path)) return error(403, 'Resource not accessible by integration')
    let body: Record<string, unknown>
    try {
      body = raw ? JSON.parse(raw) : {}
    } catch {
      return error(400, 'Problems parsing JSON')
    }
    const repoPart = /^\/repos\/([^/]+)\/([^/]+)/.exec(path)
    if (repoPart && !this.repos.has(`${repoPart[1]}/${repoPart[2]}`.toLowerCase())) return error(404, 'Not Found')
    return route[2]({ method, path, query, token, body }, path.match(route[1]) as RegExpMatchArray)
  }

  private getUser(req: Req): Reply {
    const t = req.token as TokenInfo
    if (t.kind === 'installation')
      return error(403, 'Resource not accessible by integration', `${DOCS}/users/users#get-the-authenticated-user`)
    return { status: 200, body: { login: t.login, id: 1, type: 'User' } }
  }

  private getRepo(m: RegExpMatchArray): Reply {
    const r = this.repo(`${m[1]}/${m[2]}`)
    const body = {
      id: r.id,
      name: r.name,
      full_name: r.full,
      owner: { login: r.owner },
      private: false,
      fork: false,
      default_branch: r.defaultBranch,
      html_url: `${this.serverUrl}/${r.full}`
    }
    return { status: 200, body }
  }

  private listRuns(req: Req, m: RegExpMatchArray): Reply {
    const full = this.repo(`${m[1]}/${m[2]}`).full
    const wf = [...this.workflows.values()].find((w) => w.file === m[3] || String(w.id) === m[3])
    if (!wf) return error(404, 'Not Found', `${DOCS}/actions/workflow-runs#list-workflow-runs-for-a-workflow`)
    const q = req.query
    const status = q.get('status')
    const runs = this.runs
      .filter((r) => r.repoFull === full && r.workflow_id === wf.id)
      .filter((r) => (!q.get('branch') || r.head_branch === q.get('branch')) && (!q.get('event') || r.event === q.get('event')))
      .filter((r) => !status || (CONCLUSIONS.includes(status) ? r.conclusion === status : r.status === status))
      .filter((r) => !q.get('head_sha') || r.head_sha === q.get('head_sha'))
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
    const page = this.page(runs.map(strip), req)
    return { status: 200, body: { total_count: runs.length, workflow_runs: page.items }, headers: page.headers }
  }

  private listArtifacts(req: Req, m: RegExpMatchArray): Reply {
    const full = this.repo(`${m[1]}/${m[2]}`).full
    const runId = Number(m[3])
    if (!this.runs.some((r) => r.id === runId && r.repoFull === full)) return error(404, 'Not Found')
    const name = req.query.get('name')
    const list = this.artifacts
      .filter((a) => a.json.workflow_run.id === runId && (!name || a.json.name === name))
      .map((a) => ({ ...a.json }))
    // Without `direction`, the order is the store's: callers must not rely on it.
    const dir = req.query.get('direction')
    if (dir) list.sort((a, b) => (Date.parse(a.created_at) - Date.parse(b.created_at) || a.id - b.id) * (dir === 'desc' ? -1 : 1))
    const page = this.page(list, req)
    return { status: 200, body: { total_count: list.length, artifacts: page.items }, headers: page.headers }
  }

  private downloadArtifact(m: RegExpMatchArray): Reply {
    const full = this.repo(`${m[1]}/${m[2]}`).full
    const art = this.artifacts.find((a) => a.json.id === Number(m[3]) && a.repoFull === full)
    if (!art || m[4] !== 'zip') return error(404, 'Not Found', `${DOCS}/actions/artifacts#download-an-artifact`)
    if (art.gone) return error(410, 'Artifact has expired', `${DOCS}/actions/artifacts#download-an-artifact`)
    const path = `/artifacts/${randomBytes(6).toString('hex')}/${art.json.id}.zip`
    const se = String(Date.now() + (this.options.signedUrlTtlMs ?? 60_000))
    return { status: 302, headers: { location: `${this.blobUrl}${path}?se=${se}&sig=${this.sign(path, se)}` } }
  }

  private listComments(req: Req, m: RegExpMatchArray): Reply {
    const key = this.issueKey(this.repo(`${m[1]}/${m[2]}`).full, Number(m[3]))
    if (!this.issues.has(key)) return error(404, 'Not Found')
    const page = this.page(
      (this.issueComments.get(key) ?? []).map((c) => ({ ...c })),
      req
    )
    return { status: 200, body: page.items, headers: page.headers }
  }

  private createComment(req: Req, m: RegExpMatchArray): Reply {
    const full = this.repo(`${m[1]}/${m[2]}`).full
    if (!this.issues.has(this.issueKey(full, Number(m[3])))) return error(404, 'Not Found')
    const invalid = validateBody(req.body.body)
    if (invalid) return invalid
    return { status: 201, body: { ...this.storeComment(full, Number(m[3]), req.body.body as string, (req.token as TokenInfo).login) } }
  }

  private updateComment(req: Req, m: RegExpMatchArray): Reply {
    const full = this.repo(`${m[1]}/${m[2]}`).full
    const list = [...this.issueComments.entries()].filter(([k]) => k.startsWith(`${full}#`)).flatMap(([, v]) => v)
    const comment = list.find((c) => c.id === Number(m[3]))
    if (!comment) return error(404, 'Not Found')
    if (comment.user.login !== (req.token as TokenInfo).login) return error(403, 'You may only edit your own comments (fake GitHub rule)')
    const invalid = validateBody(req.body.body)
    if (invalid) return invalid
    comment.body = req.body.body as string
    comment.updated_at = this.tick()
    return { status: 200, body: { ...comment } }
  }

  private listPulls(req: Req, m: RegExpMatchArray): Reply {
    const full = this.repo(`${m[1]}/${m[2]}`).full
    const state = req.query.get('state') ?? 'open'
    const head = req.query.get('head')
    const [headOwner, headRef] = head?.includes(':') ? head.split(/:(.*)/s) : [m[1], head]
    const list = this.pulls
      .filter((p) => p.repoFull === full && (state === 'all' || p.state === state))
      .filter((p) => !head || (p.head.ref === headRef && p.head.repo?.owner.login.toLowerCase() === headOwner.toLowerCase()))
      .filter((p) => !req.query.get('base') || p.base.ref === req.query.get('base'))
      .sort((a, b) => Date.parse(b.created_at) - Date.parse(a.created_at) || b.id - a.id)
    const page = this.page(list.map(strip), req)
    return { status: 200, body: page.items, headers: page.headers }
  }

  private getPull(m: RegExpMatchArray): Reply {
    const full = this.repo(`${m[1]}/${m[2]}`).full
    const pull = this.pulls.find((p) => p.repoFull === full && p.number === Number(m[3]))
    return pull ? { status: 200, body: strip(pull) } : error(404, 'Not Found', `${DOCS}/pulls/pulls#get-a-pull-request`)
  }

  private deleteComment(req: Req, m: RegExpMatchArray): Reply {
    const full = this.repo(`${m[1]}/${m[2]}`).full
    const entry = [...this.issueComments.entries()].find(([k, v]) => k.startsWith(`${full}#`) && v.some((c) => c.id === Number(m[3])))
    if (!entry) return error(404, 'Not Found', `${DOCS}/issues/comments#delete-an-issue-comment`)
    const comment = entry[1].find((c) => c.id === Number(m[3])) as FakeComment
    if (comment.user.login !== (req.token as TokenInfo).login) return error(403, 'You may only delete your own comments (fake GitHub rule)')
    if (this.deletesRefused) return error(403, 'Resource not accessible by integration', `${DOCS}/issues/comments#delete-an-issue-comment`)
    this.issueComments.set(
      entry[0],
      entry[1].filter((c) => c !== comment)
    )
    return { status: 204 }
  }

  // ---- blob host ------------------------------------------------------------------------

  private async serveBlob(message: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(message.url ?? '/', 'http://fake')
    await readBody(message)
    const fault = this.blobFaults.shift()
    if (fault !== undefined) {
      this.log('blob', message, url.pathname, url.searchParams, fault === 'reset' ? 0 : fault)
      if (fault === 'reset') this.cutBlob(res, url)
      else
        send(res, {
          status: fault,
          headers: { 'content-type': 'application/xml' },
          body: '<?xml version="1.0" encoding="utf-8"?><Error><Code>ServerBusy</Code><Message>The server is busy.</Message></Error>'
        })
      return
    }
    const reply = this.answerBlob(message, url)
    this.log('blob', message, url.pathname, url.searchParams, reply.status)
    send(res, reply)
  }

  /** Starts sending the zip, then cuts the connection halfway. */
  private cutBlob(res: ServerResponse, url: URL): void {
    const id = Number(/\/(\d+)\.zip$/.exec(url.pathname)?.[1])
    const zip = this.artifacts.find((a) => a.json.id === id)?.zip ?? Buffer.alloc(1000)
    res.writeHead(200, { 'content-type': 'application/zip', 'content-length': String(zip.length) })
    res.write(zip.subarray(0, Math.floor(zip.length / 2)))
    setTimeout(() => res.socket?.resetAndDestroy(), 20)
  }

  private answerBlob(message: IncomingMessage, url: URL): Reply {
    const xml = (status: number, code: string, text: string): Reply => ({
      status,
      headers: { 'content-type': 'application/xml' },
      body: `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${text}</Message></Error>`
    })
    if (message.headers.authorization !== undefined) {
      return xml(
        400,
        'InvalidAuthenticationInfo',
        'Authentication information is not given in the correct format. Check the value of Authorization header.'
      )
    }
    const se = url.searchParams.get('se') ?? ''
    if (url.searchParams.get('sig') !== this.sign(url.pathname, se)) return xml(403, 'AuthenticationFailed', 'Signature did not match.')
    if (Number(se) < Date.now()) return xml(403, 'AuthenticationFailed', 'Signed expiry time has passed.')
    const id = Number(/\/(\d+)\.zip$/.exec(url.pathname)?.[1])
    const art = this.artifacts.find((a) => a.json.id === id)
    if (!art) return xml(404, 'BlobNotFound', 'The specified blob does not exist.')
    return { status: 200, headers: { 'content-type': 'application/zip' }, body: art.zip }
  }

  // ---- helpers --------------------------------------------------------------------------

  private page<T>(items: T[], req: Req): { items: T[]; headers: Record<string, string> } {
    const perPage = Math.min(100, Math.max(1, Number(req.query.get('per_page') ?? 30) || 30))
    const current = Math.max(1, Number(req.query.get('page') ?? 1) || 1)
    const last = Math.max(1, Math.ceil(items.length / perPage))
    const link = (p: number, rel: string) => {
      const q = new URLSearchParams(req.query)
      q.set('page', String(p))
      return `<${this.apiUrl}${req.path}?${q}>; rel="${rel}"`
    }
    const links = [
      ...(current < last ? [link(current + 1, 'next'), link(last, 'last')] : []),
      ...(current > 1 ? [link(1, 'first'), link(current - 1, 'prev')] : [])
    ]
    return { items: items.slice((current - 1) * perPage, current * perPage), headers: links.length ? { link: links.join(', ') } : {} }
  }

  private storeComment(full: string, issue: number, body: string, login: string): FakeComment {
    const id = this.id()
    const when = this.tick()
    const comment: FakeComment = {
      id,
      node_id: `IC_${id}`,
      body,
      user: { login, id: login.length, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
      created_at: when,
      updated_at: when,
      html_url: `${this.serverUrl}/${full}/pull/${issue}#issuecomment-${id}`,
      url: `${this.apiUrl}/repos/${full}/issues/comments/${id}`,
      issue_url: `${this.apiUrl}/repos/${full}/issues/${issue}`,
      author_association: 'NONE'
    }
    const key = this.issueKey(full, issue)
    this.issueComments.set(key, [...(this.issueComments.get(key) ?? []), comment])
    return { ...comment }
  }

  private repo(name?: string): Repo {
    const repo = name ? this.repos.get(name.toLowerCase()) : this.repos.values().next().value
    if (!repo) throw new Error(`fake GitHub: no repository ${name ?? '(none added yet)'}`)
    return repo
  }

  private workflow(file: string): { id: number; file: string; name: string } {
    if (!this.workflows.has(file)) this.workflows.set(file, { id: this.id(), file, name: file.replace(/\.ya?ml$/, '') })
    return this.workflows.get(file) as { id: number; file: string; name: string }
  }

  private issueKey(full: string, n: number): string {
    return `${full}#${n}`
  }

  private sign(path: string, se: string): string {
    return createHmac('sha256', this.secret).update(`${path}\n${se}`).digest('hex')
  }

  private id(): number {
    return this.nextId++
  }

  /** Monotonic fake timestamps, one minute apart. */
  private tick(): string {
    return new Date(BASE_TIME + ++this.clock * 60_000).toISOString()
  }

  private origin(server: Server): string {
    const address = server.address() as AddressInfo | null
    if (!address) throw new Error('fake GitHub: start() it first')
    return `http://127.0.0.1:${address.port}`
  }

  private log(host: 'api' | 'blob', m: IncomingMessage, path: string, query: URLSearchParams, status: number): void {
    this.requests.push({
      host,
      method: m.method ?? 'GET',
      path,
      query: Object.fromEntries(query),
      authorization: m.headers.authorization !== undefined,
      status
    })
  }
}

function validateBody(body: unknown): Reply | undefined {
  if (typeof body !== 'string' || body === '') {
    return {
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'IssueComment', code: 'missing_field', field: 'body' }],
        documentation_url: DOCS
      }
    }
  }
  if (body.length > 65536) {
    return {
      status: 422,
      body: {
        message: 'Validation Failed',
        errors: [{ resource: 'IssueComment', code: 'custom', field: 'body', message: 'body is too long (maximum is 65536 characters)' }],
        documentation_url: DOCS
      }
    }
  }
  return undefined
}

/** Drops the store's bookkeeping field from a record before it is served or returned. */
function strip<T extends { repoFull: string }>(record: T): Omit<T, 'repoFull'> {
  const rest: Partial<T> = { ...record }
  delete rest.repoFull
  return structuredClone(rest) as Omit<T, 'repoFull'>
}

async function readBody(message: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of message) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

function send(res: ServerResponse, reply: Reply): void {
  const isJson = reply.body !== undefined && !Buffer.isBuffer(reply.body) && typeof reply.body !== 'string'
  const payload = reply.body === undefined ? '' : isJson ? JSON.stringify(reply.body) : (reply.body as string | Buffer)
  const headers: Record<string, string> = {
    ...(isJson ? { 'content-type': 'application/json; charset=utf-8' } : {}),
    ...(reply.headers ?? {}),
    'content-length': String(Buffer.byteLength(payload))
  }
  res.writeHead(reply.status, headers)
  res.end(payload)
}

/** A started fake GitHub holding acme/analytics, its pull request #7, and the installation token `gha`. */
export async function fakeRepoWithPullRequest(): Promise<FakeGitHub> {
  const gh = new FakeGitHub()
  await gh.start()
  gh.addRepo({ owner: 'acme', repo: 'analytics' })
  gh.addPullRequest({ number: 7, headRef: 'feature' })
  gh.addToken('gha', { login: 'github-actions[bot]', kind: 'installation' })
  return gh
}
