import { execFile } from 'node:child_process'
import { join } from 'node:path'
import type { Catalog } from './ci-schema-drop-scenario.js'
import { duckdb, ExampleProject } from './example-project.js'
import { venvBin } from './paths.js'
import { createDatabase, dropDatabase, listRelations, listSchemas, postgresWarehouse, rowCounts } from './postgres.js'

// Each adapter the integration suites run on: how to make a copy of the example project on it,
// how its relation names read, and its own catalog (read directly, never through dbt).

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

const COUNTS = `
import duckdb, json, sys
con = duckdb.connect(sys.argv[1], read_only=True)
schemas = json.loads(sys.argv[2])
rows = con.execute("select table_schema, table_name from information_schema.tables where table_schema in (select unnest(?))", [schemas]).fetchall()
print(json.dumps({f"{s}.{t}": con.execute(f'select count(*) from "{s}"."{t}"').fetchone()[0] for s, t in rows}))
`

/** Row counts of every relation in the schemas of a DuckDB file, as `schema.relation`. */
function duckdbRowCounts(file: string, schemas: string[]): Promise<Record<string, number>> {
  return new Promise((resolve, reject) => {
    execFile(join(venvBin(), 'python'), ['-c', COUNTS, file, JSON.stringify(schemas)], (err, stdout, stderr) => {
      if (err) return reject(new Error(`counting rows in ${file} failed: ${stderr || err.message}`))
      resolve(JSON.parse(stdout) as Record<string, number>)
    })
  })
}

/** DuckDB's own catalog of a project copy's warehouse file. */
export function duckdbCatalog(project: ExampleProject): Catalog {
  const file = project.path('warehouse.duckdb')
  return {
    schemas: () => duckdbQuery(file, 'select distinct schema_name from information_schema.schemata'),
    relations: (schema) => duckdbQuery(file, 'select table_name from information_schema.tables where table_schema = ?', schema)
  }
}

/** One adapter the integration suites run on. */
export interface TestWarehouse {
  /** Name for test titles. */
  name: 'duckdb' | 'postgres'
  /** Prepares the adapter for a test file (PostgreSQL: a database of its own). */
  setUp(): Promise<void>
  /** Releases what setUp took. */
  tearDown(): Promise<void>
  /** A fresh copy of example/ on this adapter. */
  project(): ExampleProject
  /** The quoted relation name dbt renders for a schema and identifier. */
  relation(schema: string, identifier: string): string
  /** The adapter's own catalog for a project copy. */
  catalog(project: ExampleProject): Catalog
  /** Environment a run of the action needs to reach this warehouse. */
  actionEnv(project: ExampleProject): Record<string, string>
  /** Row counts of every relation in these schemas, as `schema.relation`, from the warehouse's own catalog. */
  rowCounts(project: ExampleProject, schemas: string[]): Promise<Record<string, number>>
}

/** The embedded DuckDB warehouse: one file per project copy; `bin` picks another dbt than the main virtualenv's. */
export function duckdbTestWarehouse(bin?: string): TestWarehouse {
  return {
    name: 'duckdb',
    setUp: async () => {},
    tearDown: async () => {},
    project: () => ExampleProject.create(bin ? { ...duckdb, bin } : duckdb),
    relation: (schema, identifier) => `"warehouse"."${schema}"."${identifier}"`,
    catalog: duckdbCatalog,
    actionEnv: (project) => ({ DBT_DUCKDB_PATH: project.path('warehouse.duckdb') }),
    rowCounts: (project, schemas) => duckdbRowCounts(project.path('warehouse.duckdb'), schemas)
  }
}

/** The real PostgreSQL server of the run, in a database of this test file's own; `bin` as for DuckDB. */
export function postgresTestWarehouse(prefix: string, bin?: string): TestWarehouse {
  let database = ''
  return {
    name: 'postgres',
    setUp: async () => void (database = await createDatabase(prefix)),
    tearDown: async () => (database ? dropDatabase(database) : undefined),
    project: () => ExampleProject.create(bin ? { ...postgresWarehouse(database), bin } : postgresWarehouse(database)),
    relation: (schema, identifier) => `"${database}"."${schema}"."${identifier}"`,
    catalog: () => ({ schemas: () => listSchemas(database), relations: (schema) => listRelations(database, schema) }),
    actionEnv: () => postgresWarehouse(database).env,
    rowCounts: (_project, schemas) => rowCounts(database, schemas)
  }
}

/** Both adapters, for `describe.each`. */
export function testWarehouses(prefix: string): Array<[string, TestWarehouse]> {
  return [
    ['DuckDB', duckdbTestWarehouse()],
    ['PostgreSQL', postgresTestWarehouse(prefix)]
  ]
}
