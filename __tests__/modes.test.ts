import { describe, expect, it } from '@jest/globals'
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname, join } from 'node:path'
import type { Output } from '../src/constants.js'
import { createGitHubClient } from '../src/github/octokit.js'
import { UnsafeSchemaError } from '../src/safety/check.js'
import { runMode } from '../src/main.js'
import { createRedactor } from '../src/secrets.js'
import { readBaselineJson, readJsonFile } from '../src/dbt/json-file.js'
import type { Services } from '../src/services.js'
import type { Settings } from '../src/settings.js'
import { recordingLogger } from './fakes/baseline-fixtures.js'
import {
  fakeDbtProcess,
  inlineRunResults,
  probeManifestOf,
  recordedArtifacts,
  recordedDir,
  type FakeDbtCall,
  type FakeDbtProcess
} from './fakes/dbt-process.js'
import { FakeGitHub } from './fakes/github-server.js'
import { MemoryCacheStore } from './fakes/memory-cache-store.js'
import { exampleDir } from './helpers/paths.js'
import { dbtSettings } from './helpers/settings.js'

// The modes, in process: real Settings, a fake Services (a fake dbt writing recorded artifacts,
// an in-memory cache, a counting file reader, a fixed clock), no bundle spawned. Each test is
// about the order of the steps and what they leave, in milliseconds.

const CI = 'dbt_ci_pr_1'
const OWNER_MARKER = { repository: 'octo/shop', project: 'jaffle_shop', pr: '', run_id: '99', created_at: '2026-12-01T00:00:00Z' }

interface Harness {
  settings: Settings
  services: Services
  dbt: FakeDbtProcess
  reads: string[]
  outputs: Map<string, string | number | boolean>
  summaries: string[]
  log: ReturnType<typeof recordingLogger>
}

/** The step a dbt call belongs to: its target directory is `<root>/dbt/<step>` (deps takes none). */
function step(call: FakeDbtCall): string {
  return call.args.includes('--target-path') ? basename(call.targetDir) : call.command
}

/** The probe's answer: the CI schema exists (marked for this run) or not. */
function probeReply(exists: boolean, schema = CI): { files: Record<string, object> } {
  const result = {
    target: { name: 'ci', schema, database: 'warehouse', type: 'duckdb' },
    rendered: { ci: schema },
    schemas: [
      { schema, exists, marker: exists ? OWNER_MARKER : null },
      { schema: `${schema}_dbt_test__audit`, exists, marker: exists ? OWNER_MARKER : null },
      { schema: `${schema}_raw`, exists, marker: exists ? OWNER_MARKER : null }
    ],
    // The first node of each schema of the recorded CI build's project, as the probe's Jinja lists them.
    manifest: probeManifestOf(recordedArtifacts().manifest)
  }
  return { files: { 'run_results.json': inlineRunResults(`/*DBT_DEFER_PROBE${JSON.stringify(result)}DBT_DEFER_PROBE*/select 1`) } }
}

function harness(overrides: { settings?: (s: Settings) => void; services?: Partial<Services>; schemaExists?: boolean } = {}): Harness {
  const workspace = mkdtempSync(join(tmpdir(), 'dbt-defer-modes-'))
  cpSync(exampleDir, workspace, { recursive: true, filter: (src) => !/\/(target|logs|dbt_packages)$/.test(src) })
  let exists = overrides.schemaExists ?? false
  const dbt = fakeDbtProcess({
    now: () => new Date('2026-12-01T10:00:00Z'),
    script: (call) => {
      if (step(call) === 'probe') return probeReply(exists)
      if (step(call) === 'claim') exists = true
      if (step(call).startsWith('drop')) exists = false
      return undefined
    }
  })
  const reads: string[] = []
  const outputs = new Map<string, string | number | boolean>()
  const summaries: string[] = []
  const log = recordingLogger()
  const settings: Settings = {
    mode: 'build',
    dbt: dbtSettings({ projectDir: workspace, profilesDir: workspace, target: 'ci', deps: 'never' }),
    baseline: {
      source: 'path',
      deferEnv: 'auto',
      ifNoBaseline: 'fail',
      cacheFetched: false,
      path: { production: join(recordedDir, 'baseline', 'manifest.json') },
      artifact: { artifactName: 'dbt-manifest', maxRuns: 20 },
      cache: { keyPrefix: 'dbt-defer-baseline', stagingConfigured: false },
      dbtCloud: { baseUrl: 'https://cloud.getdbt.com' },
      url: {}
    },
    ciSchema: { template: CI, envVar: 'DBT_CI_SCHEMA', cleanSlate: false },
    report: { comment: false, token: '' },
    compare: { enabled: false, maxModels: 50, keyDiffMaxRows: 10_000_000, exampleKeys: 5, valueSamples: false },
    selection: { explain: false, excludeLagging: false },
    context: {
      repository: 'octo/shop',
      apiUrl: 'http://127.0.0.1:9',
      serverUrl: 'https://github.com',
      eventName: 'pull_request',
      runId: '99',
      sha: 'c'.repeat(40),
      tempDir: mkdtempSync(join(tmpdir(), 'dbt-defer-runner-')),
      workspace
    },
    secrets: []
  }
  overrides.settings?.(settings)
  const services: Services = {
    dbt,
    program: () => dbt,
    cache: new MemoryCacheStore(),
    github: () => {
      throw new Error('no GitHub in these tests')
    },
    summary: { write: async (markdown) => void summaries.push(markdown) },
    outputs: { set: (name: Output, value) => void outputs.set(name, value) },
    log,
    now: () => new Date('2026-12-01T10:00:00Z'),
    files: { readJson: async (path) => (reads.push(path), JSON.parse(await readFile(path, 'utf8')) as unknown) },
    event: {},
    annotate: () => {},
    scrub: createRedactor([]).scrub,
    holdsSecret: () => false,
    ...overrides.services
  }
  return { settings, services, dbt, reads, outputs, summaries, log }
}

