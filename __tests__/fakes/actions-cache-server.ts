import { createHmac, randomBytes } from 'node:crypto'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'

/**
 * A stateful stand-in for the GitHub Actions cache service, listening on 127.0.0.1, that the real
 * @actions/cache library talks to. It speaks both protocols the library has:
 *
 * - v1, the REST service GitHub Enterprise Server runs (`ACTIONS_CACHE_URL`):
 *   `GET _apis/artifactcache/cache?keys=&version=` (200 with `archiveLocation`, or 204),
 *   `POST _apis/artifactcache/caches` (reserve: 201 `{cacheId}`, 409 when the key exists),
 *   `PATCH _apis/artifactcache/caches/{id}` (one chunk, `Content-Range: bytes a-b/*`),
 *   `POST _apis/artifactcache/caches/{id}` (commit `{size}`), `GET _apis/artifactcache/caches?key=`.
 * - v2, the Twirp service github.com runs (`ACTIONS_RESULTS_URL` + `ACTIONS_CACHE_SERVICE_V2`):
 *   `CreateCacheEntry`, `FinalizeCacheEntryUpload`, `GetCacheEntryDownloadURL`, JSON with proto
 *   field names; the archive goes to a signed blob URL with a single-shot Put Blob.
 *
 * Semantics kept: an entry is identified by (key, version), where the version hashes the path
 * strings and the compression; entries are immutable (reserving an existing or pending one
 * answers 409); a lookup takes the exact key, else the newest entry whose key starts with the
 * key, else the newest for each restore key in order; only committed entries are found. Service
 * calls need `Authorization: Bearer <runtime token>`; archive URLs are signed instead. Scopes
 * (branches) are not modelled.
 */

/** A committed cache entry. */
export interface FakeCacheEntry {
  id: number
  key: string
  version: string
  /** The compressed tar archive as uploaded. */
  archive: Buffer
  /** Commit order: higher is newer. */
  seq: number
}

/** One request the fake answered. */
export interface FakeCacheRequest {
  /** `v1`, `v2` (Twirp) or `blob` (a signed archive URL). */
  api: 'v1' | 'v2' | 'blob' | 'other'
  method: string
  /** Path and query. */
  url: string
  status: number
  /** Whether an Authorization header came with it. */
  withAuthorization: boolean
}

/** The cache service protocol to point the library at. */
export type CacheProtocol = 'v1' | 'v2'

interface Pending {
  id: number
  key: string
  version: string
  chunks: Array<{ start: number; bytes: Buffer }>
  blob?: Buffer
}

interface Reply {
  status: number
  json?: unknown
  body?: Buffer
  headers?: Record<string, string>
}

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.CacheService/'
const V1_PREFIX = '/_apis/artifactcache/'

/** The fake service; `start()` listens on a free loopback port. */
export class ActionsCacheServer {
  /** Every request, in order. */
  readonly requests: FakeCacheRequest[] = []
  /** The runtime token the service accepts. */
  readonly token = `runtime-${randomBytes(8).toString('hex')}`
  private readonly committed: FakeCacheEntry[] = []
  private readonly pending = new Map<number, Pending>()
  private readonly signingKey = randomBytes(16)
  private nextId = 1
  private seq = 0
  private failure: number | undefined

  private readonly server: Server

  private constructor(server: Server) {
    this.server = server
  }

  /** Starts a fresh, empty service. */
  static async start(): Promise<ActionsCacheServer> {
    const server = createServer()
    const fake = new ActionsCacheServer(server)
    server.on('request', (req, res) => void fake.handle(req, res))
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    return fake
  }

