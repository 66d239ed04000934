/** The report: report.json, the markdown comment/summary, and check annotations. */
export { buildReport, type BuildReportArgs } from './build.js'
export { renderMarkdown, renderWithLevel, type Level, type RenderOptions } from './render.js'
export { annotationsFor, MAX_ANNOTATIONS, type Annotation } from './annotations.js'
export type { Report, ReportNode, ReportRef, ReportRun, RunBaseline, RunInfo } from './types.js'
