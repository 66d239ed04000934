import { appendFileSync, mkdtempSync, readFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Output } from '../../src/constants.js'
import { readJsonFile } from '../../src/dbt/json-file.js'
import { execDbtProcess } from '../../src/dbt/process.js'
import { runMode } from '../../src/main.js'
import { COMMENT_BUDGET } from '../../src/report/publish.js'
import { renderMarkdown } from '../../src/report/render.js'
import type { Report } from '../../src/report/types.js'
import { createRedactor } from '../../src/secrets.js'
import type { Services } from '../../src/services.js'
import type { CompareSettings, Settings } from '../../src/settings.js'
import { recordingLogger } from '../fakes/baseline-fixtures.js'
import { MemoryCacheStore } from '../fakes/memory-cache-store.js'
import type { ExampleProject } from './example-project.js'
import { dbtExecutable } from './paths.js'
import { dbtSettings } from './settings.js'

// The build mode in process, with real dbt and a real warehouse: the same steps as the bundled
// action (probe, claim, build, comparison, report), without spawning a runner for each scenario.

/** What a run left. */
export interface InProcessRun {
  /** The error the build mode threw (the step would fail with it), if any. */
  error?: unknown
  report: Report
  /** The job summary as written. */
  summary: string
  /** The sticky comment's body as the report step renders it (comment budget). */
  comment: string
  outputs: Map<string, string | number | boolean>
  log: string[]
}

/** How one scenario runs. */
export interface InProcessOptions {
  project: ExampleProject
  ciSchema: string
  production: string
  staging?: string
  compare?: Partial<CompareSettings>
  /** Extra environment for dbt (a warehouse user, for instance). */
  env?: Record<string, string>
}

function settingsOf(o: InProcessOptions): Settings {
  const env = o.project.env({ DBT_PARTIAL_PARSE: 'true', ...o.env })
  return {
    mode: 'build',
    dbt: dbtSettings({
      executable: dbtExecutable(),
      projectDir: o.project.dir,
      profilesDir: o.project.dir,
      target: o.project.warehouse.targets.ci,
      deps: 'never',
      env
    }),
    baseline: {
      source: 'path',
      deferEnv: 'auto',
      ifNoBaseline: 'fail',
      cacheFetched: false,
      path: { production: o.production, staging: o.staging },
      artifact: { artifactName: 'dbt-manifest', maxRuns: 20 },
      cache: { keyPrefix: 'dbt-defer-baseline', stagingConfigured: false },
      dbtCloud: { baseUrl: 'https://cloud.getdbt.com' },
      url: {}
    },
    ciSchema: { template: o.ciSchema, envVar: 'DBT_CI_SCHEMA', cleanSlate: false },
    report: { comment: false, token: '' },
    compare: { enabled: true, maxModels: 50, keyDiffMaxRows: 10_000_000, exampleKeys: 5, valueSamples: false, ...o.compare },
    selection: { explain: false, excludeLagging: false },
    context: {
      repository: 'octo/shop',
      apiUrl: 'http://127.0.0.1:9',
      serverUrl: 'https://github.com',
      eventName: 'workflow_dispatch',
      runId: '77',
      sha: 'a'.repeat(40),
      tempDir: mkdtempSync(join(tmpdir(), 'dbt-defer-compare-')),
      workspace: o.project.dir
    },
    secrets: []
  }
}

/** Runs the build mode on the project copy and collects what the runner would see. */
export async function runInProcess(o: InProcessOptions): Promise<InProcessRun> {
  const settings = settingsOf(o)
  const outputs = new Map<string, string | number | boolean>()
  const summaries: string[] = []
  const log = recordingLogger()
  const scrub = createRedactor([]).scrub
  const services: Services = {
    dbt: execDbtProcess(settings.dbt.executable, scrub, () => {}),
    program: (executable) => execDbtProcess(executable, scrub, () => {}),
    cache: new MemoryCacheStore(),
    github: () => {
      throw new Error('no GitHub in these tests')
    },
    summary: { write: async (markdown) => void summaries.push(markdown) },
    outputs: { set: (name: Output, value) => void outputs.set(name, value) },
    log,
    now: () => new Date(),
    files: { readJson: (path) => readJsonFile(path) },
    event: {},
    annotate: () => {},
    scrub,
    holdsSecret: () => false
  }
  let error: unknown
  try {
    await runMode(settings, services)
  } catch (e) {
    error = e
  }
  const report = JSON.parse(readFileSync(String(outputs.get('report-path')), 'utf8')) as Report
  // To read what a scenario rendered: DBT_DEFER_COMPARE_DUMP=/tmp/file.md
  if (process.env.DBT_DEFER_COMPARE_DUMP) appendFileSync(process.env.DBT_DEFER_COMPARE_DUMP, `${summaries.join('\n')}\n\n----\n\n`)
  return {
    error,
    report,
    summary: summaries.join('\n'),
    comment: renderMarkdown(report, { maxChars: COMMENT_BUDGET }),
    outputs,
    log: log.lines
  }
}
