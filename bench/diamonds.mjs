#!/usr/bin/env node
// The chain of ephemeral diamonds (K layers of two ephemeral models, each reading both models of
// the layer below; a table on top, changed by the pull request): real dbt deploys it, builds the
// change with defer, and the action's own work (bench/lib/own-work-entry.ts, the report step
// included) runs on those artifacts. For K = 8, 10, ..., 24: the median time of the own work, the
// size of report.json and of the summary, and what each layer adds, which is constant when the
// cost is linear in nodes plus edges (a path-expanding report doubles per layer).
// `--quick`: K = 8 and 10, one run each.
//
//   npm run bench [-- --quick]
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { diamondProject } from './lib/generated.mjs'
import { machine, median } from './lib/example.mjs'
import { bundleOwnWork, runOwnWork } from './lib/own-work.mjs'

const quick = process.argv.includes('--quick')
const ks = quick ? [8, 10] : [8, 10, 12, 14, 16, 18, 20, 22, 24]
const runs = quick ? 1 : 3

const bundle = await bundleOwnWork()
const rows = []
let first
for (const k of ks) {
  const p = diamondProject(k)
  first ??= p
  p.editTop()
  const built = p.dbtRun(['build', '--target', 'ci', '-s', 'state:modified', '--defer', '--state', join(p.work, 'prod-state')])
  const set = { dir: p.work, baseline: p.state, targetDir: join(p.project, 'target') }
  const results = JSON.parse(readFileSync(join(set.targetDir, 'run_results.json'), 'utf8')).results.map((r) => r.unique_id)
  if (results.join() !== 'model.generated.top') throw new Error(`K=${k}: dbt built ${results.join(', ')}, not model.generated.top`)
  const own = Array.from({ length: runs }, () => runOwnWork(bundle, set))
  rows.push({
    k,
    dbt: built.seconds,
    own: median(own.map((r) => r.wall)),
    rss: median(own.map((r) => r.maxRssMiB)),
    report: own[0].reportBytes,
    summary: own[0].summaryBytes
  })
}
console.log(machine(first))
console.log(`ephemeral diamonds: the action's own work on real dbt's artifacts (median of ${runs}), and what each layer adds`)
console.log(
  '| K | models | dbt build (s) | own work (s) | own peak (MiB) | report.json (bytes) | per layer | summary.md (bytes) | per layer |'
)
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
rows.forEach((r, i) => {
  const prev = rows[i - 1]
  const per = (key) => (prev ? ((r[key] - prev[key]) / (r.k - prev.k)).toFixed(0) : '')
  console.log(
    `| ${r.k} | ${2 * r.k + 2} | ${r.dbt.toFixed(2)} | ${r.own.toFixed(2)} | ${r.rss.toFixed(0)} | ${r.report} | ${per('report')} | ${r.summary} | ${per('summary')} |`
  )
})
