#!/usr/bin/env node
// The whole action against bare dbt on the same change and state: a generated project of 500
// models (DuckDB) deployed to prod, a pull request changing one model, its second push (the CI
// schema exists). Run in turn, rotating the order each round, after one warm-up of each:
//   - bare dbt, slim and cold: `dbt build -s state:modified --defer --state DIR`, no target/;
//   - bare dbt, full and cold: `dbt build` of the whole project (the slim build's saving);
//   - the bundled action with every optional feature off (compare, explain-selection and
//     parse-cache false);
//   - the action with one feature on at a time: compare; explain-selection; parse-cache (its
//     file restored from the fake actions cache of the tests, on 127.0.0.1).
// Prints each run, the medians and the ratios to bare slim dbt. `--quick`: 100 models, 1 round.
//
//   npm run bench [-- --quick]
import { mkdirSync, rmSync } from 'node:fs'
import { join } from 'node:path'
import { machine, median, runAction } from './lib/example.mjs'
import { startCacheService } from './lib/cache-service.mjs'
import { generatedProject } from './lib/generated.mjs'

const quick = process.argv.includes('--quick')
const models = quick ? 100 : 500
const rounds = quick ? 1 : 5
const project = generatedProject(models)
project.edit(models - 1)
const cache = await startCacheService()
const runnerTemp = join(project.work, '_temp')
const state = join(project.work, 'prod-state')
const off = { compare: 'false', 'explain-selection': 'false', 'parse-cache': 'false' }

function action(inputs, check = () => undefined) {
  rmSync(runnerTemp, { recursive: true, force: true })
  mkdirSync(runnerTemp, { recursive: true })
  const run = runAction(
    project,
    { ...off, 'ci-schema': 'dbt_ci_pr_7', ...inputs },
    { ...cache.env, RUNNER_TEMP: runnerTemp, GITHUB_REPOSITORY: 'octo/shop' }
  )
  if (!/selected-count<<\S+\n1\n/.test(run.outputs)) throw new Error(`the action did not build the one changed model:\n${run.log}`)
  check(run)
  return run.seconds
}

function bare(args, schema, expect) {
  rmSync(join(project.project, 'target'), { recursive: true, force: true })
  const { seconds, output } = project.dbtRun([...args, '--target', 'ci'], { DBT_CI_SCHEMA: schema })
  if (!expect.test(output)) throw new Error(`bare dbt ${args.join(' ')} did not build what it should:\n${output}`)
  return seconds
}

const variants = {
  'bare dbt, slim': () => bare(['build', '-s', 'state:modified', '--defer', '--state', state], 'dbt_ci_bare', /PASS=1\b/),
  'bare dbt, full': () => bare(['build'], 'dbt_ci_full', new RegExp(`PASS=${models + Math.ceil(models / 20) + 1}\\b`)),
  'action, features off': () => action({}),
  'action + compare': () =>
    action({ compare: 'true' }, (run) => {
      if (!/data-models-compared<<\S+\n1\n/.test(run.outputs)) throw new Error(`compare: true compared no model:\n${run.log}`)
    }),
  'action + explain-selection': () =>
    action({ 'explain-selection': 'true' }, (run) => {
      if (!run.report?.selection) throw new Error(`explain-selection: true gave no selection section:\n${run.log}`)
    }),
  'action + parse-cache': () =>
    action({ 'parse-cache': 'true' }, (run) => {
      if (!run.log.includes("Restored dbt's partial-parse file")) throw new Error(`parse-cache: true restored nothing:\n${run.log}`)
    })
}

action({ 'parse-cache': 'true' }, () => undefined) // the first push: makes the CI schema, saves the first parse file
const names = Object.keys(variants)
if (!quick) for (const name of names) variants[name]() // warm-up (the quick run only keeps the harness working)
const times = Object.fromEntries(names.map((n) => [n, []]))
for (let i = 0; i < rounds; i++) {
  const turn = [...names.slice(i % names.length), ...names.slice(0, i % names.length)]
  for (const name of turn) times[name].push(variants[name]())
}
cache.stop()

console.log(machine(project))
console.log(`project: ${models} generated models and ${Math.ceil(models / 20)} tests; the PR changes 1 model; ${rounds} rounds`)
const slim = median(times['bare dbt, slim'])
console.log('| run | runs (s) | median (s) | ratio to bare slim dbt |')
console.log('| --- | --- | --- | --- |')
for (const name of names) {
  const m = median(times[name])
  console.log(`| ${name} | ${times[name].map((x) => x.toFixed(2)).join(', ')} | ${m.toFixed(2)} | ${(m / slim).toFixed(2)}x |`)
}
