import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { describeCiSchemaDrop, type Catalog } from './helpers/ci-schema-drop-scenario.js'
import { duckdb, ExampleProject } from './helpers/example-project.js'
import { venvBin } from './helpers/paths.js'

// The per-PR CI schema dropped through real dbt on DuckDB, checked against DuckDB's own catalog.

const QUERY = `
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
rows = con.execute(sys.argv[2], [sys.argv[3]] if len(sys.argv) > 3 else []).fetchall()
print(json.dumps(sorted(r[0] for r in rows)))
`

function duckdbQuery(file: string, sql: string, ...params: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile(join(venvBin(), 'python'), ['-c', QUERY, file, sql, ...params], (err, stdout, stderr) => {
      if (err) return reject(new Error(`reading ${file} failed: ${stderr || err.message}`))
      resolve(JSON.parse(stdout) as string[])
    })
  })
}

function duckdbCatalog(project: ExampleProject): Catalog {
  const file = project.path('warehouse.duckdb')
  return {
    schemas: () => duckdbQuery(file, 'select distinct schema_name from information_schema.schemata'),
    relations: (schema) => duckdbQuery(file, 'select table_name from information_schema.tables where table_schema = ?', schema)
  }
}

describeCiSchemaDrop('the CI schema on DuckDB', async () => {
  const project = ExampleProject.create(duckdb)
  return { project, catalog: duckdbCatalog(project) }
})
