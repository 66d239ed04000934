#!/usr/bin/env node
// The action's own work against the JSON.parse floor: the work dist/index.js does on a run's
// artifacts besides running dbt (bench/lib/own-work-entry.ts, bundled from the same sources),
// against a process that only JSON.parses the same three files (the baseline, the build's
// manifest.json and run_results.json). The artifacts are real dbt's on a generated project of
// typical models (a 200-model project scaled up to 1k, 10k and 50k nodes, with 1%, 10% and 100%
// of the nodes executed), and a real 2,000-model project unscaled. Alternating pairs; prints the
// medians of the wall time and of the peak memory (RSS) of each, and their ratios.
// `--quick`: one pair on a 300-node set. `--sizes 10000,50000 --fractions 1` measures only those
// sets, and leaves out the real 2,000-model project.
//
//   npm run bench [-- --quick]
import { join } from 'node:path'
import { generatedProject } from './lib/generated.mjs'
import { alternate, machine, median } from './lib/example.mjs'
import { bundleOwnWork, realArtifacts, runFloor, runOwnWork, runReader, scaledSet } from './lib/own-work.mjs'

const quick = process.argv.includes('--quick')
const listArg = (name) => {
  const i = process.argv.indexOf(name)
  return i < 0 ? undefined : process.argv[i + 1].split(',').map(Number)
}
const sizes = listArg('--sizes') ?? (quick ? [300] : [1000, 10000, 50000])
const fractions = listArg('--fractions') ?? (quick ? [0.1] : [0.01, 0.1, 1])
const pairs = quick ? 1 : 3

/** A deployed generated project, every node then built in CI with defer: its real artifacts. */
function realRun(models) {
  const project = generatedProject(models, { wide: true })
  project.dbtRun(['build', '--target', 'ci', '--defer', '--state', join(project.work, 'prod-state')])
  return { project, baselinePath: project.state, targetDir: join(project.project, 'target') }
}

function measure(bundle, set) {
  runOwnWork(bundle, set) // warm-up: the disk cache
  const [own, floor] = alternate(
    pairs,
    () => runOwnWork(bundle, set),
    () => runFloor(bundle, set)
  )
  const m = (runs, key) => median(runs.map((r) => r[key]))
  const row = {
    own: { wall: m(own, 'wall'), rss: m(own, 'maxRssMiB') },
    floor: { wall: m(floor, 'wall'), rss: m(floor, 'maxRssMiB') },
    report: own[0].reportBytes,
    summary: own[0].summaryBytes,
    walls: { own: own.map((r) => r.wall), floor: floor.map((r) => r.wall) }
  }
  return row
}

/** The artifact reader against JSON.parse on the same three files, alternating. */
function measureReader(bundle, set) {
  const [reader, parse] = alternate(
    pairs,
    () => runReader(bundle, set, 'reader'),
    () => runReader(bundle, set, 'parse')
  )
  const m = (runs, key) => median(runs.map((r) => r[key]))
  return { reader: { wall: m(reader, 'wall'), rss: m(reader, 'maxRssMiB') }, parse: { wall: m(parse, 'wall'), rss: m(parse, 'maxRssMiB') } }
}

const bundle = await bundleOwnWork()
const small = realRun(quick ? 100 : 200)
const real = realArtifacts(small.baselinePath, small.targetDir)
const rows = []
const readers = []
for (const nodes of sizes) {
  for (const executed of fractions) {
    const set = scaledSet(real, nodes, executed)
    rows.push({ label: `${set.nodes} nodes, ${set.results} executed (${executed * 100}%)`, ...measure(bundle, set) })
    if (executed === fractions.at(-1)) readers.push({ label: `${set.nodes} nodes, ${set.results} executed`, ...measureReader(bundle, set) })
  }
}
if (!quick && !listArg('--sizes')) {
  const big = realRun(2000)
  rows.push({
    label: 'real dbt, 2,000 models (2,101 nodes, all executed)',
    ...measure(bundle, { dir: big.project.work, baseline: big.baselinePath, targetDir: big.targetDir })
  })
}
console.log(machine(small.project))
console.log(`own work against the JSON.parse floor, medians of ${pairs} alternating pairs (wall time of the process, peak RSS)`)
console.log('| set | own work (s) | floor (s) | time ratio | own peak (MiB) | floor peak (MiB) | memory ratio | report.json | summary.md |')
console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |')
for (const r of rows) {
  console.log(
    `| ${r.label} | ${r.own.wall.toFixed(2)} | ${r.floor.wall.toFixed(2)} | ${(r.own.wall / r.floor.wall).toFixed(2)}x | ${r.own.rss.toFixed(0)} | ${r.floor.rss.toFixed(0)} | ${(r.own.rss / r.floor.rss).toFixed(2)}x | ${(r.report / 1e6).toFixed(2)} MB | ${(r.summary / 1e3).toFixed(1)} kB |`
  )
}
console.log(`the artifact reader against JSON.parse on the same three files, medians of ${pairs} alternating pairs`)
console.log('| set | reader (s) | JSON.parse (s) | time ratio | reader peak (MiB) | JSON.parse peak (MiB) | memory ratio |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const r of readers) {
  console.log(
    `| ${r.label} | ${r.reader.wall.toFixed(2)} | ${r.parse.wall.toFixed(2)} | ${(r.reader.wall / r.parse.wall).toFixed(2)}x | ${r.reader.rss.toFixed(0)} | ${r.parse.rss.toFixed(0)} | ${(r.reader.rss / r.parse.rss).toFixed(2)}x |`
  )
}
for (const r of rows)
  console.log(
    `runs, ${r.label}: own ${r.walls.own.map((x) => x.toFixed(2)).join(' ')}; floor ${r.walls.floor.map((x) => x.toFixed(2)).join(' ')}`
  )
