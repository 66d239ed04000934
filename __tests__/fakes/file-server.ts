import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A file the server holds. */
export interface ServedFile {
  body: string
  /** When set, requests must send exactly this Authorization header (else 401). */
  authorization?: string
  etag?: string
}

/** One request the server received. */
export interface FileRequest {
  path: string
  authorization?: string
}

/**
 * A small HTTP file server on 127.0.0.1 (the `url` source accepts plain http only on loopback):
 * files by path, optional required Authorization, ETag; 404 for anything else. Statuses queued
 * in `failNext` are answered first (to exercise retries).
 */
export class FakeFileServer {
  readonly files = new Map<string, ServedFile>()
  readonly requests: FileRequest[] = []
  readonly failNext: number[] = []

  private constructor(
    private readonly server: Server,
    readonly url: string
  ) {}

  static async start(): Promise<FakeFileServer> {
    const server = createServer()
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const fake = new FakeFileServer(server, `http://127.0.0.1:${(server.address() as AddressInfo).port}`)
    server.on('request', (req, res) => {
      const path = new URL(req.url ?? '/', fake.url).pathname
      fake.requests.push({ path, authorization: req.headers.authorization })
      const failure = fake.failNext.shift()
      const file = fake.files.get(path)
      if (failure) res.writeHead(failure).end('failing on purpose')
      else if (!file) res.writeHead(404).end('not found')
      else if (file.authorization && req.headers.authorization !== file.authorization) res.writeHead(401).end('unauthorized')
      else res.writeHead(200, { 'content-type': 'application/json', ...(file.etag ? { etag: file.etag } : {}) }).end(file.body)
    })
    return fake
  }

  /** Serves `body` at `path`; returns the full URL. */
  put(path: string, file: ServedFile): string {
    this.files.set(path, file)
    return `${this.url}${path}`
  }

  async close(): Promise<void> {
    this.server.closeAllConnections()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
