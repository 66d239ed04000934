import { createServer, type Server } from 'node:http'
import { createServer as createTcpServer, type AddressInfo, type Socket } from 'node:net'

/** A file the server holds. */
export interface ServedFile {
  body: string
  /** When set, requests must send exactly this Authorization header (else 401). */
  authorization?: string
  etag?: string
}

/**
 * A fault for the next request: `hang` accepts and never answers; `stall` sends the headers and
 * half the body, then goes silent; `reset` sends the headers and half the body, then cuts the
 * connection.
 */
export type ConnectionFault = 'hang' | 'stall' | 'reset'

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
  /** Connection faults answered first, before `failNext`. */
  readonly breakNext: ConnectionFault[] = []

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
      const fault = fake.breakNext.shift()
      const file = fake.files.get(path)
      if (fault) {
        breakConnection(fault, res, file?.body ?? 'x'.repeat(1000))
        return
      }
      const failure = fake.failNext.shift()
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

function breakConnection(fault: ConnectionFault, res: import('node:http').ServerResponse, body: string): void {
  if (fault === 'hang') return
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) })
  res.write(body.slice(0, Math.floor(body.length / 2)))
  if (fault === 'reset') setTimeout(() => res.socket?.resetAndDestroy(), 20)
}

/**
 * A TCP server on 127.0.0.1 that accepts connections and never says a word: a TLS handshake
 * with it never completes, so an https request to it tests the connect timeout.
 */
export async function startSilentServer(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<Socket>()
  const server = createTcpServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => undefined)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      for (const socket of sockets) socket.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}
