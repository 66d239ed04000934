import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { createDbtCloudSource } from '../src/baseline/dbt-cloud-source.js'
import { BaselineAuthError, BaselineTimeoutError } from '../src/baseline/errors.js'
import { isBaseline, type Baseline } from '../src/baseline/types.js'
import { recordingLogger, tempDir, testManifest } from './fakes/baseline-fixtures.js'
import { FakeDbtCloud } from './fakes/dbt-cloud-server.js'

// The dbt-cloud source against the fake dbt Cloud API on 127.0.0.1 when requests stall or the
// token is refused. Limits are a fraction of a second.

const ACCOUNT = 4242
const TOKEN = 'dbtc_service_token'
const PROD = 501
let cloud: FakeDbtCloud

beforeEach(async () => {
  cloud = await FakeDbtCloud.start({ accountId: ACCOUNT, token: TOKEN })
  cloud.addEnvironment({ id: PROD, projectId: 77, name: 'Production', deploymentType: 'production' })
  cloud.addRun({
    id: 1,
    environmentId: PROD,
    status: 10,
    finishedAt: '2025-01-01T00:00:00Z',
    gitSha: 'sha1',
    manifest: testManifest({ marker: 'run1' })
  })
})
afterEach(async () => {
  await cloud.close()
})

function source(token = TOKEN, log = recordingLogger()) {
  return createDbtCloudSource(
    { baseUrl: cloud.url, accountId: String(ACCOUNT), token, deferEnvId: String(PROD) },
    { log, http: { retryDelayMs: 10, retries: 2, idleTimeoutMs: 300, connectTimeoutMs: 300 } }
  )
}

describe('dbt-cloud source under faults', () => {
  it('recovers from a stalled API request within the idle timeout, not after minutes', async () => {
    cloud.stallNext = 1
    const log = recordingLogger()
    const started = Date.now()
    const result = await source(TOKEN, log).fetch('production', tempDir('dest'))
    expect(Date.now() - started).toBeLessThan(3_000)
    expect(isBaseline(result) && (result as Baseline).runId).toBe('1')
    expect(log.lines).toContainEqual(
      expect.stringMatching(
        /^info: The dbt Cloud request GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/accounts\/4242\/runs\/\?…: no bytes received for 0\.3 s.*retrying/
      )
    )
  })

  it('gives up on requests that keep stalling, naming the request and http-idle-timeout', async () => {
    cloud.stallNext = 3
    const error = await source()
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineTimeoutError)
    expect((error as BaselineTimeoutError).input).toBe('http-idle-timeout')
    expect((error as Error).message).toMatch(
      /^The dbt Cloud request GET http:\/\/127\.0\.0\.1:\d+\/api\/v2\/accounts\/4242\/runs\/\?… failed: no bytes received .*\(3 attempts\)\. Raise the input `http-idle-timeout`/
    )
    expect((error as Error).message).not.toContain('environment_id=')
  })

  it('names dbt-cloud-api-token and the permission needed when the token is refused, without retrying', async () => {
    const error = await source('dbtc_revoked')
      .fetch('production', tempDir('dest'))
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineAuthError)
    expect((error as BaselineAuthError).input).toBe('dbt-cloud-api-token')
    expect((error as Error).message).toMatch(/HTTP 401.*Check the input `dbt-cloud-api-token`.*Read-Only or Job Viewer/)
    expect(cloud.requests).toHaveLength(1)
  })
})
