/**
 * Global setup of the jest `integration` project: starts one throw-away PostgreSQL server for
 * the whole run (installing the server first on a bare Debian machine) and hands its address to
 * the test workers through process.env, which the workers inherit. Jest runs it only when the
 * run selected an integration test file (jest.config.js), so unit runs never start a server. When the server cannot be had, a loud message is
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

function banner(message: string, ci: boolean): string {
  const rule = '!'.repeat(78)
  return [
    '',
    rule,
    '!! PostgreSQL could NOT be started for the tests.',
    ...message.split('\n').map((line) => `!!   ${line}`),
    ci
      ? '!! CI=true: the test run FAILS now (CI never runs without PostgreSQL).'
      : '!! Every PostgreSQL test of this run will FAIL with this message.',
    '!! Fix: install the server (apt-get install postgresql), or set DBT_DEFER_TEST_PG_BIN',
    '!! to a directory holding initdb, pg_ctl, postgres and psql.',
    rule,
    ''
  ].join('\n')
}

/**
 * Starts the server and records the outcome in `env`: the PG* variables and the flag `ready`,
 * or the flag `unavailable` with the reason (after printing the loud banner). Under CI=true a
 * server that cannot be had fails the run instead.
 */
export async function setupPostgres(env: NodeJS.ProcessEnv, print: (message: string) => void): Promise<PostgresServer | undefined> {
  try {
    const server = await startPostgres({ bin: env[PG_BIN_VAR] || undefined, log: print })
    Object.assign(env, postgresEnv(server), { [PG_FLAG_VAR]: 'ready', [PG_BIN_VAR]: server.bin })
    return server
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err)
    print(banner(message, env.CI === 'true'))
    if (env.CI === 'true') throw new Error(`CI=true: PostgreSQL is required and could not be started.\n${message}`, { cause: err })
    Object.assign(env, { [PG_FLAG_VAR]: 'unavailable', [PG_ERROR_VAR]: message })
    return undefined
  }
}

export default async function globalSetup(): Promise<void> {
  const server = await setupPostgres(process.env, (m) => console.error(m))
  if (!server) return
  ;(globalThis as Record<string, unknown>)[SERVER_KEY] = server
  // A crashed or interrupted run skips the teardown; the exit hook still removes the cluster.
  process.once('exit', () => stopPostgres(server))
}