const steps = (h: Harness): string[] => h.dbt.calls.map(step)

describe('build mode, in process', () => {
  it('probes, creates the CI schemas with their marker, then builds; and reports', async () => {
    const h = harness()
    await runMode(h.settings, h.services)
    expect(steps(h)).toEqual(['probe', 'claim', 'build'])
    expect(h.dbt.calls[2].args.slice(0, 3)).toEqual(['build', '--target-path', h.dbt.calls[2].targetDir])
    expect(h.dbt.calls[2].args).toEqual(expect.arrayContaining(['--select', 'state:modified', '--defer', '--state']))
    expect(h.outputs.get('success')).toBe(true)
    expect(h.outputs.get('deferred-env')).toBe('production')
    expect(h.summaries[0]).toContain('dbt build passed')
    expect(JSON.parse(readFileSync(String(h.outputs.get('report-path')), 'utf8')).nodes.length).toBeGreaterThan(0)
    expect(h.log.lines).toContain(
      `info: Created '${CI}', '${CI}_dbt_test__audit', '${CI}_raw' with the action's ownership marker (repository, project and pull request or run).`
    )
  })

  it('reads the baseline manifest from disk once in the whole run', async () => {
    const h = harness()
    await runMode(h.settings, h.services)
    const baselineReads = h.reads.filter((p) => p.includes('/state/') || p.includes('/evidence/') || p.startsWith(recordedDir))
    expect(baselineReads).toHaveLength(1)
    expect(baselineReads[0]).toMatch(/\/state\/\.incoming\/manifest\.json$/)
  })

  it('reports the same with the baseline held as an index, as a big one is, as with its plain values', async () => {
    const run = async (index: boolean) => {
      const h = harness({
        services: {
          files: { readJson: (path, how) => (how?.index && index ? readBaselineJson(path, 0) : readJsonFile(path)) }
        }
      })
      await runMode(h.settings, h.services)
      const report = readFileSync(String(h.outputs.get('report-path')), 'utf8')
      const scrub = (text: string) => text.split(h.settings.context.tempDir).join('<temp>')
      return {
        steps: steps(h),
        summary: scrub(h.summaries.join('\n')),
        report: scrub(report),
        outputs: scrub(JSON.stringify([...h.outputs]))
      }
    }
    const plain = await run(false)
    const indexed = await run(true)
    expect(plain.steps).toEqual(['probe', 'claim', 'build'])
    expect(JSON.parse(plain.report).nodes.length).toBeGreaterThan(0)
    expect(plain.summary).toContain('production')
    expect(indexed).toEqual(plain)
  })

  it('does not create the schema again when it exists; with clean-slate drops it before and after', async () => {
    const again = harness({ schemaExists: true })
    await runMode(again.settings, again.services)
    expect(steps(again)).toEqual(['probe', 'build'])
    const slate = harness({ schemaExists: true, settings: (s) => (s.ciSchema.cleanSlate = true) })
    await runMode(slate.settings, slate.services)
    expect(steps(slate)).toEqual(['probe', 'drop-before', 'claim', 'build', 'probe', 'drop-after'])
  })

  it('drops after the build even when publishing the report throws, and the build result decides', async () => {
    const h = harness({
      schemaExists: true,
      settings: (s) => (s.ciSchema.cleanSlate = true),
      services: {
        summary: {
          write: async () => {
            throw new Error('GITHUB_STEP_SUMMARY is not writable')
          }
        }
      }
    })
    await runMode(h.settings, h.services)
    expect(steps(h).slice(-2)).toEqual(['probe', 'drop-after'])
    expect(h.log.lines.some((l) => l.startsWith('warning: Could not write the job summary: GITHUB_STEP_SUMMARY is not writable'))).toBe(
      true
    )
    expect(h.outputs.get('success')).toBe(true)
  })

  it('drops after the build when dbt itself throws, then fails with dbt failing', async () => {
    const h = harness({ schemaExists: true, settings: (s) => (s.ciSchema.cleanSlate = true) })
    h.dbt.enqueue(probeReply(true), {}, {}, { exitCode: 1, output: 'Database Error in model customers' })
    await expect(runMode(h.settings, h.services)).rejects.toThrow(/dbt build finished with failures \(exit 1\)/)
    expect(steps(h)).toEqual(['probe', 'drop-before', 'claim', 'build', 'probe', 'drop-after'])
  })

  it('touches nothing when the safety check refuses: no claim, no build, no drop', async () => {
    const h = harness({ settings: (s) => (s.ciSchema.template = 'prod') })
    h.dbt.enqueue(probeReply(true, 'prod'))
    await expect(runMode(h.settings, h.services)).rejects.toThrow(UnsafeSchemaError)
    expect(steps(h)).toEqual(['probe'])
    expect(h.outputs.has('success')).toBe(false)
  })
})

