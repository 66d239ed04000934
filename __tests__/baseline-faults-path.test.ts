import { afterAll, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { createServer, type Server } from 'node:net'
import { join } from 'node:path'
import { BaselineConfigError } from '../src/baseline/errors.js'
import { createPathSource } from '../src/baseline/path-source.js'
import { tempDir } from './fakes/baseline-fixtures.js'

// `state-path` naming something that is not a regular file: reading a FIFO with no writer
// blocks forever, so the source must refuse it before opening it. Each case has a short test
// timeout: a hang fails the test instead of the job hanging.

const servers: Server[] = []
afterAll(async () => {
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))))
})

async function refusal(production: string, baseDir: string, env: 'production' | 'staging' = 'production'): Promise<BaselineConfigError> {
  const settings = env === 'production' ? { production } : { production: 'x', staging: production }
  const error = await createPathSource(settings, { baseDir })
    .fetch(env, tempDir('dest'))
    .catch((e: unknown) => e)
  if (!(error instanceof BaselineConfigError)) throw new Error(`expected a BaselineConfigError, got ${String(error)}`)
  return error
}

describe('path source and files that are not regular', () => {
  it('refuses a FIFO at once, naming the input and the path', async () => {
    const ws = tempDir('workspace')
    expect(spawnSync('mkfifo', [join(ws, 'manifest.json')]).status).toBe(0)
    const error = await refusal('manifest.json', ws)
    expect(error.input).toBe('state-path')
    expect(error.message).toContain(`\`state-path\` names ${join(ws, 'manifest.json')}, which is a named pipe (FIFO), not a regular file`)
  }, 5_000)

  it('refuses a FIFO found as manifest.json inside the named directory, for staging too', async () => {
    const ws = tempDir('workspace')
    spawnSync('mkdir', [join(ws, 'state')])
    expect(spawnSync('mkfifo', [join(ws, 'state', 'manifest.json')]).status).toBe(0)
    const error = await refusal('state', ws, 'staging')
    expect(error.input).toBe('staging-state-path')
    expect(error.message).toContain(`${join(ws, 'state', 'manifest.json')}, which is a named pipe (FIFO)`)
  }, 5_000)

  it('refuses a socket and a device', async () => {
    const ws = tempDir('workspace')
    const server = createServer()
    servers.push(server)
    await new Promise<void>((resolve) => server.listen(join(ws, 'manifest.sock'), resolve))
    expect((await refusal('manifest.sock', ws)).message).toMatch(/which is a socket, not a regular file/)
    expect((await refusal('/dev/zero', ws)).message).toMatch(/`state-path` names \/dev\/zero, which is a device, not a regular file/)
  }, 5_000)
})
