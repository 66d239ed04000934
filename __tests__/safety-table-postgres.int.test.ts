import { describeSafetyTable, safetyCases } from './helpers/safety-table.js'
import { postgresTestWarehouse } from './helpers/warehouses.js'

// The safety table (see helpers/safety-table.ts) on PostgreSQL: every case, through dist/index.js.
describeSafetyTable(postgresTestWarehouse('safety_table'), safetyCases({ prod: 'pg_prod' }))
