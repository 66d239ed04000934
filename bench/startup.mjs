#!/usr/bin/env node
// What loading the bundle costs: `node dist/index.js` run as the runner runs it, with an input it
// refuses (mode: bogus, so it stops after reading its inputs, before any dbt or network), against
// the same sources bundled into one file (every mode loaded at start, as before the modes were
// split into chunks) and `node -e 0` (Node's own start-up), alternately. Prints the medians, the
// differences (the bundle's load and the input check) and the bytes each loads. `--quick`: 3
// rounds instead of 21.
//
//   npm run bench [-- --quick]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { rollup } from 'rollup'
import { onwarn, plugins } from '../rollup.config.js'
import { alternate, median, root } from './lib/example.mjs'

const rounds = process.argv.includes('--quick') ? 3 : 21
const split = join(root, 'dist', 'index.js')
const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-bench-startup-'))
const output = join(dir, 'output')
writeFileSync(output, '')
const env = { PATH: process.env.PATH, GITHUB_ACTIONS: 'true', GITHUB_OUTPUT: output, RUNNER_TEMP: dir, INPUT_MODE: 'bogus' }

/** The action's sources bundled into one file, with the build's own plugins. */
async function oneFile() {
  const out = join(dir, 'one-file')
  const bundle = await rollup({ input: join(root, 'src', 'index.ts'), onwarn, plugins: plugins(join(root, 'tsconfig.build.json'), out) })
  const file = join(out, 'index.js')
  await bundle.write({ file, format: 'es', inlineDynamicImports: true })
  await bundle.close()
  return file
}

/** The bytes of `file` and of every chunk it imports statically, transitively: what loading it reads. */
function loadedBytes(file, seen = new Set()) {
  if (seen.has(file)) return 0
  seen.add(file)
  const text = readFileSync(file, 'utf8')
  let bytes = statSync(file).size
  for (const m of text.matchAll(/^import (?:[^'"]* from )?'(\.\/[^']+)';$/gm)) bytes += loadedBytes(join(dirname(file), m[1]), seen)
  return bytes
}

function timed(args, expectStatus, expectText) {
  const started = process.hrtime.bigint()
  const r = spawnSync(process.execPath, args, { cwd: dir, env, encoding: 'utf8' })
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  if (r.status !== expectStatus || !`${r.stdout}${r.stderr}`.includes(expectText))
    throw new Error(`node ${args.join(' ')} exited ${r.status}:\n${r.stdout}${r.stderr}`)
  return seconds
}

const whole = await oneFile()
const refused = "::error::Invalid value for input 'mode'"
const [action, single, bare] = alternate(
  rounds,
  () => timed([split], 1, refused),
  () => timed([whole], 1, refused),
  () => timed(['-e', '0'], 0, '')
)
const mb = (bytes) => `${(bytes / 1e6).toFixed(2)} MB`
console.log(`machine: ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}; node ${process.version}`)
console.log(
  `dist/index.js loads ${mb(loadedBytes(split))} at start (the mode's chunks come later); the one-file bundle ${mb(statSync(whole).size)}`
)
console.log(`node dist/index.js, refusing 'mode: bogus' (s): median ${median(action).toFixed(3)} of ${rounds}`)
console.log(`one-file bundle, the same (s): median ${median(single).toFixed(3)} of ${rounds}`)
console.log(`node -e 0 (s): median ${median(bare).toFixed(3)} of ${rounds}`)
console.log(
  `the bundle's load and the input check: ${(median(action) - median(bare)).toFixed(3)} s; one file: ${(median(single) - median(bare)).toFixed(3)} s`
)
