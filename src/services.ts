import * as core from '@actions/core'
import { actionsCacheStore, type CacheStore } from './baseline/cache-store.js'
import { execDbtProcess, type DbtProcess } from './dbt/process.js'
import { createGitHubClient, type GitHubClient } from './github/octokit.js'
import { coreLogger, type Logger } from './logger.js'
import type { Annotation } from './report/annotations.js'
import type { Settings } from './settings.js'

/** Writes the job summary (GITHUB_STEP_SUMMARY). */
export interface JobSummary {
  /** Appends markdown to this step's summary. */
  write(markdown: string): Promise<void>
}

/** Sets step outputs. */
export interface Outputs {
  set(name: string, value: string | number | boolean): void
}

/**
 * Every external system the orchestration touches, passed in so tests can hand in fakes that
 * hold state. `realServices` builds the ones the action uses on a runner.
 */
export interface Services {
  /** dbt itself. */
  dbt: DbtProcess
  /** The actions cache. */
  cache: CacheStore
  /** The GitHub REST API (created on first use: a token may be absent for local runs). */
  github: () => GitHubClient
  /** The job summary. */
  summary: JobSummary
  /** Step outputs. */
  outputs: Outputs
  /** The log. */
  log: Logger
  /** The clock. */
  now: () => Date
  /** The environment handed to child processes. */
  env: Record<string, string>
  /** The event payload of the run. */
  event: Record<string, unknown>
  /** Adds an error annotation to a file of the repository. */
  annotate: (annotation: Annotation) => void
}

/** The services of a real run on a runner. */
export function realServices(settings: Settings, env: Record<string, string>, event: Record<string, unknown>): Services {
  let client: GitHubClient | undefined
  return {
    dbt: execDbtProcess(settings.dbt.executable),
    cache: actionsCacheStore(coreLogger),
    github: () => (client ??= createGitHubClient(settings.report.token, settings.context.apiUrl, { log: coreLogger })),
    summary: { write: async (markdown) => void (await core.summary.addRaw(markdown, true).write()) },
    outputs: { set: (name, value) => core.setOutput(name, value) },
    log: coreLogger,
    now: () => new Date(),
    env,
    event,
    annotate: (a) => core.error(a.message, { title: a.title, file: a.file })
  }
}
