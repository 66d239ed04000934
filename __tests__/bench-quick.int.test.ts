import { expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './helpers/paths.js'

// `npm run bench -- --quick`: every benchmark of bench/ at its small size, so the harness keeps
// working. Only that each ran to its end and printed its figures is checked: no timing.

it('npm run bench -- --quick runs every benchmark to its end', async () => {
  const { code, output } = await new Promise<{ code: number; output: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'scripts', 'run.mjs'), 'bench', '--quick'], { cwd: repoRoot })
    let output = ''
    child.stdout.on('data', (d) => (output += d))
    child.stderr.on('data', (d) => (output += d))
    child.on('error', reject)
    child.on('close', (exit) => resolve({ code: exit ?? 1, output }))
  })
  expect({ code, tail: code === 0 ? '' : output.slice(-4000) }).toEqual({ code: 0, tail: '' })
  const benchmarks = readdirSync(join(repoRoot, 'bench')).filter((f) => f.endsWith('.mjs'))
  expect(benchmarks.sort()).toEqual([
    'big-baseline.mjs',
    'compare.mjs',
    'diamonds.mjs',
    'end-to-end.mjs',
    'own-work.mjs',
    'parse-cache.mjs',
    'startup.mjs',
    'why.mjs'
  ])
  // The last line each prints: its ratio.
  expect(output).toMatch(/median compare: false \d+\.\d+ s/)
  expect(output).toMatch(/ratio \d+\.\d+x, cost of the step/)
  expect(output).toMatch(/ratios: cached\/bare \d+\.\d+x, uncached\/bare \d+\.\d+x/)
  expect(output).toMatch(/^\| \d+ nodes, \d+ executed \(10%\) \| \d+\.\d+ \| \d+\.\d+ \| \d+\.\d+x \|/m)
  expect(output).toMatch(/^\| \d+ nodes, \d+ executed \| \d+\.\d+ \| \d+\.\d+ \| \d+\.\d+x \| \d+ \| \d+ \| \d+\.\d+x \|$/m)
  expect(output).toMatch(/^\| 10 \| 22 \| \d+\.\d+ \| \d+\.\d+ \| \d+ \| \d+ \| \d+ \|/m)
  expect(output).toMatch(/^\| action \+ parse-cache \| \d+\.\d+ \| \d+\.\d+ \| \d+\.\d+x \|$/m)
  expect(output).toMatch(/the bundle's load and the input check: -?\d+\.\d+ s; one file: -?\d+\.\d+ s/)
  expect(output).toMatch(/^\| scaled \d+x \| \d+\.\d MB \| \d+\.\d MB \| \d+ \| \d+\.\d+ \| \d+ \| \d+ \|$/m)
  expect(output).toMatch(/peak memory growth of the \d+ MB baseline over the tiny one: -?\d+ MiB/)
  expect(output.match(/^machine: /gm)).toHaveLength(8)
}, 2_400_000)
