#!/usr/bin/env node
// What loading the bundle costs: `node dist/index.js` run as the runner runs it, with an input it
// refuses (mode: bogus, so it stops after reading its inputs, before any dbt or network), against
// `node -e 0` (Node's own start-up), alternately. Prints the medians, their difference (the
// bundle's load and the input check) and the bundle's size. `--quick`: 3 pairs instead of 21.
//
//   npm run bench [-- --quick]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { alternate, median, root } from './lib/example.mjs'

const pairs = process.argv.includes('--quick') ? 3 : 21
const bundle = join(root, 'dist', 'index.js')
const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-bench-startup-'))
const output = join(dir, 'output')
writeFileSync(output, '')
const env = { PATH: process.env.PATH, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output, RUNNER_TEMP: dir, INPUT_MODE: 'bogus' }

function timed(args, expectStatus, expectText) {
  const started = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (r.status !== expectStatus || !`${r.stdout}${r.stderr}`.includes(expectText))
    throw new Error(`node ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`)
  return seconds
}

const [action, bare] = alternate(
  pairs,
  () => timed([bundle], 1, "::error::Invalid value for input 'mode'"),
  () => timed(['-e', '0'], 0, '')
)
console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}`)
console.log(`dist/index.js: ${(statSync(bundle).size / 1e6).toFixed(2)} MB`)
console.log(`node dist/index.js, refusing 'mode: bogus' (s): median ${median(action).toFixed(3)} of ${pairs}`)
console.log(`node -e 0 (s): median ${median(bare).toFixed(3)} of ${pairs}`)
console.log(`the bundle's load and the input check: ${(median(action) - median(bare)).toFixed(3)} s`)
