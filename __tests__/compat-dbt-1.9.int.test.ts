// dbt-core 1.9 on DuckDB: the action's core flow (helpers/compat-flow.ts) and every resolution
// scenario (helpers/resolution-scenarios.ts).
import { compatLine, compatWarehouses } from './helpers/compat.js'
import { coreFlow } from './helpers/compat-flow.js'
import { resolutionScenarios } from './helpers/resolution-scenarios.js'

const rows = compatWarehouses('compat_1_9', [compatLine('1.9')], [])
coreFlow(rows)
resolutionScenarios(rows.map(([name, warehouse, dbt]) => [name, warehouse, { line: dbt.line }]))
