/**
 * Property test of every reader of untrusted files, the analysis and the renderer: thousands of
 * mutated manifests, run results and event payloads (types swapped, fields dropped, huge
 * strings, deep nesting, prototype keys, odd unicode, duplicates) go in, and each function
 * returns a result or throws an ActionError, never anything else, within a bounded time.
 * Seeds are the recorded artifacts of real dbt and the event payloads of the end-to-end tests.
 */
import { afterAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import Ajv2020Module from 'ajv/dist/2020.js'
import { checkManifest } from '../src/baseline/manifest-check.js'
import { checkRunManifest, checkRunResults } from '../src/dbt/artifact-check.js'
import type { Manifest, RunResults } from '../src/dbt/artifact-types.js'
import { readRunArtifacts, type RunArtifacts } from '../src/dbt/artifacts.js'
import { ActionError } from '../src/errors.js'
import { payloadIssuePullNumber, payloadPullRequest, type EventPayload } from '../src/github/event.js'
import { pullRequestOfPayload } from '../src/github/pull-request.js'
import { annotationsFor } from '../src/report/annotations.js'
import { buildReport } from '../src/report/build.js'
import { sizeOf } from '../src/report/markdown.js'
import { makeReport } from '../src/report/publish.js'
import { renderMarkdown } from '../src/report/render.js'
import type { Report, RunInfo } from '../src/report/types.js'
import { analyzeRun } from '../src/resolution/analyze.js'
import type { DeferredEnv } from '../src/settings.js'
import { DEEP_MARKER, deepFreeze, mutateAll, mutationsArb, nestedArrays, toText, type Mutation } from './helpers/mutation.js'
import { repoRoot } from './helpers/paths.js'

/** Fixed, so that every run tries the same cases; a failure prints it with the path to replay. */
const SEED = 20_260_601
/** Generous: a case takes milliseconds; one that takes this long is a hang in the making. */
const CASE_LIMIT_MS = 2000
const DEEP_LEVELS = 10_000
const TEST_TIMEOUT_MS = 120_000

const recorded = join(repoRoot, '__tests__', 'fixtures', 'recorded')
const text = (file: string): string => readFileSync(join(recorded, file), 'utf8')
const seedText = { baseline: text('baseline/manifest.json'), manifest: text('ci/manifest.json'), runResults: text('ci/run_results.json') }
const seeds = {
  baseline: deepFreeze(JSON.parse(seedText.baseline) as Manifest),
  manifest: deepFreeze(JSON.parse(seedText.manifest) as Manifest),
  runResults: deepFreeze(JSON.parse(seedText.runResults) as RunResults)
}
const PROJECT = { projectName: 'jaffle_shop' }

const Ajv2020 = Ajv2020Module.default
const validateReport = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(
  JSON.parse(readFileSync(join(repoRoot, 'docs', 'report-schema.json'), 'utf8')) as object
)

/** The nodes the run results name, and their parents: where the analysis reads. */
function relevantIds(): string[] {
  const ids = new Set(seeds.runResults.results.map((r) => r.unique_id))
  for (const id of [...ids]) for (const parent of seeds.manifest.nodes[id]?.depends_on?.nodes ?? []) ids.add(parent)
  return [...ids]
}

/** Where mutations of a manifest start: mostly the nodes and sources the analysis reads. */
function manifestFocus(manifest: Manifest): string[][] {
  const ids = relevantIds()
  return [
    [],
    ['metadata'],
    ['nodes'],
    ['sources'],
    ['unit_tests'],
    ...ids.flatMap((id) => [
      ['nodes', id],
      ['nodes', id, 'depends_on', 'nodes'],
      ['nodes', id, 'config']
    ]),
    ...Object.keys(manifest.sources).map((id) => ['sources', id])
  ]
}

const FOCUS = {
  baseline: manifestFocus(seeds.baseline),
  manifest: manifestFocus(seeds.manifest),
  runResults: [[], ['metadata'], ['args'], ['results'], ...seeds.runResults.results.map((_, n) => ['results', String(n)])]
}

/** Strings with a meaning to the analysis: ids, statuses, types, relation names, SQL. */
const VOCABULARY = [
  ...relevantIds(),
  ...Object.keys(seeds.manifest.sources),
  'success',
  'error',
  'fail',
  'warn',
  'skipped',
  'pass',
  'partial success',
  'runtime error',
  'model',
  'seed',
  'snapshot',
  'test',
  'unit_test',
  'source',
  'ephemeral',
  'view',
  'compile',
  'build',
  '"warehouse"."prod"."orders"',
  '"warehouse"."dbt_ci_pr_1"."orders"',
  'warehouse.prod.stg_customers',
  '"unterminated',
  '',
  'select * from __dbt__cte__orders join "warehouse"."prod"."stg_customers" on 1 = 1 -- "warehouse"."prod"."orders"',
  'https://schemas.getdbt.com/dbt/manifest/v11.json',
  'https://schemas.getdbt.com/dbt/run-results/v6.json',
  'another_project'
]

/** What happened in the cases of one kind. */
interface Tally {
  cases: number
  returned: number
  refused: number
  rendered: number
}
const tallies = new Map<string, Tally>()

function tally(kind: string): Tally {
  const t = tallies.get(kind) ?? { cases: 0, returned: 0, refused: 0, rendered: 0 }
  tallies.set(kind, t)
  return t
}

/** Calls `fn`: its result, or the ActionError it threw; anything else thrown fails the case, saying where. */
function attempt<T>(what: string, where: readonly string[], fn: () => T): { ok: true; value: T } | { ok: false; error: ActionError } {
  try {
    return { ok: true, value: fn() }
  } catch (error) {
    if (error instanceof ActionError) return { ok: false, error }
    throw new Error(`${what} threw ${describeThrown(error)} after the mutations [${where.join('; ')}] (seed ${SEED})`, { cause: error })
  }
}

async function attemptAsync<T>(
  what: string,
  where: readonly string[],
  fn: () => Promise<T>
): Promise<{ ok: true; value: T } | { ok: false }> {
  try {
    return { ok: true, value: await fn() }
  } catch (error) {
    if (error instanceof ActionError) return { ok: false }
    throw new Error(`${what} threw ${describeThrown(error)} after the mutations [${where.join('; ')}] (seed ${SEED})`, { cause: error })
  }
}

function describeThrown(error: unknown): string {
  if (!(error instanceof Error)) return `a non-Error value (${typeof error})`
  return `${error.name}: ${error.message.slice(0, 300)}`
}

/** Runs one case and fails it when it takes longer than the limit. */
async function timed(where: readonly string[], body: () => Promise<void> | void): Promise<void> {
  const started = performance.now()
  await body()
  const took = performance.now() - started
  if (took > CASE_LIMIT_MS) throw new Error(`A case took ${Math.round(took)} ms after the mutations [${where.join('; ')}] (seed ${SEED})`)
}

const NOW = new Date('2026-12-02T00:00:00Z')
const BUDGETS = [0, 40, 400, 4_000, 60_000, 1_000_000]

function runInfo(pick: number): RunInfo {
  const envs: Array<DeferredEnv | null> = ['production', 'staging', null]
  const deferredEnv = envs[pick % envs.length]
  return {
    command: 'build',
    select: ['state:modified+'],
    exclude: [],
    defer: pick % 4 !== 3,
    favorState: pick % 5 === 0,
    deferredEnv,
    baseline: deferredEnv
      ? { source: 'path', location: 'prod-state/manifest.json', generatedAt: seeds.baseline.metadata.generated_at }
      : null,
    builtAll: deferredEnv === null && pick % 2 === 0,
    success: pick % 3 !== 0,
    repository: 'acme/analytics',
    serverUrl: 'https://github.com',
    headSha: 'a'.repeat(40),
    projectDir: pick % 2 === 0 ? 'project' : '',
    now: NOW
  }
}

/** The renderer and the annotations of a report, each checked; the report itself matches the schema. */
function renderAll(report: Report, pick: number, where: readonly string[], t: Tally): void {
  const errors = validateReport(report) ? [] : (validateReport.errors ?? []).map((e) => `${e.instancePath} ${e.message}`)
  expect({ where, errors }).toEqual({ where, errors: [] })
  const maxChars = BUDGETS[pick % BUDGETS.length]
  const summaryHint = pick % 2 === 0 ? 'https://github.com/acme/analytics/actions/runs/1' : undefined
  const md = attempt('renderMarkdown', where, () => renderMarkdown(report, { maxChars, summaryHint }))
  if (md.ok) expect({ where, maxChars, over: sizeOf(md.value) > maxChars }).toEqual({ where, maxChars, over: false })
  const notes = attempt('annotationsFor', where, () => annotationsFor(report))
  if (notes.ok) expect(notes.value.every((a) => typeof a.message === 'string' && typeof a.title === 'string')).toBe(true)
  if (md.ok && notes.ok) t.rendered++
}

/** Reads the run's artifacts from texts as readRunArtifacts would from the target directory. */
function artifactsOf(texts: { manifest?: string; runResults?: string }): Promise<RunArtifacts> {
  return readRunArtifacts('/target', async (path) => {
    const found = path.endsWith('manifest.json') ? texts.manifest : texts.runResults
    if (found === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' })
    return found
  })
}

/** The text of a mutated document, sometimes cut short, with a byte order mark, or empty. */
function textOf(value: unknown, cut: number): string {
  const full = toText(value, DEEP_LEVELS)
  if (cut % 7 === 1) return full.slice(0, cut % full.length)
  if (cut % 7 === 2) return `\ufeff${full}`
  if (cut % 7 === 3) return cut % 2 === 0 ? '' : 'null'
  return full
}

const textInserts = { deep: DEEP_MARKER }
const parsedInserts = { deep: nestedArrays(DEEP_LEVELS) }
const checkedManifest = checkRunManifest(seeds.manifest)
const checkedRunResults = checkRunResults(seeds.runResults)

function run<T>(kind: string, numRuns: number, arb: fc.Arbitrary<T>, body: (input: T, t: Tally) => Promise<void> | void): void {
  it(
    `${kind}: ${numRuns} cases`,
    async () => {
      const t = tally(kind)
      await fc.assert(
        fc.asyncProperty(arb, async (input) => {
          t.cases++
          await body(input, t)
        }),
        { seed: SEED, numRuns, endOnFailure: true }
      )
      // Not vacuous: some cases got through to the end, and some were refused.
      expect(t.cases).toBeGreaterThanOrEqual(numRuns)
      if (t.rendered === 0 && t.returned === 0) throw new Error(`no ${kind} case returned`)
    },
    TEST_TIMEOUT_MS
  )
}

const REPO = 'octo/shop'
const prEvent = (number: number, head: string, action = 'synchronize') => ({
  action,
  number,
  pull_request: {
    number,
    state: action === 'closed' ? 'closed' : 'open',
    html_url: `https://github.com/${REPO}/pull/${number}`,
    head: { ref: 'feature/repeat-customers', sha: 'a'.repeat(40), repo: { full_name: head } },
    base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: REPO } }
  },
  repository: { full_name: REPO }
})
/** The payloads of the end-to-end tests, and an issue comment on a pull request. */
const EVENTS: Array<{ name: string; payload: EventPayload }> = [
  { name: 'pull_request', payload: deepFreeze(prEvent(7, REPO)) },
  { name: 'pull_request_target', payload: deepFreeze(prEvent(8, 'someone/shop')) },
  { name: 'workflow_call', payload: deepFreeze(prEvent(9, REPO, 'closed')) },
  { name: 'pull_request', payload: deepFreeze({ number: 7, pull_request: { number: 7, head: { sha: 'c'.repeat(40) } } }) },
  { name: 'workflow_dispatch', payload: deepFreeze({ inputs: {}, ref: 'refs/heads/feature/manual', repository: { full_name: REPO } }) },
  {
    name: 'issue_comment',
    payload: deepFreeze({
      action: 'created',
      issue: { number: 7, pull_request: { url: `https://api.github.com/repos/${REPO}/pulls/7` } },
      comment: { body: '/dbt build' },
      repository: { full_name: REPO }
    })
  }
]
const EVENT_FOCUS = [[], ['pull_request'], ['pull_request', 'head'], ['pull_request', 'head', 'repo'], ['pull_request', 'base'], ['issue']]
const EVENT_VOCABULARY = ['__proto__', 'octo/shop', 'OCTO/SHOP', 'someone/shop', '', '7', 'a'.repeat(40)]