describe('cleanup mode, in process', () => {
  it('probes and drops the marked CI schema, nothing else', async () => {
    const h = harness({ schemaExists: true, settings: (s) => (s.mode = 'cleanup') })
    await runMode(h.settings, h.services)
    expect(steps(h)).toEqual(['probe', 'drop'])
    const sql = h.dbt.calls[1].args[h.dbt.calls[1].args.indexOf('--inline') + 1]
    expect(sql).toContain(`schema='${CI}'`)
    expect(sql).toContain(`schema='${CI}_raw'`)
    expect(h.outputs.get('success')).toBe(true)
  })

  it('runs dbt deps before the probe when the project declares packages that are not installed', async () => {
    const h = harness({ schemaExists: true, settings: (s) => ((s.mode = 'cleanup'), (s.dbt.deps = 'always')) })
    await runMode(h.settings, h.services)
    expect(steps(h)).toEqual(['deps', 'probe', 'drop'])
  })

  it('drops nothing when the production baseline is not at hand (fail closed)', async () => {
    const h = harness({
      schemaExists: true,
      settings: (s) => ((s.mode = 'cleanup'), (s.baseline.path.production = '/nonexistent/manifest.json'))
    })
    await expect(runMode(h.settings, h.services)).rejects.toThrow(/the production baseline, which the inputs point to, is not at hand/)
    expect(steps(h)).toEqual(['probe'])
  })
})

describe('publish mode, in process', () => {
  it("saves the deploy's manifest to the cache and runs no dbt", async () => {
    const h = harness({ settings: (s) => (s.mode = 'publish') })
    cpSync(join(recordedDir, 'baseline', 'manifest.json'), join(h.settings.dbt.projectDir, 'target', 'manifest.json'))
    await runMode(h.settings, h.services)
    expect(h.dbt.calls).toEqual([])
    expect(String(h.outputs.get('cache-key'))).toMatch(/^dbt-defer-baseline-jaffle_shop-[0-9a-f]{8}-production-c{40}$/)
    expect(existsSync(join(h.settings.context.tempDir, 'dbt-defer-action'))).toBe(true)
  })
})

