import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { PG_BIN_VAR, PG_ERROR_VAR, PG_FLAG_VAR } from '../../scripts/postgres.mjs'
import type { Warehouse } from './example-project.js'

/** How to reach the run's server. */
export interface PgConnection {
  host: string
  port: string
  user: string
  /** The default database (`jaffle`). */
  database: string
  /** Directory holding psql. */
  bin: string
}

/**
 * The run's server, or an error that says why there is none. PostgreSQL tests call this first
 * (in beforeAll), so a missing server makes them fail loudly instead of passing unseen.
 */
export function requirePostgres(): PgConnection {
  const env = process.env
  if (env[PG_FLAG_VAR] !== 'ready') {
    const why =
      env[PG_FLAG_VAR] === 'unavailable'
        ? `the jest global setup could not start it:\n${env[PG_ERROR_VAR] ?? '(no reason recorded)'}`
        : `${PG_FLAG_VAR} is not set: run the tests through 'npm test' (jest's global setup starts the server).`
    throw new Error(`PostgreSQL is not available for this test, ${why}`)
  }
  return { host: env.PGHOST!, port: env.PGPORT!, user: env.PGUSER!, database: env.PGDATABASE!, bin: env[PG_BIN_VAR]! }
}

/** The example project's pg_* targets pointed at `database` of the run's server. */
export function postgresWarehouse(database?: string): Warehouse {
  const pg = requirePostgres()
  return {
    targets: { prod: 'pg_prod', staging: 'pg_staging', ci: 'pg_ci' },
    env: { PGHOST: pg.host, PGPORT: pg.port, PGUSER: pg.user, PGPASSWORD: '', PGDATABASE: database ?? pg.database }
  }
}

/** Runs SQL with psql (unaligned, tab-separated) and returns the rows. */
export function psql(sql: string, database?: string): Promise<string[][]> {
  const pg = requirePostgres()
  const args = ['-X', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1']
  args.push('-h', pg.host, '-p', pg.port, '-U', pg.user, '-d', database ?? pg.database, '-c', sql)
  return new Promise((resolve, reject) => {
    execFile(join(pg.bin, 'psql'), args, { encoding: 'utf8' }, (err, stdout, stderr) => {
      if (err) return reject(new Error(`psql -c ${JSON.stringify(sql)} failed: ${stderr || err.message}`))
      resolve(
        stdout
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => line.split('\t'))
      )
    })
  })
}

/** Creates a database of its own for one test file, so parallel workers never collide. */
export async function createDatabase(prefix: string): Promise<string> {
  const name = `${prefix}_${process.pid}_${randomBytes(3).toString('hex')}`.toLowerCase().replace(/[^a-z0-9_]/g, '_')
  await psql(`create database ${name}`)
  return name
}

/** Drops a database created by createDatabase (closing any connection dbt left behind). */
export async function dropDatabase(name: string): Promise<void> {
  await psql(`drop database if exists ${name} with (force)`)
}

/** User schemas of a database, sorted. */
export async function listSchemas(database: string): Promise<string[]> {
  const rows = await psql(
    "select nspname from pg_namespace where nspname not like 'pg\\_%' and nspname <> 'information_schema' order by 1",
    database
  )
  return rows.map((r) => r[0])
}

/** Tables and views of one schema, sorted. */
export async function listRelations(database: string, schema: string): Promise<string[]> {
  const literal = `'${schema.replace(/'/g, "''")}'`
  const rows = await psql(`select table_name from information_schema.tables where table_schema = ${literal} order by 1`, database)
  return rows.map((r) => r[0])
}

/** Row counts of every table and view in the schemas, as `schema.relation`, read with psql. */
export async function rowCounts(database: string, schemas: string[]): Promise<Record<string, number>> {
  const list = schemas.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ')
  const relations = await psql(
    `select table_schema, table_name from information_schema.tables where table_schema in (${list}) order by 1, 2`,
    database
  )
  if (relations.length === 0) return {}
  const union = relations.map(([s, t]) => `select '${s}.${t}', count(*) from "${s}"."${t}"`).join(' union all ')
  const rows = await psql(union, database)
  return Object.fromEntries(rows.map(([name, count]) => [name, Number(count)]))
}