/** The pull request read from a payload has only fields of the types it declares. */
function expectTyped(found: ReturnType<typeof pullRequestOfPayload>, where: readonly string[]): void {
  if (!found?.pr) return
  const { pr } = found
  const optional = (v: unknown): boolean => v === undefined || typeof v === 'string'
  const typed =
    Number.isInteger(pr.number) &&
    pr.number >= 1 &&
    [pr.headSha, pr.headRef, pr.baseRef, pr.url].every(optional) &&
    typeof pr.fromFork === 'boolean' &&
    typeof found.reason === 'string'
  expect({ where, typed }).toEqual({ where, typed: true })
}

describe('property: mutated untrusted files never break a reader, the analysis or the renderer', () => {
  afterAll(() => {
    const lines = [...tallies].map(
      ([kind, t]) => `${kind}: ${t.cases} cases, ${t.returned} returned, ${t.refused} refused, ${t.rendered} rendered`
    )
    const total = [...tallies.values()].reduce((n, t) => n + t.cases, 0)
    console.log(`Property cases (seed ${SEED}), ${total} in all:\n${lines.join('\n')}`)
  })

  const baselineCase =
    (form: 'text' | 'parsed') =>
    async (p: { ms: Mutation[]; pick: number }, t: Tally): Promise<void> => {
      const inserts = form === 'text' ? textInserts : parsedInserts
      const { value, where } = mutateAll(seeds.baseline, FOCUS.baseline, p.ms, VOCABULARY, inserts)
      await timed(where, async () => {
        const input = form === 'text' ? textOf(value, p.pick) : value
        const checked = attempt('checkManifest', where, () => checkManifest(input, PROJECT, 'prod-state/manifest.json'))
        if (!checked.ok) {
          t.refused++
          expect(checked.error.message).toContain('prod-state/manifest.json')
          return
        }
        t.returned++
        const artifacts: RunArtifacts = {
          manifest: checkedManifest,
          runResults: checkedRunResults,
          runResultsPath: '',
          manifestPath: '',
          problems: []
        }
        const report = attempt('makeReport', where, () =>
          makeReport({ info: runInfo(p.pick), baseline: checked.value.manifest, artifacts })
        )
        if (report.ok) renderAll(report.value, p.pick, where, t)
      })
    }
  const plan = fc.record({ ms: mutationsArb, pick: fc.nat() })
  run('baseline manifest, text (checkManifest)', 400, plan, baselineCase('text'))
  run('baseline manifest, parsed (checkManifest)', 1200, plan, baselineCase('parsed'))

  const runPlan = fc.record({ ms: mutationsArb, which: fc.constantFrom('manifest', 'runResults', 'both'), pick: fc.nat(), cut: fc.nat() })
  run('run artifacts (readRunArtifacts, makeReport)', 800, runPlan, async (p, t) => {
    const half = Math.ceil(p.ms.length / 2)
    const onManifest = p.which === 'manifest' ? p.ms : p.which === 'both' ? p.ms.slice(0, half) : []
    const onResults = p.which === 'runResults' ? p.ms : p.which === 'both' ? p.ms.slice(half) : []
    const manifest = mutateAll(seeds.manifest, FOCUS.manifest, onManifest, VOCABULARY, textInserts)
    const results = mutateAll(seeds.runResults, FOCUS.runResults, onResults, VOCABULARY, textInserts)
    const where = [...manifest.where.map((w) => `manifest.json: ${w}`), ...results.where.map((w) => `run_results.json: ${w}`)]
    await timed(where, async () => {
      const texts = {
        manifest: onManifest.length ? textOf(manifest.value, p.cut) : seedText.manifest,
        runResults: onResults.length ? textOf(results.value, p.cut) : seedText.runResults
      }
      const read = await attemptAsync('readRunArtifacts', where, () => artifactsOf(texts))
      if (!read.ok) throw new Error(`readRunArtifacts threw an ActionError after [${where.join('; ')}]: it should report problems instead`)
      const artifacts = read.value
      if (artifacts.problems.length > 0) t.refused++
      else t.returned++
      expect(artifacts.problems.length).toBe(Number(!artifacts.manifest) + Number(!artifacts.runResults))
      const report = attempt('makeReport', where, () => makeReport({ info: runInfo(p.pick), baseline: seeds.baseline, artifacts }))
      if (report.ok) renderAll(report.value, p.pick, where, t)
    })
  })

  const analysisPlan = fc.record({ manifest: mutationsArb, baseline: mutationsArb, runResults: mutationsArb, pick: fc.nat() })
  run('analysis and report (analyzeRun, buildReport, renderMarkdown, annotationsFor)', 2000, analysisPlan, (p, t) => {
    const manifest = mutateAll(seeds.manifest, FOCUS.manifest, p.manifest.slice(0, 1 + (p.pick % 2)), VOCABULARY, parsedInserts)
    const baseline = mutateAll(seeds.baseline, FOCUS.baseline, p.baseline.slice(0, p.pick % 3), VOCABULARY, parsedInserts)
    const results = mutateAll(seeds.runResults, FOCUS.runResults, p.runResults.slice(0, p.pick % 2), VOCABULARY, parsedInserts)
    const where = [...manifest.where, ...baseline.where.map((w) => `baseline: ${w}`), ...results.where.map((w) => `run_results: ${w}`)]
    return timed(where, () => {
      const current = attempt('checkRunManifest', where, () => checkRunManifest(manifest.value))
      const state = attempt('checkManifest', where, () => checkManifest(baseline.value, PROJECT, 'the baseline').manifest)
      const runResults = attempt('checkRunResults', where, () => checkRunResults(results.value))
      if (!current.ok || !state.ok || !runResults.ok) {
        t.refused++
        return
      }
      const info = runInfo(p.pick)
      const analysis = attempt('analyzeRun', where, () =>
        analyzeRun({ manifest: current.value, baseline: state.value, runResults: runResults.value, deferredEnv: info.deferredEnv })
      )
      if (!analysis.ok) return
      t.returned++
      const report = attempt('buildReport', where, () =>
        buildReport({ analysis: analysis.value, runResults: runResults.value, manifest: current.value, run: info })
      )
      if (report.ok) renderAll(report.value, p.pick, where, t)
    })
  })

  const eventPlan = fc.record({ ms: mutationsArb, event: fc.nat({ max: EVENTS.length - 1 }), pick: fc.nat() })
  run('event payloads (payloadPullRequest, payloadIssuePullNumber, pullRequestOfPayload)', 3000, eventPlan, (p, t) => {
    const event = EVENTS[p.event]
    const { value, where } = mutateAll(event.payload, EVENT_FOCUS, p.ms, EVENT_VOCABULARY, parsedInserts)
    const payload = value as EventPayload
    return timed(where, () => {
      const pr = attempt('payloadPullRequest', where, () => payloadPullRequest(payload))
      const issue = attempt('payloadIssuePullNumber', where, () => payloadIssuePullNumber(payload))
      const found = attempt('pullRequestOfPayload', where, () => pullRequestOfPayload(payload, REPO, event.name))
      if (found.ok) expectTyped(found.value, where)
      if (issue.ok && issue.value !== undefined) expect(Number.isInteger(issue.value) && issue.value >= 1).toBe(true)
      if (pr.ok && found.ok) t.returned++
      else t.refused++
      t.rendered += found.ok && found.value?.pr ? 1 : 0
    })
  })
})
