/** Where each ref of each node resolved, read from the compiled SQL. */
export { analyzeRun } from './analyze.js'
export type { AnalysisInput, Classification, NodeResolution, RefResolution, UnknownReason } from './types.js'
