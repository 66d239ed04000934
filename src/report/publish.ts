/**
 * The report step: report.json, the markdown file, the job summary, the sticky PR comment and
 * annotations, from the parsed artifacts. Every text is scrubbed of the run's secrets before it
 * leaves the process.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { Output } from '../constants.js'
import type { DataChanges } from '../compare/types.js'
import type { Manifest, RunResults } from '../dbt/artifact-types.js'
import type { RunArtifacts } from '../dbt/artifacts.js'
import { CommentError } from '../github/errors.js'
import { upsertStickyComment } from '../github/sticky-comment.js'
import type { PullRequestTarget } from '../pr-step.js'
import { analyzeRun } from '../resolution/analyze.js'
import { messageOf } from '../errors.js'
import type { Services } from '../services.js'
import { annotationsFor } from './annotations.js'
import { buildReport } from './build.js'
import { escapeInline, sizeOf } from './markdown.js'
import { renderMarkdown } from './render.js'
import type { ReportSelection } from '../selection/explain.js'
import type { Report, RunInfo } from './types.js'

/** GitHub's comment limit is 65,536 characters; the rest of the room is for the marker. */
export const COMMENT_BUDGET = 60_000
/** The job summary holds 1 MiB per step; stay clear of it. */
export const SUMMARY_BUDGET = 1_000_000

/** What the report step needs of the run. */
export interface ReportInput {
  /** Facts of the invocation the artifacts do not hold. */
  info: RunInfo
  /** The deferred environment's manifest, when one was used. */
  baseline: Manifest | null
  /** The build step's artifacts. */
  artifacts: RunArtifacts
  /** dbt's exit status. */
  exitCode: number
  /** Where report.json and summary.md go. */
  reportDir: string
  /** Identifies this project's comment among others on the PR. */
  commentMarker: string
  /** The pull request, or why there is none. */
  pr: PullRequestTarget
  /** Whether to post the comment at all. */
  comment: boolean
  /** Link to the job summary, for a comment that had to be cut. */
  summaryUrl?: string
  /** Nodes dbt clone copied into the CI schema before the build. */
  cloned?: ReadonlySet<string>
  /** The data comparison's result, when it ran. */
  dataChanges?: DataChanges | null
  /** Why each node was selected, when dbt was asked. */
  selection?: ReportSelection | null
}

/** The part of the services the report step uses. */
export type ReportServices = Pick<Services, 'github' | 'summary' | 'outputs' | 'log' | 'annotate' | 'scrub'>

/** run_results stand-in when dbt wrote none: the report then lists no nodes and says why. */
function noResults(): RunResults {
  return { metadata: { dbt_schema_version: '' }, results: [] }
}

/** Builds report.json's structure from the artifacts. Pure. */
export function makeReport(a: Pick<ReportInput, 'info' | 'baseline' | 'artifacts' | 'cloned' | 'dataChanges' | 'selection'>): Report {
  const runResults = a.artifacts.runResults ?? noResults()
  const analysis = a.artifacts.manifest
    ? analyzeRun({
        manifest: a.artifacts.manifest,
        baseline: a.baseline,
        runResults,
        deferredEnv: a.info.deferredEnv,
        sqlFiles: a.artifacts.sqlFiles
      })
    : []
  return buildReport({
    analysis,
    runResults,
    manifest: a.artifacts.manifest ?? null,
    run: a.info,
    cloned: a.cloned,
    dataChanges: a.dataChanges,
    selection: a.selection
  })
}

/** A note above the report when dbt wrote no usable results. */
function problemsNote(a: ReportInput): string {
  if (a.artifacts.runResults && a.artifacts.manifest) return ''
  const why = a.artifacts.problems.map((p) => `- ${escapeInline(p, 500)}`).join('\n')
  const headline = a.artifacts.problems.some((p) => p.startsWith('dbt wrote no'))
    ? `dbt exited with ${a.exitCode} before reporting on its nodes; the job log has its output.`
    : `dbt's artifacts of this run could not be used (dbt exited with ${a.exitCode}); the job log has dbt's output.`
  return `> [!WARNING]\n> ${headline}\n\n${why}\n\n`
}

/** Posts or updates the sticky comment; a refusal is a warning, never the step's failure. */
async function comment(a: ReportInput, services: ReportServices, markdown: () => string): Promise<void> {
  if (!a.comment) return
  if (!a.pr.repo || !a.pr.number) {
    services.log.info(`No pull request comment: ${a.pr.reason}. The report is in the job summary.`)
    return
  }
  try {
    const result = await upsertStickyComment(services.github(), {
      ...a.pr.repo,
      issueNumber: a.pr.number,
      marker: a.commentMarker,
      body: markdown()
    })
    services.outputs.set(Output.CommentUrl, result.url)
    services.log.info(`Report comment ${result.action}: ${result.url}`)
  } catch (error) {
    if (!(error instanceof CommentError)) throw error
    services.log.warning(error.message)
  }
}

/** Runs one destination of the report; a failure is a warning and the others still run. */
async function bestEffort(services: ReportServices, what: string, publish: () => Promise<void> | void): Promise<void> {
  try {
    await publish()
  } catch (error) {
    services.log.warning(
      `Could not ${what}: ${messageOf(error)}. The other report destinations were still written, and the build's result stands.`
    )
  }
}

/**
 * Step: write report.json, the markdown file, the job summary, annotations and the PR comment.
 * Each destination is best effort: one failing (the job summary file unset, the comment API
 * refusing) never stops the others and never changes the build's result.
 */
export async function publishReport(a: ReportInput, services: ReportServices): Promise<Report> {
  const report = makeReport(a)
  const note = problemsNote(a)
  const reportPath = join(a.reportDir, 'report.json')
  // Compact: at tens of thousands of nodes an indented report.json is several times larger.
  writeFileSync(reportPath, services.scrub(`${JSON.stringify(report)}\n`))
  const summary = services.scrub(note + renderMarkdown(report, { maxChars: SUMMARY_BUDGET - note.length }))
  const summaryPath = join(a.reportDir, 'summary.md')
  writeFileSync(summaryPath, summary)
  services.outputs.set(Output.ReportPath, reportPath)
  services.outputs.set(Output.SummaryPath, summaryPath)
  await bestEffort(services, 'write the job summary', () => services.summary.write(summary))
  await bestEffort(services, 'add the annotations', () => annotationsFor(report).forEach((annotation) => services.annotate(annotation)))
  if (a.comment) {
    // Rendered again only when there is a pull request to post to and the summary exceeds the
    // comment's budget: a report that fits both renders the same at either size.
    const markdown = () =>
      sizeOf(summary) <= COMMENT_BUDGET
        ? summary
        : services.scrub(note + renderMarkdown(report, { maxChars: COMMENT_BUDGET - note.length, summaryHint: a.summaryUrl }))
    await bestEffort(services, 'post the report comment', () => comment(a, services, markdown))
  }
  return report
}
