import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/** An environment of the fake's one project. */
export interface FakeEnvironment {
  id: number
  projectId: number
  name: string
  /** `deployment` (default) or `development`. */
  type?: 'deployment' | 'development'
  deploymentType: 'production' | 'staging' | null
  /** 1 active (default), 2 deleted. */
  state?: 1 | 2
}

/** A run of a job in an environment. */
export interface FakeRun {
  id: number
  environmentId: number
  /** 10 success, 20 error, 30 cancelled. */
  status: 10 | 20 | 30
  finishedAt: string
  gitSha?: string
  /** The job's type (`ci`, `scheduled`, `merge`, `other`); null mimics older job shapes. */
  jobType?: string | null
  /** The job's triggers (older shapes mark CI jobs by webhook triggers). */
  triggers?: Record<string, boolean>
  /** The run's trigger (a pull request id marks a CI run). */
  trigger?: Record<string, unknown>
  /** Default true. */
  artifactsSaved?: boolean
  /** manifest.json text; absent means the artifact answers 404. */
  manifest?: string
}

/** One request the fake received. */
export interface FakeRequest {
  method: string
  path: string
  query: Record<string, string>
  authorization?: string
}

/**
 * A stateful fake of the dbt Cloud Administrative API, really listening on 127.0.0.1: v2 runs
 * (environment_id, status, order_by, include_related, limit/offset) and run artifacts, v3
 * project environments. Answers in dbt Cloud's envelope. Accepts `Token <t>` or `Bearer <t>`.
 */
export class FakeDbtCloud {
  readonly requests: FakeRequest[] = []
  readonly environments: FakeEnvironment[] = []
  readonly runs: FakeRun[] = []
  /** Statuses to answer the next requests with, before serving normally (e.g. [503]). */
  readonly failNext: number[] = []
  /** How many of the next requests are accepted and never answered. */
  stallNext = 0

  private constructor(
    private readonly server: Server,
    readonly url: string,
    readonly accountId: number,
    private readonly token: string
  ) {}

