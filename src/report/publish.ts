import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { BaselineOutcome } from './baseline/index.js'
import type { Manifest, RunResults } from './dbt/artifact-types.js'
import { readManifestFile, type RunArtifacts } from './dbt/artifacts.js'
import type { DbtExit } from './dbt/process.js'
import { CommentPermissionError } from './github/errors.js'
import { upsertStickyComment } from './github/sticky-comment.js'
import type { ActionDirs } from './paths.js'
import type { PullRequestTarget } from './pr-step.js'
import { annotationsFor } from './report/annotations.js'
import { buildReport } from './report/build.js'
import { escapeInline } from './report/markdown.js'
import { renderMarkdown } from './report/render.js'
import type { Report, RunInfo } from './report/types.js'
import { analyzeRun } from './resolution/analyze.js'
import type { Services } from './services.js'
import type { Settings } from './settings.js'

/** GitHub's comment limit is 65,536 characters; the rest of the room is for the marker. */
export const COMMENT_BUDGET = 60_000
/** The job summary holds 1 MiB per step; stay clear of it. */
export const SUMMARY_BUDGET = 1_000_000

/** Everything the report step needs from the build. */
export interface ReportInput {
  settings: Settings
  services: Services
  dirs: ActionDirs
  pr: PullRequestTarget
  outcome: BaselineOutcome
  exit: DbtExit
  artifacts: RunArtifacts
  startedAt: Date
}

function readBaselineManifest(outcome: BaselineOutcome): Manifest | null {
  return outcome.kind === 'found' ? readManifestFile(outcome.baseline.manifestPath) : null
}

function runInfo(a: ReportInput): RunInfo {
  const { dbt, context } = a.settings
  const b = a.outcome.kind === 'found' ? a.outcome.baseline : undefined
  return {
    command: dbt.command,
    select: dbt.selector ? [] : dbt.select,
    exclude: dbt.exclude,
    selector: dbt.selector,
    defer: Boolean(b) && dbt.defer,
    favorState: Boolean(b) && dbt.defer && dbt.favorState,
    deferredEnv: b && dbt.defer ? b.env : null,
    baseline: b ? { source: b.source, runId: b.runId, runUrl: b.runUrl, sha: b.sha, generatedAt: b.generatedAt, location: b.location } : null,
    builtAll: a.outcome.kind === 'none',
    success: a.exit.exitCode === 0,
    elapsed: (a.services.now().getTime() - a.startedAt.getTime()) / 1000,
    repository: context.repository || undefined,
    serverUrl: context.serverUrl,
    headSha: a.pr.headSha ?? context.sha,
    projectDir: a.dirs.projectPath,
    now: a.services.now()
  }
}

/** run_results stand-in when dbt wrote none: the report then lists no nodes and says why. */
function noResults(): RunResults {
  return { metadata: { dbt_schema_version: '' }, results: [] }
}

/** Builds report.json's structure from the artifacts. Pure apart from reading the baseline file. */
export function makeReport(a: ReportInput): Report {
  const runResults = a.artifacts.runResults ?? noResults()
  const baseline = readBaselineManifest(a.outcome)
  const info = runInfo(a)
  const analysis = a.artifacts.manifest
    ? analyzeRun({ manifest: a.artifacts.manifest, baseline, runResults, deferredEnv: info.deferredEnv })
    : []
  return buildReport({ analysis, runResults, manifest: a.artifacts.manifest ?? null, run: info })
}

/** A note above the report when dbt wrote no usable results. */
function problemsNote(a: ReportInput): string {
  if (a.artifacts.runResults && a.artifacts.manifest) return ''
  const why = a.artifacts.problems.map((p) => `- ${escapeInline(p, 500)}`).join('\n')
  return `> [!WARNING]\n> dbt exited with ${a.exit.exitCode} before reporting on its nodes; the job log has its output.\n\n${why}\n\n`
}

function jobSummaryUrl(settings: Settings): string | undefined {
  const { serverUrl, repository, runId } = settings.context
  return repository && runId ? `${serverUrl}/${repository}/actions/runs/${runId}` : undefined
}

/** Posts or updates the sticky comment; a refusal is a warning, never the step's failure. */
async function comment(a: ReportInput, markdown: string): Promise<void> {
  const { pr, services, settings } = a
  if (!settings.report.comment) return
  if (!pr.repo || !pr.number) {
    services.log.info(`No pull request comment: ${pr.reason}. The report is in the job summary.`)
    return
  }
  try {
    const result = await upsertStickyComment(services.github(), {
      ...pr.repo,
      issueNumber: pr.number,
      marker: `dbt-defer-action:${a.dirs.projectKey}`,
      body: markdown
    })
    services.outputs.set('comment-url', result.url)
    services.log.info(`Report comment ${result.action}: ${result.url}`)
  } catch (error) {
    if (!(error instanceof CommentPermissionError)) throw error
    services.log.warning(error.message)
  }
}

/** Step: write report.json, the markdown file, the job summary, the PR comment and annotations. */
export async function publishReport(a: ReportInput): Promise<Report> {
  const report = makeReport(a)
  const note = problemsNote(a)
  const reportPath = join(a.dirs.reportDir, 'report.json')
  writeFileSync(reportPath, `${JSON.stringify(report, null, 2)}\n`)
  const summary = note + renderMarkdown(report, { maxChars: SUMMARY_BUDGET - note.length })
  const summaryPath = join(a.dirs.reportDir, 'summary.md')
  writeFileSync(summaryPath, summary)
  a.services.outputs.set('report-path', reportPath)
  a.services.outputs.set('summary-path', summaryPath)
  await a.services.summary.write(summary)
  const hint = jobSummaryUrl(a.settings)
  await comment(a, note + renderMarkdown(report, { maxChars: COMMENT_BUDGET - note.length, summaryHint: hint }))
  for (const annotation of annotationsFor(report)) a.services.annotate(annotation)
  return report
}