describe('faults the modes survive, in process', () => {
  it('a comment API answering 422 after dbt passed is a warning: the summary and annotations are written, the step passes', async () => {
    const github = new FakeGitHub()
    await github.start()
    try {
      github.addRepo({ owner: 'octo', repo: 'shop', defaultBranch: 'main' })
      github.addToken('ghs_t', { login: 'github-actions[bot]', kind: 'installation' })
      github.addPullRequest({ number: 7, headRef: 'feature/x', headSha: 'a'.repeat(40) })
      github.failNextMatching('POST', /\/issues\/7\/comments$/, 1, 422, 'Validation Failed')
      const h = harness({
        settings: (s) => ((s.report.comment = true), (s.report.token = 'ghs_t'), (s.context.apiUrl = github.apiUrl)),
        services: {
          event: { pull_request: { number: 7, head: { sha: 'a'.repeat(40), ref: 'feature/x', repo: { full_name: 'octo/shop' } } } }
        }
      })
      h.services.github = () => createGitHubClient('ghs_t', github.apiUrl, { retryBaseDelayMs: 1 })
      await runMode(h.settings, h.services)
      expect(h.outputs.get('success')).toBe(true)
      expect(h.summaries).toHaveLength(1)
      expect(h.log.lines.some((l) => l.startsWith('warning:') && l.includes('422') && l.includes('Validation Failed'))).toBe(true)
      expect(github.comments(7)).toEqual([])
    } finally {
      await github.stop()
    }
  })

  it('never takes a stale run_results.json for this run: a dbt crash that wrote nothing is said to have written nothing', async () => {
    const h = harness({ schemaExists: true })
    mkdirSync(join(h.settings.dbt.projectDir, 'target'), { recursive: true })
    const stale = {
      ...JSON.parse(readFileSync(join(recordedDir, 'ci', 'run_results.json'), 'utf8')),
      metadata: { dbt_schema_version: 'x', generated_at: '2099-01-01T00:00:00Z' }
    }
    writeFileSync(join(h.settings.dbt.projectDir, 'target', 'run_results.json'), JSON.stringify(stale))
    h.dbt.enqueue(probeReply(true), {
      exitCode: 2,
      output: 'Runtime Error: something broke',
      files: { 'run_results.json': null, 'manifest.json': null }
    })
    await expect(runMode(h.settings, h.services)).rejects.toThrow(/dbt build could not run \(exit 2\)/)
    expect(h.outputs.get('selected-count')).toBe(0)
    expect(h.log.lines).toContain('warning: dbt wrote no run_results.json for this run')
    expect(h.summaries[0]).toContain('dbt exited with 2 before reporting on its nodes')
  })

  it("with clone-incremental, a build that fails before running reports no nodes, never the clone's", async () => {
    const h = harness({ schemaExists: true, settings: (s) => (s.dbt.cloneIncremental = true) })
    h.dbt.enqueue(
      probeReply(true),
      {},
      { exitCode: 2, output: 'Error: bad selector', files: { 'run_results.json': null, 'manifest.json': null } }
    )
    await expect(runMode(h.settings, h.services)).rejects.toThrow(/exit 2/)
    expect(steps(h)).toEqual(['probe', 'clone', 'build'])
    expect(h.outputs.get('selected-count')).toBe(0)
    expect(h.outputs.get('run-results-path')).toBe('')
  })

  it('defer: false sets no deferred-env output', async () => {
    const h = harness({ schemaExists: true, settings: (s) => (s.dbt.defer = false) })
    await runMode(h.settings, h.services)
    expect(h.outputs.get('deferred-env')).toBe('')
    expect(h.dbt.calls.at(-1)?.args).toContain('--no-defer')
  })

  it("reads dbt's artifacts from its own target directory whatever target-path dbt_project.yml names", async () => {
    const h = harness({ schemaExists: true })
    const file = join(h.settings.dbt.projectDir, 'dbt_project.yml')
    writeFileSync(file, `${readFileSync(file, 'utf8')}\ntarget-path: out\n`)
    await runMode(h.settings, h.services)
    expect(h.outputs.get('selected-count')).toBe(3)
    expect(String(h.outputs.get('run-results-path'))).toContain('/dbt-defer-action/')
  })

  it("refuses a state-path inside the project's own target directory, naming the input", async () => {
    const h = harness()
    const own = join(h.settings.dbt.projectDir, 'target', 'manifest.json')
    mkdirSync(dirname(own), { recursive: true })
    cpSync(join(recordedDir, 'ci', 'manifest.json'), own)
    h.settings.baseline.path.production = own
    await expect(runMode(h.settings, h.services)).rejects.toThrow(
      /The input `state-path` points at .*inside the project's own target directory/
    )
    expect(h.dbt.calls).toEqual([])
  })

  it("takes the CI schema's {pr} from the pull_request payload without a token or repository", async () => {
    const h = harness({
      settings: (s) => ((s.ciSchema.template = 'dbt_ci_pr_{pr}'), (s.context.repository = '')),
      services: {
        event: { pull_request: { number: 31, head: { sha: 'a'.repeat(40), ref: 'feature/x', repo: { full_name: 'octo/shop' } } } }
      }
    })
    h.dbt.enqueue(probeReply(false, 'dbt_ci_pr_31'))
    await runMode(h.settings, h.services)
    expect(h.outputs.get('ci-schema')).toBe('dbt_ci_pr_31')
  })
})
