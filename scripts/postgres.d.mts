// Types of scripts/postgres.mjs for the TypeScript callers (the jest global setup, test helpers).

/** Name of the variable the jest global setup sets to `ready` or `unavailable`. */
export const PG_FLAG_VAR: 'DBT_DEFER_TEST_PG'
/** Name of the variable holding why the server could not be started. */
export const PG_ERROR_VAR: 'DBT_DEFER_TEST_PG_ERROR'
/** Name of the variable holding the server programs' directory. */
export const PG_BIN_VAR: 'DBT_DEFER_TEST_PG_BIN'

/** A running throw-away server. */
export interface PostgresServer {
  /** Directory of the server programs (initdb, pg_ctl, postgres, psql). */
  bin: string
  /** Temp directory holding the cluster, its log and its Unix socket. */
  dir: string
  /** The cluster's data directory. */
  dataDir: string
  /** Always 127.0.0.1. */
  host: string
  port: number
  /** The superuser, `postgres`. */
  user: string
  /** The database created for the tests, `jaffle`. */
  database: string
}

/** The newest server bin directory found, or undefined. */
export function findServerBin(explicit?: string): string | undefined
/** Finds the server binaries, installing Debian's package as root when none are found. */
export function ensureServerBin(options?: { explicit?: string; log?: (message: string) => void }): string
/** Starts a throw-away server on 127.0.0.1 and a free port, with the database `jaffle`. */
export function startPostgres(options?: { bin?: string; log?: (message: string) => void }): Promise<PostgresServer>
/** Stops the server and removes its directory; safe to call twice. */
export function stopPostgres(server: Pick<PostgresServer, 'bin' | 'dir' | 'dataDir'> | undefined): void
/** PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE for the server. */
export function postgresEnv(server: PostgresServer): Record<string, string>
