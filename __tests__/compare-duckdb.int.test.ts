import { execFile } from 'node:child_process'
import { join } from 'node:path'
import { describeDataComparison } from './helpers/compare-scenario.js'
import type { ExampleProject } from './helpers/example-project.js'
import { venvBin } from './helpers/paths.js'
import { duckdbTestWarehouse } from './helpers/warehouses.js'

// The data comparison (helpers/compare-scenario.ts) on DuckDB, with real dbt.

const EXEC = `
import duckdb, sys
con = duckdb.connect(sys.argv[1])
for statement in sys.argv[2:]:
    con.execute(statement)
`

function exec(project: ExampleProject, ...statements: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(join(venvBin(), 'python'), ['-c', EXEC, project.path('warehouse.duckdb'), ...statements], (err, _out, stderr) =>
      err ? reject(new Error(`duckdb failed: ${stderr || err.message}`)) : resolve()
    )
  })
}

describeDataComparison(duckdbTestWarehouse(), {
  exec: (project, sql) => exec(project, sql),
  // DuckDB has no grants: production's relation becomes a view over a table that is gone, so
  // every read of it fails, as a denied one does.
  denyRead: async (project) => {
    await exec(
      project,
      'create table prod.dbt_defer_gone as select 1 as x',
      'drop table prod.daily_revenue',
      'create view prod.daily_revenue as select * from prod.dbt_defer_gone',
      'drop table prod.dbt_defer_gone'
    )
    return {}
  },
  denied: /Catalog Error: Table with name dbt_defer_gone does not exist/,
  types: { boolean: 'BOOLEAN', integer: 'INTEGER', bigint: 'BIGINT' }
})
