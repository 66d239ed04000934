// The resolution scenarios (helpers/resolution-scenarios.ts) on the main dbt, with DuckDB and PostgreSQL.
import { resolutionScenarios } from './helpers/resolution-scenarios.js'
import { testWarehouses } from './helpers/warehouses.js'

resolutionScenarios(testWarehouses('scenarios').map(([name, warehouse]) => [name, warehouse, null]))