  static async start(opts: { accountId: number; token: string }): Promise<FakeDbtCloud> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const port = (server.address() as AddressInfo).port
    const fake = new FakeDbtCloud(server, `http://127.0.0.1:${port}`, opts.accountId, opts.token)
    server.on('request', (req, res) => fake.handle(req, res))
    return fake
  }

  addEnvironment(env: FakeEnvironment): this {
    this.environments.push(env)
    return this
  }

  addRun(run: FakeRun): this {
    this.runs.push(run)
    return this
  }

  /** Requests of exactly this path. */
  requestsTo(path: string): FakeRequest[] {
    return this.requests.filter((r) => r.path === path)
  }

  /** Artifact downloads of manifest.json, by run id. */
  manifestDownloads(): number[] {
    return this.requests
      .map((r) => /\/runs\/(\d+)\/artifacts\/manifest\.json$/.exec(r.path))
      .filter((m) => m !== null)
      .map((m) => Number(m![1]))
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', this.url)
    const query = Object.fromEntries(url.searchParams)
    this.requests.push({ method: req.method ?? 'GET', path: url.pathname, query, authorization: req.headers.authorization })
    if (this.stallNext > 0) {
      this.stallNext--
      return
    }
    const failure = this.failNext.shift()
    if (failure) return send(res, failure, envelope(null, failure, 'Service unavailable'))
    if (!this.authorized(req.headers.authorization)) return send(res, 401, envelope(null, 401, 'Invalid token.'))
    const account = `/api/v[23]/accounts/${this.accountId}`
    const routes: Array<[RegExp, (m: RegExpExecArray) => void]> = [
      [new RegExp(`^${account}/runs/$`), () => this.listRuns(query, res)],
      [new RegExp(`^${account}/runs/(\\d+)/artifacts/manifest\\.json$`), (m) => this.artifact(Number(m[1]), res)],
      [new RegExp(`^${account}/projects/(\\d+)/environments/$`), (m) => this.listEnvironments(Number(m[1]), query, res)],
      [new RegExp(`^${account}/projects/(\\d+)/environments/(\\d+)/$`), (m) => this.getEnvironment(Number(m[1]), Number(m[2]), res)]
    ]
    for (const [pattern, serve] of routes) {
      const match = pattern.exec(url.pathname)
      if (match && req.method === 'GET') return serve(match)
    }
    send(res, 404, envelope(null, 404, 'The requested resource was not found.'))
  }

  private authorized(header: string | undefined): boolean {
    const match = /^(Token|Bearer) (.+)$/.exec(header ?? '')
    return match !== null && match[2] === this.token
  }

  private listRuns(query: Record<string, string>, res: ServerResponse): void {
    let runs = [...this.runs]
    if (query.environment_id) runs = runs.filter((r) => String(r.environmentId) === query.environment_id)
    if (query.status) runs = runs.filter((r) => String(r.status) === query.status)
    runs.sort(orderBy(query.order_by ?? 'id'))
    const related = parseList(query.include_related)
    const offset = Number(query.offset ?? 0)
    const limit = Math.min(Number(query.limit ?? 100), 100)
    const page = runs.slice(offset, offset + limit).map((r) => this.runJson(r, related))
    send(res, 200, {
      ...envelope(page),
      extra: { filters: query, order_by: query.order_by ?? 'id', pagination: { count: page.length, total_count: runs.length } }
    })
  }

  private runJson(r: FakeRun, related: string[]): Record<string, unknown> {
    const json: Record<string, unknown> = {
      id: r.id,
      account_id: this.accountId,
      environment_id: r.environmentId,
      job_definition_id: r.id * 10,
      status: r.status,
      status_humanized: { 10: 'Success', 20: 'Error', 30: 'Cancelled' }[r.status],
      git_sha: r.gitSha ?? null,
      git_branch: 'main',
      finished_at: r.finishedAt,
      is_complete: true,
      is_success: r.status === 10,
      artifacts_saved: r.artifactsSaved ?? true,
      has_docs_generated: false,
      href: `${this.url}/deploy/${this.accountId}/projects/1/runs/${r.id}/`
    }
    if (related.includes('job'))
      json.job = {
        id: r.id * 10,
        name: `job ${r.id}`,
        job_type: r.jobType === undefined ? 'scheduled' : r.jobType,
        triggers: { schedule: false, github_webhook: false, git_provider_webhook: false, on_merge: false, ...r.triggers }
      }
    if (related.includes('trigger')) json.trigger = { id: r.id * 100, cause: 'Scheduled', github_pull_request_id: null, ...r.trigger }
    return json
  }

  private artifact(runId: number, res: ServerResponse): void {
    const run = this.runs.find((r) => r.id === runId)
    if (!run || run.artifactsSaved === false || run.manifest === undefined)
      return send(res, 404, envelope(null, 404, 'The requested resource was not found.'))
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(run.manifest)
  }

  private listEnvironments(projectId: number, query: Record<string, string>, res: ServerResponse): void {
    let envs = this.environments.filter((e) => e.projectId === projectId)
    // The account's projects are those its environments belong to; others are not found.
    if (envs.length === 0) return send(res, 404, envelope(null, 404, 'Project not found.'))
    if (query.deployment_type) envs = envs.filter((e) => e.deploymentType === query.deployment_type)
    const offset = Number(query.offset ?? 0)
    const limit = Math.min(Number(query.limit ?? 100), 100)
    const page = envs.slice(offset, offset + limit).map(environmentJson)
    send(res, 200, { ...envelope(page), extra: { pagination: { count: page.length, total_count: envs.length } } })
  }

  private getEnvironment(projectId: number, envId: number, res: ServerResponse): void {
    const env = this.environments.find((e) => e.projectId === projectId && e.id === envId)
    if (!env) return send(res, 404, envelope(null, 404, 'The requested resource was not found.'))
    send(res, 200, envelope(environmentJson(env)))
  }
}

function environmentJson(e: FakeEnvironment): Record<string, unknown> {
  return {
    id: e.id,
    project_id: e.projectId,
    name: e.name,
    type: e.type ?? 'deployment',
    deployment_type: e.deploymentType,
    state: e.state ?? 1
  }
}

function envelope(data: unknown, code = 200, message = 'Success!'): Record<string, unknown> {
  return { status: { code, is_success: code < 400, user_message: message, developer_message: '' }, data }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' })
  res.end(JSON.stringify(body))
}

/** dbt Cloud accepts `["job","trigger"]` and `['job']`. */
function parseList(value: string | undefined): string[] {
  if (!value) return []
  return value
    .replace(/[[\]'"\s]/g, '')
    .split(',')
    .filter(Boolean)
}

function orderBy(field: string): (a: FakeRun, b: FakeRun) => number {
  const desc = field.startsWith('-')
  const key = desc ? field.slice(1) : field
  const value = (r: FakeRun) => (key === 'finished_at' ? Date.parse(r.finishedAt) : r.id)
  return (a, b) => (desc ? value(b) - value(a) : value(a) - value(b))
}
