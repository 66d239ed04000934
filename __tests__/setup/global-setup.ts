/**
 * Jest global setup: starts one throw-away PostgreSQL server for the whole run (installing the
 * server first on a bare Debian machine) and hands its address to the test workers through
 * process.env, which the workers inherit. When the server cannot be had, a loud message is
 * printed and the PostgreSQL tests fail with it; under CI=true the whole run fails instead.
 */
// Only the .mjs is imported: jest loads this file outside its module mapper, where the `.js`
// suffixes of our TypeScript imports would not resolve.
import {
  PG_BIN_VAR,
  PG_ERROR_VAR,
  PG_FLAG_VAR,
  postgresEnv,
  startPostgres,
  stopPostgres,
  type PostgresServer
} from '../../scripts/postgres.mjs'

/** Where the teardown finds the server (it shares the setup's globals); repeated there. */
const SERVER_KEY = '__dbtDeferPostgres'

function banner(message: string): string {
  const rule = '!'.repeat(78)
  return [
    '',
    rule,
    '!! PostgreSQL could NOT be started for the tests.',
    ...message.split('\n').map((line) => `!!   ${line}`),
    '!! Every PostgreSQL test of this run will FAIL with this message.',
    '!! Fix: install the server (apt-get install postgresql), or set DBT_DEFER_TEST_PG_BIN',
    '!! to a directory holding initdb, pg_ctl, postgres and psql.',
    rule,
    ''
  ].join('\n')
}

export default async function globalSetup(): Promise<void> {
  let server: PostgresServer
  try {
    server = await startPostgres({ bin: process.env[PG_BIN_VAR] || undefined, log: (m) => console.log(m) })
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    console.error(banner(message))
    if (process.env.CI === 'true') throw new Error(`CI=true: PostgreSQL is required and could not be started.\n${message}`)
    process.env[PG_FLAG_VAR] = 'unavailable'
    process.env[PG_ERROR_VAR] = message
    return
  }
  ;(globalThis as Record<string, unknown>)[SERVER_KEY] = server
  // A crashed or interrupted run skips the teardown; the exit hook still removes the cluster.
  process.once('exit', () => stopPostgres(server))
  Object.assign(process.env, postgresEnv(server), { [PG_FLAG_VAR]: 'ready', [PG_BIN_VAR]: server.bin })
}
