#!/usr/bin/env node
// What the parse cache gives: on a generated project of 2,000 models (DuckDB), the second push of
// a pull request (one model changed), run three ways in turn, each after one warm-up:
//   - bare dbt, cold: `dbt build -s state:modified --defer --state DIR` with no partial-parse file;
//   - the action with `parse-cache: true`, its file restored from a fake actions cache on
//     127.0.0.1 (the real @actions/cache inside dist/index.js), as on the push after the first;
//   - the action with `parse-cache: false`.
// compare and explain-selection are off; the CI schema is the pull request's, already made by the
// first push, as on a second push. Prints each run, the medians and the ratios. `--quick`: 200
// models and 1 round.
//
//   npm run bench [-- --quick]
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { machine, median, runAction } from './lib/example.mjs'
import { startCacheService } from './lib/cache-service.mjs'
import { generatedProject } from './lib/generated.mjs'

const quick = process.argv.includes('--quick')
const models = quick ? 200 : 2000
const rounds = quick ? 1 : 5
const started = Date.now()
const project = generatedProject(models)
const deploySeconds = (Date.now() - started) / 1000
project.edit(models - 1)

const cache = await startCacheService()
const runnerTemp = join(project.work, '_temp')
const ciSchema = 'dbt_ci_pr_7'

function action(parseCache, firstPush = false) {
  rmSync(runnerTemp, { recursive: true, force: true })
  mkdirSync(runnerTemp, { recursive: true })
  const run = runAction(
    project,
    { compare: 'false', 'explain-selection': 'false', 'ci-schema': ciSchema, 'parse-cache': String(parseCache) },
    { ...cache.env, RUNNER_TEMP: runnerTemp, GITHUB_REPOSITORY: 'octo/shop' }
  )
  const restored = run.log.includes("Restored dbt's partial-parse file")
  if (parseCache && !firstPush && !restored) throw new Error('parse-cache: true restored no partial-parse file')
  if (parseCache && !firstPush && run.log.includes('Unable to do partial parsing'))
    throw new Error(`dbt did not use the restored file:\n${run.log}`)
  return run.seconds
}

function bare() {
  rmSync(join(project.project, 'target'), { recursive: true, force: true })
  const { seconds, output } = project.dbtRun(
    ['build', '-s', 'state:modified', '--defer', '--state', join(project.work, 'prod-state'), '--target', 'ci'],
    {
      DBT_CI_SCHEMA: 'dbt_ci_bare'
    }
  )
  if (!/PASS=1\b/.test(output)) throw new Error(`bare dbt did not build the one changed model:\n${output}`)
  return seconds
}

// Warm-ups: the first push (which saves the first file and makes the CI schema), one of each.
action(true, true)
action(true)
bare()
action(false)
const times = { bare: [], cached: [], uncached: [] }
const order = [
  ['bare', bare],
  ['cached', () => action(true)],
  ['uncached', () => action(false)]
]
for (let i = 0; i < rounds; i++) {
  const turn = [...order.slice(i % 3), ...order.slice(0, i % 3)]
  for (const [kind, run] of turn) times[kind].push(run())
}
cache.stop()

const fmt = (xs) => xs.map((x) => x.toFixed(2)).join(' ')
console.log(machine(project))
console.log(
  `\nproject: ${models} generated models (views) and ${Math.ceil(models / 20)} tests, deployed in ${deploySeconds.toFixed(0)} s; the PR changes 1 model`
)
console.log(`bare dbt, cold                (s): ${fmt(times.bare)}`)
console.log(`action, parse-cache: true     (s): ${fmt(times.cached)}`)
console.log(`action, parse-cache: false    (s): ${fmt(times.uncached)}`)
const m = Object.fromEntries(Object.entries(times).map(([k, v]) => [k, median(v)]))
console.log(`medians: bare ${m.bare.toFixed(2)} s, cached ${m.cached.toFixed(2)} s, uncached ${m.uncached.toFixed(2)} s`)
console.log(
  `ratios: cached/bare ${(m.cached / m.bare).toFixed(2)}x, uncached/bare ${(m.uncached / m.bare).toFixed(2)}x, cached/uncached ${(m.cached / m.uncached).toFixed(2)}x (${rounds} rounds)`
)
