import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { Deadline } from '../src/baseline/download.js'
import { BaselineAuthError, BaselineServiceError, BaselineTimeoutError } from '../src/baseline/errors.js'
import { isBaseline, type Baseline } from '../src/baseline/types.js'
import { createUrlSource } from '../src/baseline/url-source.js'
import { recordingLogger, tempDir, testManifest } from './fakes/baseline-fixtures.js'
import { FakeFileServer, startSilentServer } from './fakes/file-server.js'

// The url source against a file server on 127.0.0.1 that hangs, stalls, cuts connections and
// refuses credentials. Limits are a fraction of a second so the suite runs in seconds.

let server: FakeFileServer
const fast = { retryDelayMs: 10, connectTimeoutMs: 300, idleTimeoutMs: 300, downloadTimeoutMs: 5_000 }

beforeAll(async () => {
  server = await FakeFileServer.start()
})
afterAll(async () => {
  await server.close()
})

const hits = (path: string) => server.requests.filter((r) => r.path === path).length
const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`

describe('url source under network faults', () => {
  it('stops a server that accepts and never answers at the idle timeout, naming the request and the input', async () => {
    const url = server.put('/hang/manifest.json', { body: testManifest() })
    server.breakNext.push('hang', 'hang')
    const started = Date.now()
    const error = await createUrlSource({ production: `${url}?sig=SECRET` }, { http: { ...fast, retries: 1 } })
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(error).toBeInstanceOf(BaselineTimeoutError)
    expect((error as BaselineTimeoutError).input).toBe('http-idle-timeout')
    const message = (error as Error).message
    expect(message).toContain(`${server.url}/hang/manifest.json`)
    expect(message).not.toContain('SECRET')
    expect(message).toMatch(/no bytes received for 0\.3 s .*idle timeout.*`http-idle-timeout`.*2 attempts/)
    expect(message).toContain('`production-url`')
    expect(hits('/hang/manifest.json')).toBe(2)
  })

  it('retries a download that stalls mid-body, and one whose connection is cut, then succeeds', async () => {
    const body = testManifest({ marker: 'after_faults' })
    const url = server.put('/flaky-body/manifest.json', { body })
    server.breakNext.push('stall', 'reset')
    const log = recordingLogger()
    const result = await createUrlSource({ production: url }, { http: { ...fast, log } }).fetch('production', tempDir('dest'))
    expect(isBaseline(result)).toBe(true)
    expect(readFileSync((result as Baseline).manifestPath, 'utf8')).toBe(body)
    expect(hits('/flaky-body/manifest.json')).toBe(3)
    expect(log.lines).toContainEqual(expect.stringMatching(/no bytes received for 0\.3 s after \d+ bytes.*retrying/))
    expect(log.lines).toContainEqual(expect.stringMatching(/the connection was cut after \d+ bytes.*retrying/))
  })

  it('gives up on a connection that never stands at the connect timeout (a TLS handshake that never completes)', async () => {
    const silent = await startSilentServer()
    try {
      const source = createUrlSource(
        { production: `https://127.0.0.1:${silent.port}/manifest.json` },
        { http: { ...fast, connectTimeoutMs: 200, idleTimeoutMs: 5_000, retries: 0 } }
      )
      const error = await source.fetch('production', tempDir('dest')).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(BaselineTimeoutError)
      expect((error as BaselineTimeoutError).input).toBe('http-connect-timeout')
      expect((error as Error).message).toMatch(
        new RegExp(`https://127\\.0\\.0\\.1:${silent.port}/manifest\\.json.*no connection within 0\\.2 s.*\`http-connect-timeout\``)
      )
    } finally {
      await silent.close()
    }
  })

  it('stops a download at download-timeout even while bytes keep trickling in, without retrying it', async () => {
    const url = server.put('/slow/manifest.json', { body: testManifest() })
    server.breakNext.push('stall')
    const source = createUrlSource({ production: url }, { http: { ...fast, idleTimeoutMs: 5_000, downloadTimeoutMs: 300 } })
    const error = await source.fetch('production', tempDir('dest')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineTimeoutError)
    expect((error as BaselineTimeoutError).input).toBe('download-timeout')
    expect((error as Error).message).toMatch(/not finished within 0\.3 s .*`download-timeout`.*1 attempt\)/)
    expect(hits('/slow/manifest.json')).toBe(1)
  })

  it('ends the whole search at baseline-timeout, naming it, even while retries remain', async () => {
    const url = server.put('/outage/manifest.json', { body: testManifest() })
    server.failNext.push(503, 503, 503, 503, 503)
    const deadline = new Deadline(150)
    const source = createUrlSource({ production: url }, { http: { ...fast, retryDelayMs: 100, retries: 4, deadline } })
    const error = await source.fetch('production', tempDir('dest')).catch((e: unknown) => e)
    server.failNext.length = 0
    expect(error).toBeInstanceOf(BaselineTimeoutError)
    expect((error as BaselineTimeoutError).input).toBe('baseline-timeout')
    expect((error as Error).message).toMatch(/did not finish within 0\.2 s \(input `baseline-timeout`\).*HTTP 503/)
    expect(hits('/outage/manifest.json')).toBeLessThan(5)
  })

  it('sends credentials of the URL as Basic authorization', async () => {
    const url = server.put('/basic/manifest.json', { body: testManifest(), authorization: basic('deploy', 'right') })
    const withCredentials = url.replace('http://', 'http://deploy:right@')
    const result = await createUrlSource({ production: withCredentials }, { http: fast }).fetch('production', tempDir('dest'))
    expect(isBaseline(result)).toBe(true)
    expect((result as Baseline).location).toBe(url)
  })

  it('never retries refused credentials in the URL, and names the input holding them without printing them', async () => {
    const url = server.put('/locked-url/manifest.json', { body: testManifest(), authorization: basic('deploy', 'right') })
    const wrong = `${url.replace('http://', 'http://deploy:WRONGPASS@')}?token=SECRET`
    const error = await createUrlSource({ staging: 'https://example.com/m.json', production: wrong }, { http: fast })
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineAuthError)
    expect((error as BaselineAuthError).input).toBe('production-url')
    expect((error as BaselineAuthError).status).toBe(401)
    const message = (error as Error).message
    expect(message).toMatch(/HTTP 401.*credentials are in the input `production-url`/)
    expect(message).not.toMatch(/WRONGPASS|SECRET|deploy:|Check that the service is up/)
    expect(hits('/locked-url/manifest.json')).toBe(1)
  })

  it('never retries a 403 or a 400, and says what to check', async () => {
    const url = server.put('/forbidden/manifest.json', { body: testManifest() })
    server.failNext.push(403)
    const refused = await createUrlSource({ production: url, authorization: 'Bearer old' }, { http: fast })
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect((refused as BaselineAuthError).input).toBe('url-authorization')
    expect((refused as Error).message).toMatch(/HTTP 403.*Check the input `url-authorization`/)
    server.failNext.push(400)
    const bad = await createUrlSource({ production: `${url}?X-Signature=SECRET` }, { http: fast })
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(bad).toBeInstanceOf(BaselineServiceError)
    expect((bad as Error).message).toMatch(
      /input `production-url`\) failed with HTTP 400.*not retried; check the URL and the credentials in it/
    )
    expect((bad as Error).message).not.toContain('SECRET')
    expect(hits('/forbidden/manifest.json')).toBe(2)
  })
})
