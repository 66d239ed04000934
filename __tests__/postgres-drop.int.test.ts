import { afterAll } from '@jest/globals'
import { describeCiSchemaDrop } from './helpers/ci-schema-drop-scenario.js'
import { ExampleProject } from './helpers/example-project.js'
import { createDatabase, dropDatabase, listRelations, listSchemas, postgresWarehouse } from './helpers/postgres.js'

// The per-PR CI schema dropped through real dbt on PostgreSQL (the server jest's global setup
// started), checked with psql against pg_catalog from another connection: the drop was committed.
// This file works in a database of its own, so parallel test files never collide.

let database: string | undefined

describeCiSchemaDrop('the CI schema on PostgreSQL', async () => {
  database = await createDatabase('ci_schema_drop')
  const name = database
  return {
    project: ExampleProject.create(postgresWarehouse(name)),
    catalog: { schemas: () => listSchemas(name), relations: (schema) => listRelations(name, schema) }
  }
})

afterAll(async () => {
  if (database) await dropDatabase(database)
})
