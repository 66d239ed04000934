import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { BaselineAuthError, BaselineConfigError, BaselineServiceError } from '../src/baseline/errors.js'
import { isBaseline, type Baseline } from '../src/baseline/types.js'
import { createUrlSource } from '../src/baseline/url-source.js'
import { recordingLogger, tempDir, testManifest } from './fakes/baseline-fixtures.js'
import { FakeFileServer } from './fakes/file-server.js'

let server: FakeFileServer
const http = { retryDelayMs: 0, log: recordingLogger() }

beforeAll(async () => {
  server = await FakeFileServer.start()
})
afterAll(async () => {
  await server.close()
})

describe('url source', () => {
  it('downloads with the Authorization header and names the ETag in the identity', async () => {
    const body = testManifest({ marker: 'from_url' })
    const url = server.put('/prod/manifest.json', { body, authorization: 'Bearer s3cret', etag: '"v7"' })
    const source = createUrlSource({ production: url, authorization: 'Bearer s3cret' }, { http })
    const result = await source.fetch('production', tempDir('dest'))
    expect(isBaseline(result)).toBe(true)
    expect(readFileSync((result as Baseline).manifestPath, 'utf8')).toBe(body)
    expect((result as Baseline).identity).toBe(`url:${url}:"v7"`)
    expect(server.requests.filter((r) => r.path === '/prod/manifest.json').map((r) => r.authorization)).toEqual(['Bearer s3cret'])
  })

  it('uses the content hash when the server sends no validator', async () => {
    const url = server.put('/plain/manifest.json', { body: testManifest() })
    const result = (await createUrlSource({ production: url }, { http }).fetch('production', tempDir('dest'))) as Baseline
    expect(result.identity).toMatch(new RegExp(`^url:${url}:[0-9a-f]{64}$`))
  })

  it('reports a refused authorization as an error naming url-authorization', async () => {
    const url = server.put('/locked/manifest.json', { body: testManifest(), authorization: 'Bearer right' })
    const error = await createUrlSource({ production: url, authorization: 'Bearer wrong' }, { http })
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineAuthError)
    expect((error as BaselineAuthError).status).toBe(401)
    expect((error as Error).message).toMatch(/refused the authorization/)
    expect((error as BaselineAuthError).input).toBe('url-authorization')
  })

  it('treats 404 as no baseline there', async () => {
    const url = `${server.url}/missing/manifest.json`
    const result = await createUrlSource({ production: url }, { http }).fetch('production', tempDir('dest'))
    expect(result).toEqual({ searched: [`${url}: HTTP 404, no manifest there`] })
  })

  it('retries a 503 and then succeeds', async () => {
    const url = server.put('/flaky/manifest.json', { body: testManifest() })
    server.failNext.push(503, 502)
    const result = await createUrlSource({ production: url }, { http }).fetch('production', tempDir('dest'))
    expect(isBaseline(result)).toBe(true)
    expect(server.requests.filter((r) => r.path === '/flaky/manifest.json')).toHaveLength(3)
  })

  it('gives up after the bounded retries with a service error', async () => {
    const url = server.put('/down/manifest.json', { body: testManifest() })
    server.failNext.push(500, 500, 500)
    const source = createUrlSource({ production: url }, { http: { ...http, retries: 2 } })
    const error = await source.fetch('production', tempDir('dest')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineServiceError)
    expect((error as Error).message).toMatch(/HTTP 500.*3 attempts/)
  })

  it('refuses http:// except on loopback, naming the input', () => {
    expect(() => createUrlSource({ production: 'http://example.com/manifest.json' })).toThrow(/`production-url`.*only https/)
    expect(() => createUrlSource({ production: 'https://example.com/m.json', staging: 'http://10.0.0.1/m.json' })).toThrow(/`staging-url`/)
    expect(() => createUrlSource({ production: 'not a url' })).toThrow(BaselineConfigError)
    expect(() => createUrlSource({ production: 'http://127.0.0.1:9/m.json', staging: 'http://localhost:9/m.json' })).not.toThrow()
  })

  it('hides query strings (signatures) in messages and identities', async () => {
    const url = server.put('/signed/manifest.json', { body: testManifest() })
    const result = (await createUrlSource({ production: `${url}?sig=SECRET` }, { http }).fetch('production', tempDir('dest'))) as Baseline
    expect(result.identity).not.toContain('SECRET')
    expect(result.location).not.toContain('SECRET')
  })

  it('is configured for staging exactly when staging-url is set, and names it when missing', async () => {
    const prodOnly = createUrlSource({ production: `${server.url}/x` })
    await expect(prodOnly.stagingConfigured()).resolves.toBe(false)
    await expect(createUrlSource({ production: `${server.url}/x`, staging: `${server.url}/y` }).stagingConfigured()).resolves.toBe(true)
    const error = await prodOnly.fetch('staging', tempDir('dest')).catch((e: unknown) => e)
    expect((error as BaselineConfigError).input).toBe('staging-url')
  })
})
