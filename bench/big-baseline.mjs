#!/usr/bin/env node
// Benchmark 6: a 1 GB baseline through the fake GitHub's artifact download. The deploy's manifest
// of a real dbt run on a generated project (200 models of typical length) is scaled up to 1 GB
// (bench/lib/own-work.mjs) and published as the artifact of a deploy run on the test suite's fake
// GitHub, which really listens on 127.0.0.1; a second fake publishes the unscaled manifest (the
// tiny artifact). bench/lib/big-baseline-entry.ts, bundled from the action's sources, then takes
// the baseline the way the action does with `baseline-source: github-artifact` (the run search,
// the download to disk, the unzip, the placement, the one read and the check) and holds it.
// Alternating pairs; prints the medians of each's wall time and peak memory (RSS), and how much
// the 1 GB baseline raises the peak over the tiny one. `--quick`: a 20 MB baseline, one pair.
//
//   npm run bench [-- --quick]
import { spawn } from 'node:child_process'
import { createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs'
import { pipeline } from 'node:stream/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import yazl from 'yazl'
import { alternate, machine, median } from './lib/example.mjs'
import { generatedProject } from './lib/generated.mjs'
import { bundleOwnWork, timed, writeScaledManifest } from './lib/own-work.mjs'

const quick = process.argv.includes('--quick')
const targetBytes = quick ? 20e6 : 1e9
const pairs = quick ? 1 : 3

const project = generatedProject(quick ? 100 : 200, { wide: true })
const deployed = JSON.parse(readFileSync(project.state, 'utf8'))
const bundle = await bundleOwnWork('big-baseline-entry.ts')
const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-bench-big-'))
const bigPath = join(dir, 'manifest.json')
const scaled = writeScaledManifest(bigPath, deployed, targetBytes)

/** `manifest` zipped as a deploy's upload-artifact zips it: manifest.json at the root, deflated, streamed from disk. */
async function zipped(manifest, name) {
  const zip = new yazl.ZipFile()
  zip.addFile(manifest, 'manifest.json')
  zip.end()
  const path = join(dir, `${name}.zip`)
  await pipeline(zip.outputStream, createWriteStream(path))
  return path
}

/** A fake GitHub in a process of its own, publishing `manifest`; its URLs, the zip's size and a stop. */
async function fakeGitHub(manifest, name) {
  const zip = await zipped(manifest, name)
  const child = spawn(process.execPath, [bundle.file, 'serve', zip], { stdio: ['pipe', 'pipe', 'inherit'] })
  const line = await new Promise((resolve, reject) => {
    let out = ''
    child.stdout.on('data', (d) => {
      out += d
      if (out.includes('\n')) resolve(out.split('\n')[0])
    })
    child.on('exit', (code) => reject(new Error(`the fake GitHub for ${manifest} exited with ${code}`)))
  })
  return { ...JSON.parse(line), zipBytes: statSync(zip).size, stop: () => child.stdin.end() }
}

/** One baseline taken from `gh` in a process of its own; its wall time, peak RSS and nodes read. */
function obtain(gh) {
  const work = mkdtempSync(join(dir, 'run-'))
  try {
    return timed([bundle.file, 'obtain', gh.apiUrl, gh.serverUrl, work, deployed.metadata.project_name])
  } finally {
    rmSync(work, { recursive: true, force: true })
  }
}

const tiny = { label: 'tiny: the deploy manifest', bytes: statSync(project.state).size, gh: await fakeGitHub(project.state, 'tiny') }
const big = { label: `scaled ${scaled.replicas}x`, bytes: statSync(bigPath).size, gh: await fakeGitHub(bigPath, 'big') }
obtain(big.gh) // warm-up: the disk cache
const [tinyRuns, bigRuns] = alternate(
  pairs,
  () => obtain(tiny.gh),
  () => obtain(big.gh)
)
tiny.gh.stop()
big.gh.stop()
rmSync(dir, { recursive: true, force: true })

const m = (runs, key) => median(runs.map((r) => r[key]))
console.log(machine(project))
console.log(
  `a baseline through the fake GitHub's artifact download (run search, download, unzip, placement, the one read and the check), medians of ${pairs} alternating pairs`
)
console.log('| artifact | manifest.json | zip | nodes read | wall (s) | peak RSS (MiB) | peak before the read (MiB) |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const [a, runs] of [
  [tiny, tinyRuns],
  [big, bigRuns]
]) {
  console.log(
    `| ${a.label} | ${(a.bytes / 1e6).toFixed(1)} MB | ${(a.gh.zipBytes / 1e6).toFixed(1)} MB | ${runs[0].nodes} | ${m(runs, 'wall').toFixed(2)} | ${m(runs, 'maxRssMiB').toFixed(0)} | ${m(runs, 'fetchedMiB').toFixed(0)} |`
  )
}
const growth = m(bigRuns, 'maxRssMiB') - m(tinyRuns, 'maxRssMiB')
console.log(
  `peak memory growth of the ${(big.bytes / 1e6).toFixed(0)} MB baseline over the tiny one: ${growth.toFixed(0)} MiB (${(growth / (big.bytes / 2 ** 20)).toFixed(2)} of the file's size; target: under 256 MiB)`
)
