import { afterEach, describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { ensureServerBin, findServerBin, PG_BIN_VAR, PG_FLAG_VAR, startPostgres, stopPostgres } from '../scripts/postgres.mjs'
import { setupPostgres } from './setup/global-setup.js'
import { psql, requirePostgres } from './helpers/postgres.js'

// The throw-away PostgreSQL of the test run (scripts/postgres.mjs and the jest global setup).

const savedEnv = { ...process.env }
afterEach(() => {
  for (const key of Object.keys(process.env)) if (!(key in savedEnv)) delete process.env[key]
  Object.assign(process.env, savedEnv)
})

function selectOne(bin: string, port: number): number {
  const args = ['-X', '-At', '-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-d', 'jaffle', '-c', 'select 1']
  return spawnSync(join(bin, 'psql'), args).status ?? -1
}

async function setting(name: string): Promise<string> {
  return (await psql(`select current_setting('${name}')`))[0][0]
}

describe("the run's server", () => {
  it('listens on 127.0.0.1 only, with its socket and data in a temp directory, and has the jaffle database', async () => {
    const pg = requirePostgres()
    expect(pg.host).toBe('127.0.0.1')
    expect(await setting('listen_addresses')).toBe('127.0.0.1')
    const socketDir = await setting('unix_socket_directories')
    expect(socketDir).toMatch(/\/dbt-defer-pg-[^/]+$/)
    expect(await setting('data_directory')).toBe(join(socketDir, 'data'))
    expect(await psql('select current_database(), current_user')).toEqual([['jaffle', 'postgres']])
  })

  it('runs the server as an unprivileged user when the tests run as root', async () => {
    const owner = statSync(await setting('data_directory')).uid
    const me = process.getuid!()
    if (me === 0) expect(owner).not.toBe(0)
    else expect(owner).toBe(me)
  })
})

describe('startPostgres and stopPostgres', () => {
  it('start a second, independent server and remove every trace of it when stopped', async () => {
    const server = await startPostgres({ log: () => {} })
    try {
      expect(server.port).not.toBe(Number(requirePostgres().port))
      expect(selectOne(server.bin, server.port)).toBe(0)
    } finally {
      stopPostgres(server)
    }
    expect(existsSync(server.dir)).toBe(false)
    expect(selectOne(server.bin, server.port)).not.toBe(0)
    expect(() => stopPostgres(server)).not.toThrow()
  }, 60_000)

  it('refuse a bin directory without the server programs, naming the variable to fix', () => {
    const empty = mkdtempSync(join(tmpdir(), 'dbt-defer-nobin-'))
    expect(findServerBin(empty)).toBeUndefined()
    expect(findServerBin(requirePostgres().bin)).toBe(requirePostgres().bin)
    expect(() => ensureServerBin({ explicit: empty })).toThrow(`DBT_DEFER_TEST_PG_BIN=${empty} does not hold initdb`)
  })
})

describe('without a server', () => {
  function noServer(extra: Record<string, string> = {}): { env: NodeJS.ProcessEnv; printed: string[] } {
    return { env: { [PG_BIN_VAR]: mkdtempSync(join(tmpdir(), 'dbt-defer-nobin-')), ...extra }, printed: [] }
  }

  it('fails the whole run under CI=true, after the loud message', async () => {
    const { env, printed } = noServer({ CI: 'true' })
    await expect(setupPostgres(env, (m) => printed.push(m))).rejects.toThrow(/CI=true: PostgreSQL is required and could not be started/)
    expect(printed.join('\n')).toContain('!! PostgreSQL could NOT be started for the tests.')
    expect(env[PG_FLAG_VAR]).toBeUndefined()
  })

  it('elsewhere, prints the loud message and makes every PostgreSQL test fail with the reason', async () => {
    const { env, printed } = noServer()
    expect(await setupPostgres(env, (m) => printed.push(m))).toBeUndefined()
    expect(printed.join('\n')).toMatch(
      /!! PostgreSQL could NOT be started for the tests\.\n!! +DBT_DEFER_TEST_PG_BIN=.* does not hold initdb/
    )
    expect(env[PG_FLAG_VAR]).toBe('unavailable')
    Object.assign(process.env, env)
    expect(() => requirePostgres()).toThrow(
      /PostgreSQL is not available for this test, the jest global setup could not start it:\n.*does not hold initdb/
    )
    delete process.env[PG_FLAG_VAR]
    expect(() => requirePostgres()).toThrow(/DBT_DEFER_TEST_PG is not set: run the tests through 'npm test'/)
  })
})
