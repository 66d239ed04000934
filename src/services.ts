import * as core from '@actions/core'
import { actionsCacheStore, type CacheStore } from './baseline/cache-store.js'
import type { Output } from './constants.js'
import { readArtifact, type ReadHow } from './dbt/json-file.js'
import { execDbtProcess, type DbtProcess } from './dbt/process.js'
import { dbtSession } from './dbt/session.js'
import type { EventPayload } from './github/event.js'
import { createGitHubClient, type GitHubClient } from './github/octokit.js'
import { coreLogger, type Logger } from './logger.js'
import type { Annotation } from './report/annotations.js'
import type { Redactor } from './secrets.js'
import type { Settings } from './settings.js'

/** Writes the job summary (GITHUB_STEP_SUMMARY). */
export interface JobSummary {
  /** Appends markdown to this step's summary. */
  write(markdown: string): Promise<void>
}

/** Sets step outputs. */
export interface Outputs {
  set(name: Output, value: string | number | boolean): void
}

/** Reads files the run has on disk (artifacts, baselines); every artifact read goes through here. */
export interface FileReader {
  /**
   * The file's parsed JSON, whatever its size (see dbt/json-file.ts). Rejects with the file
   * system's error (ENOENT for a missing file) or a SyntaxError.
   */
  readJson(path: string, how?: ReadHow): Promise<unknown>
}

/**
 * Every external system the orchestration touches, passed in so tests can hand in fakes that
 * hold state. `realServices` builds the ones the action uses on a runner.
 */
export interface Services {
  /** dbt itself: one session for the steps that can share a parse (see dbt/session.ts); closed when the mode ends. */
  dbt: DbtProcess
  /** Another program started the way dbt is (dbt's own Python, for its programmatic runner). */
  program: (executable: string) => DbtProcess
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
  /** Files on disk. */
  files: FileReader
  /** The event payload of the run. */
  event: EventPayload
  /** Adds an error annotation to a file of the repository. */
  annotate: (annotation: Annotation) => void
  /** Removes the run's secrets from a text about to be published (files, comment bodies). */
  scrub: (text: string) => string
  /** Whether bytes about to leave the run (a cache entry) hold one of its secrets. */
  holdsSecret: (bytes: Buffer) => boolean
}

/** The job log, every line scrubbed. */
export function scrubbedLogger(log: Logger, scrub: (text: string) => string): Logger {
  return { info: (m) => log.info(scrub(m)), warning: (m) => log.warning(scrub(m)), debug: (m) => log.debug(scrub(m)) }
}

/** The services of a real run on a runner; everything they publish passes through the redactor. */
export function realServices(settings: Settings, event: EventPayload, redactor: Redactor): Services {
  const scrub = redactor.scrub
  const log = scrubbedLogger(coreLogger, scrub)
  let client: GitHubClient | undefined
  return {
    dbt: dbtSession(settings.dbt.executable, scrub),
    program: (executable) => execDbtProcess(executable, scrub),
    cache: actionsCacheStore(log),
    github: () => (client ??= createGitHubClient(settings.report.token, settings.context.apiUrl, { log })),
    summary: { write: async (markdown) => void (await core.summary.addRaw(scrub(markdown), true).write()) },
    outputs: { set: (name, value) => core.setOutput(name, typeof value === 'string' ? scrub(value) : value) },
    log,
    now: () => new Date(),
    files: { readJson: readArtifact },
    event,
    annotate: (a) => core.error(scrub(a.message), { title: a.title && scrub(a.title), file: a.file }),
    scrub,
    holdsSecret: (bytes) => redactor.secrets.some((secret) => bytes.includes(secret))
  }
}
