import { describeCiSchemaDrop } from './helpers/ci-schema-drop-scenario.js'
import { duckdb, ExampleProject } from './helpers/example-project.js'
import { duckdbCatalog } from './helpers/warehouses.js'

// The per-PR CI schema dropped through real dbt on DuckDB, checked against DuckDB's own catalog.

describeCiSchemaDrop('the CI schema on DuckDB', async () => {
  const project = ExampleProject.create(duckdb)
  return { project, catalog: duckdbCatalog(project) }
})
