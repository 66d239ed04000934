/**
 * The comparison step: after the build, one `dbt show --inline` under the CI target reads every
 * planned relation beside the deferred environment's. When dbt fails part way (a denied read, a
 * type the adapter cannot compare), the progress lines name the relation it stopped at, and one
 * second invocation compares the rest (that model without its key diff, when the key diff was
 * what failed). Never more than two invocations; every failure is a warning, never the build's.
 */
import { join } from 'node:path'
import type { Manifest, RunResults } from '../dbt/artifact-types.js'
import type { DbtRunner } from '../dbt/runner.js'
import { messageOf } from '../errors.js'
import type { CompareSettings, DeferredEnv } from '../settings.js'
import { planComparison } from './plan.js'
import { errorLines, resultsOf, stoppedAt } from './read.js'
import { failedChange, modelChange, totalsOf } from './result.js'
import { compareSql } from './sql.js'
import type { CompareTarget, DataChanges, ModelDataChange, RawResult } from './types.js'

/** What the step needs of the run. */
export interface CompareDeps {
  runner: DbtRunner
  readJson: (path: string) => Promise<unknown>
}

/** What the step compares. */
export interface CompareInput {
  runResults: RunResults
  manifest: Manifest
  baseline: Manifest
  env: DeferredEnv
}

/** One target in an attempt: its place in the plan, and why its key diff is left out, when it is. */
interface Job {
  at: number
  target: CompareTarget
  keyFailed?: string
}

/** What the attempts learned, by place in the plan. */
interface Outcome {
  results: Map<number, RawResult>
  failed: Map<number, string>
  keyFailed: Map<number, string>
  invocations: number
}

const MAX_INVOCATIONS = 2

async function invoke(
  name: string,
  jobs: Job[],
  settings: CompareSettings,
  deps: CompareDeps
): Promise<{ results?: RawResult[]; output: string }> {
  const targets = jobs.map((j) => (j.keyFailed ? { ...j.target, key: null } : j.target))
  const { where, keyDiffMaxRows, exampleKeys, valueSamples } = settings
  const sql = compareSql(targets, { where, keyDiffMaxRows, exampleKeys, valueSamples })
  const step = await deps.runner.step(name, ['show', '--quiet', '--inline', sql, '--limit', '1'], {
    logAs: `show --quiet --inline <compare ${jobs.length} relations with the deferred environment's> --limit 1`,
    reads: 'run-results'
  })
  if (step.exit.exitCode !== 0) return { output: step.exit.output }
  const runResults = (await deps.readJson(join(step.targetDir, 'run_results.json'))) as RunResults
  return { results: resultsOf(runResults), output: step.exit.output }
}

/** Runs the comparison, at most twice. */
async function attempts(targets: CompareTarget[], settings: CompareSettings, deps: CompareDeps): Promise<Outcome> {
  const outcome: Outcome = { results: new Map(), failed: new Map(), keyFailed: new Map(), invocations: 0 }
  let jobs: Job[] = targets.map((target, at) => ({ at, target }))
  while (jobs.length > 0) {
    outcome.invocations++
    const run = await invoke(outcome.invocations === 1 ? 'compare' : 'compare-retry', jobs, settings, deps)
    if (run.results) {
      run.results.forEach((r, i) => outcome.results.set(jobs[i].at, r))
      return outcome
    }
    const stop = stoppedAt(run.output)
    const last = outcome.invocations >= MAX_INVOCATIONS
    if (!stop || last) {
      const why = stop ? `${stop.error} (at ${jobs[stop.index]?.target.name})` : errorLines(run.output.split('\n').slice(-20))
      const note = last ? `the comparison failed twice; the second time: ${why}` : why
      for (const j of jobs) if (!outcome.failed.has(j.at)) outcome.failed.set(j.at, note)
      return outcome
    }
    const job = jobs[stop.index]
    if (stop.phase === 'keys') {
      job.keyFailed = `key diff failed: ${stop.error}`
      outcome.keyFailed.set(job.at, job.keyFailed)
    } else {
      outcome.failed.set(job.at, stop.error)
      jobs = jobs.filter((j) => j !== job)
    }
  }
  return outcome
}

function collect(targets: CompareTarget[], outcome: Outcome, env: DeferredEnv): { models: ModelDataChange[]; warnings: string[] } {
  const warnings: string[] = []
  const models = targets.map((target, at) => {
    const raw = outcome.results.get(at)
    const failed = outcome.failed.get(at)
    if (!raw) {
      warnings.push(`The data of ${target.name} could not be compared with ${env}: ${failed ?? 'dbt returned no result'}.`)
      return failedChange(target, failed ?? 'dbt returned no result')
    }
    const keyFailed = outcome.keyFailed.get(at)
    if (keyFailed) warnings.push(`The key diff of ${target.name} against ${env} failed: ${keyFailed.replace(/^key diff failed: /, '')}.`)
    const { change, warning } = modelChange(target, raw, env, keyFailed)
    if (warning) warnings.push(warning)
    return change
  })
  return { models, warnings }
}

/** The data changes of the run against the deferred environment. Throws only on a defect. */
export async function compareData(settings: CompareSettings, input: CompareInput, deps: CompareDeps): Promise<DataChanges> {
  const plan = planComparison({ ...input, maxModels: settings.maxModels })
  const outcome = plan.targets.length > 0 ? await attempts(plan.targets, settings, deps) : undefined
  const { models, warnings } = outcome ? collect(plan.targets, outcome, input.env) : { models: [], warnings: [] }
  return {
    against: input.env,
    where: settings.where ?? null,
    models,
    removed: plan.removed,
    not_compared: plan.notCompared,
    totals: totalsOf(models, plan.removed.length),
    warnings,
    invocations: outcome?.invocations ?? 0
  }
}

/** The data changes when the comparison itself broke: no models, the reason as a warning. */
export function brokenComparison(env: DeferredEnv, error: unknown): DataChanges {
  return {
    against: env,
    where: null,
    models: [],
    removed: [],
    not_compared: [],
    totals: totalsOf([], 0),
    warnings: [`The data comparison with ${env} could not run: ${messageOf(error)}. The build's result stands.`],
    invocations: 0
  }
}
