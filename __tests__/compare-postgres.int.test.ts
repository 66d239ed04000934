import { describeDataComparison } from './helpers/compare-scenario.js'
import type { ExampleProject } from './helpers/example-project.js'
import { psql } from './helpers/postgres.js'
import { postgresTestWarehouse } from './helpers/warehouses.js'

// The data comparison (helpers/compare-scenario.ts) on PostgreSQL, with real dbt.

const warehouse = postgresTestWarehouse('compare')

function database(project: ExampleProject): string {
  return warehouse.actionEnv(project).PGDATABASE
}

describeDataComparison(warehouse, {
  exec: async (project, sql) => void (await psql(sql, database(project))),
  // A CI user that may read production and create its CI schema, but not read production's
  // daily_revenue: the CI run connects as it. (The role lives in the run's throw-away server.)
  denyRead: async (project) => {
    const db = database(project)
    const role = `${db}_ci`
    for (const sql of [
      `create role "${role}" login`,
      `grant connect, create, temporary on database "${db}" to "${role}"`,
      `grant usage on schema prod, prod_raw to "${role}"`,
      `grant select on all tables in schema prod, prod_raw to "${role}"`,
      `revoke select on prod.daily_revenue from "${role}"`
    ])
      await psql(sql, db)
    return { PGUSER: role }
  },
  denied: /Database Error: permission denied for table daily_revenue/,
  types: { boolean: 'boolean', integer: 'integer', bigint: 'bigint' }
})
