import { describeSafetyTable, safetyCases } from './helpers/safety-table.js'
import { duckdbTestWarehouse } from './helpers/warehouses.js'

// The safety table (see helpers/safety-table.ts) on DuckDB: every case, through dist/index.js.
describeSafetyTable(duckdbTestWarehouse(), safetyCases({ prod: 'prod' }))
