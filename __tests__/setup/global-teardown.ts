/** Global teardown of the jest `integration` project: stops the run's PostgreSQL server and removes its directory. */
import { stopPostgres, type PostgresServer } from '../../scripts/postgres.mjs'
// The key is repeated here: the teardown, too, is loaded outside jest's module mapper.
const SERVER_KEY = '__dbtDeferPostgres'

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as Record<string, unknown>)[SERVER_KEY] as PostgresServer | undefined
  stopPostgres(server)
  delete (globalThis as Record<string, unknown>)[SERVER_KEY]
}