  /** Base URL, with the trailing slash the library expects. */
  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/`
  }

  /**
   * The environment a runner sets for the cache, pointing at this fake. v1 also sets a server URL
   * that is not github.com, as on GitHub Enterprise Server, which makes the library use v1 even
   * if `ACTIONS_CACHE_SERVICE_V2` leaked in from the environment.
   */
  env(protocol: CacheProtocol): Record<string, string> {
    const common = { ACTIONS_RUNTIME_TOKEN: this.token, ACTIONS_CACHE_MODE: '' }
    if (protocol === 'v1') {
      return {
        ...common,
        ACTIONS_CACHE_URL: this.url,
        ACTIONS_RESULTS_URL: '',
        ACTIONS_CACHE_SERVICE_V2: '',
        GITHUB_SERVER_URL: this.url.replace(/\/$/, '')
      }
    }
    return { ...common, ACTIONS_RESULTS_URL: this.url, ACTIONS_CACHE_URL: '', ACTIONS_CACHE_SERVICE_V2: 'true', GITHUB_SERVER_URL: '' }
  }

  /** The committed entries, oldest first. */
  entries(): FakeCacheEntry[] {
    return [...this.committed]
  }

  /** From now on every service call (not archive downloads) answers `status`; undefined heals. */
  failWith(status: number | undefined): void {
    this.failure = status
  }

  /** Stops listening. */
  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await readBody(req)
    const url = new URL(req.url ?? '/', this.url)
    const api = url.pathname.startsWith(V1_PREFIX)
      ? 'v1'
      : url.pathname.startsWith(TWIRP_PREFIX)
        ? 'v2'
        : url.pathname.startsWith('/blobs/')
          ? 'blob'
          : 'other'
    let reply: Reply
    try {
      reply = this.route(api, req, url, body)
    } catch (error) {
      reply = { status: 500, json: { message: String(error) } }
    }
    this.requests.push({
      api,
      method: req.method ?? '',
      url: req.url ?? '',
      status: reply.status,
      withAuthorization: !!req.headers.authorization
    })
    send(res, reply)
  }

  private route(api: FakeCacheRequest['api'], req: IncomingMessage, url: URL, body: Buffer): Reply {
    if (api === 'blob') return this.blob(req, url, body)
    if (api === 'other') return { status: 404, json: { message: `No such endpoint: ${url.pathname}` } }
    if (req.headers.authorization !== `Bearer ${this.token}`) {
      return api === 'v2'
        ? twirpError(401, 'unauthenticated', 'invalid runtime token')
        : { status: 401, json: { message: 'Invalid runtime token.' } }
    }
    if (this.failure)
      return api === 'v2'
        ? twirpError(this.failure, 'internal', 'injected failure')
        : { status: this.failure, json: { message: 'Injected failure.' } }
    return api === 'v1'
      ? this.v1(req.method ?? '', url, body, req.headers['content-range'])
      : this.v2(url.pathname.slice(TWIRP_PREFIX.length), body)
  }

  // ---- v1 (REST) ----

  private v1(method: string, url: URL, body: Buffer, contentRange: string | string[] | undefined): Reply {
    const resource = url.pathname.slice(V1_PREFIX.length)
    const id = /^caches\/(\d+)$/.exec(resource)
    if (method === 'GET' && resource === 'cache') return this.v1Lookup(url.searchParams)
    if (method === 'GET' && resource === 'caches') return this.v1List(url.searchParams.get('key') ?? '')
    if (method === 'POST' && resource === 'caches') return this.v1Reserve(JSON.parse(body.toString('utf8')))
    if (method === 'PATCH' && id) return this.v1Chunk(Number(id[1]), String(contentRange ?? ''), body)
    if (method === 'POST' && id) return this.v1Commit(Number(id[1]), JSON.parse(body.toString('utf8')))
    return { status: 404, json: { message: `No such endpoint: ${method} ${url.pathname}` } }
  }

  private v1Lookup(query: URLSearchParams): Reply {
    const keys = (query.get('keys') ?? '').split(',').filter(Boolean)
    const version = query.get('version') ?? ''
    if (!keys.length || !version) return { status: 400, json: { message: 'keys and version are required.' } }
    const entry = this.find(keys[0], keys.slice(1), version)
    if (!entry) return { status: 204 }
    const json = {
      cacheKey: entry.key,
      cacheVersion: entry.version,
      scope: 'refs/heads/main',
      creationTime: new Date().toISOString(),
      archiveLocation: this.archiveUrl(entry.id)
    }
    return { status: 200, json }
  }

  private v1List(key: string): Reply {
    const matches = this.committed.filter((e) => e.key === key)
    const artifactCaches = matches.map((e) => ({ cacheKey: e.key, cacheVersion: e.version, scope: 'refs/heads/main' }))
    return { status: 200, json: { totalCount: matches.length, artifactCaches } }
  }

  private v1Reserve(request: { key?: string; version?: string }): Reply {
    if (!request.key || !request.version) return { status: 400, json: { message: 'key and version are required.' } }
    if (this.taken(request.key, request.version)) {
      return { status: 409, json: { message: `Cache already exists. Key: ${request.key}, Version: ${request.version}` } }
    }
    const id = this.reserve(request.key, request.version)
    return { status: 201, json: { cacheId: id } }
  }

  private v1Chunk(id: number, contentRange: string, body: Buffer): Reply {
    const entry = this.pending.get(id)
    if (!entry) return { status: 404, json: { message: `No reserved cache ${id}.` } }
    const range = /^bytes (\d+)-(\d+)\/\*$/.exec(contentRange)
    if (!range || Number(range[2]) - Number(range[1]) + 1 !== body.length) {
      return { status: 400, json: { message: `Content-Range '${contentRange}' does not match a body of ${body.length} bytes.` } }
    }
    entry.chunks.push({ start: Number(range[1]), bytes: body })
    return { status: 204 }
  }

  private v1Commit(id: number, request: { size?: number }): Reply {
    const entry = this.pending.get(id)
    if (!entry) return { status: 404, json: { message: `No reserved cache ${id}.` } }
    const archive = assemble(entry.chunks)
    if (!archive || archive.length !== request.size) {
      return { status: 400, json: { message: `Uploaded ${archive?.length ?? 'non-contiguous'} bytes, commit says ${request.size}.` } }
    }
    this.commit(entry, archive)
    return { status: 204 }
  }

  // ---- v2 (Twirp) ----

  private v2(method: string, body: Buffer): Reply {
    const request = JSON.parse(body.toString('utf8')) as Record<string, unknown>
    if (method === 'CreateCacheEntry') return this.v2Create(String(request.key ?? ''), String(request.version ?? ''))
    if (method === 'FinalizeCacheEntryUpload')
      return this.v2Finalize(String(request.key ?? ''), String(request.version ?? ''), Number(request.size_bytes))
    if (method === 'GetCacheEntryDownloadURL') {
      return this.v2Download(String(request.key ?? ''), (request.restore_keys as string[] | undefined) ?? [], String(request.version ?? ''))
    }
    return twirpError(404, 'bad_route', `no handler for ${method}`)
  }

  private v2Create(key: string, version: string): Reply {
    if (!key || !version) return twirpError(400, 'invalid_argument', 'key and version are required')
    if (this.taken(key, version)) return twirpError(409, 'already_exists', `cache entry ${key} (version ${version}) already exists`)
    const id = this.reserve(key, version)
    return { status: 200, json: { ok: true, signed_upload_url: this.archiveUrl(id) } }
  }

  private v2Finalize(key: string, version: string, size: number): Reply {
    const entry = [...this.pending.values()].find((p) => p.key === key && p.version === version)
    if (!entry) return twirpError(404, 'not_found', `no cache entry ${key} is being created`)
    if (!entry.blob || entry.blob.length !== size) {
      return twirpError(400, 'invalid_argument', `uploaded ${entry.blob?.length ?? 0} bytes, finalize says ${size}`)
    }
    this.commit(entry, entry.blob)
    return { status: 200, json: { ok: true, entry_id: String(entry.id) } }
  }

  private v2Download(key: string, restoreKeys: string[], version: string): Reply {
    const entry = this.find(key, restoreKeys, version)
    if (!entry) return { status: 200, json: { ok: false } }
    return { status: 200, json: { ok: true, signed_download_url: this.archiveUrl(entry.id), matched_key: entry.key } }
  }

  // ---- signed archive URLs (v1 downloads, v2 uploads and downloads) ----

  private blob(req: IncomingMessage, url: URL, body: Buffer): Reply {
    const id = Number(url.pathname.slice('/blobs/'.length))
    if (url.searchParams.get('sig') !== this.signature(id)) return { status: 403, json: { message: 'Signature mismatch.' } }
    if (req.method === 'GET') {
      const entry = this.committed.find((e) => e.id === id)
      return entry ? { status: 200, body: entry.archive, headers: { 'content-type': 'application/octet-stream' } } : { status: 404 }
    }
    if (req.method === 'PUT') return this.putBlob(id, url, req.headers['x-ms-blob-type'], body)
    return { status: 405 }
  }

  private putBlob(id: number, url: URL, blobType: string | string[] | undefined, body: Buffer): Reply {
    const entry = this.pending.get(id)
    if (!entry) return { status: 404 }
    // Archives over 128 MiB go up in blocks (comp=block / blocklist); the manifests here never do.
    if (url.searchParams.has('comp') || blobType !== 'BlockBlob')
      return { status: 501, json: { message: 'Only single-shot Put Blob is implemented.' } }
    entry.blob = body
    return { status: 201, headers: { etag: `"${id}"`, 'last-modified': new Date().toUTCString(), 'x-ms-request-id': String(id) } }
  }

  // ---- shared state ----

  private taken(key: string, version: string): boolean {
    const same = (e: { key: string; version: string }) => e.key === key && e.version === version
    return this.committed.some(same) || [...this.pending.values()].some(same)
  }

  private reserve(key: string, version: string): number {
    const id = this.nextId++
    this.pending.set(id, { id, key, version, chunks: [] })
    return id
  }

  private commit(entry: Pending, archive: Buffer): void {
    this.pending.delete(entry.id)
    this.committed.push({ id: entry.id, key: entry.key, version: entry.version, archive, seq: ++this.seq })
  }

  /** Exact key, then the newest entry prefixed by the key, then by each restore key in order. */
  private find(key: string, restoreKeys: string[], version: string): FakeCacheEntry | undefined {
    const candidates = this.committed.filter((e) => e.version === version)
    const exact = candidates.find((e) => e.key === key)
    if (exact) return exact
    for (const prefix of [key, ...restoreKeys]) {
      const newest = candidates.filter((e) => e.key.startsWith(prefix)).sort((a, b) => b.seq - a.seq)[0]
      if (newest) return newest
    }
    return undefined
  }

  private archiveUrl(id: number): string {
    return `${this.url}blobs/${id}?sig=${this.signature(id)}`
  }

  private signature(id: number): string {
    return createHmac('sha256', this.signingKey).update(String(id)).digest('hex').slice(0, 32)
  }
}

function twirpError(status: number, code: string, msg: string): Reply {
  return { status, json: { code, msg } }
}

/** The chunks joined in offset order, or undefined when they leave a gap or overlap. */
function assemble(chunks: Array<{ start: number; bytes: Buffer }>): Buffer | undefined {
  const sorted = [...chunks].sort((a, b) => a.start - b.start)
  let offset = 0
  for (const chunk of sorted) {
    if (chunk.start !== offset) return undefined
    offset += chunk.bytes.length
  }
  return Buffer.concat(sorted.map((c) => c.bytes))
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks)
}

function send(res: ServerResponse, reply: Reply): void {
  const body = reply.json !== undefined ? Buffer.from(JSON.stringify(reply.json)) : (reply.body ?? Buffer.alloc(0))
  const headers: Record<string, string> = { ...reply.headers }
  if (reply.json !== undefined) headers['content-type'] = 'application/json'
  if (reply.status !== 204) headers['content-length'] = String(body.length)
  res.writeHead(reply.status, headers)
  res.end(reply.status === 204 ? undefined : body)
}
