#!/usr/bin/env node
// Entry point of `npm test`, `npm run demo`, `npm run bundle` and `npm run fixtures`.
// Runs on whatever Node the machine has: it installs the npm dependencies (Node 24 among them)
// and the pinned dbt virtualenv when they are missing or stale, then hands over to Node 24.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { ensurePythonEnv } from './python-env.mjs'

const root = dirname(dirname(fileURLToPath(import.meta.url)))
const node24 = join(root, 'node_modules', '.bin', 'node')

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...opts })
  if (r.error) throw r.error
  return r.status ?? 1
}

function must(cmd, args, opts) {
  const code = sh(cmd, args, opts)
  if (code !== 0) {
    console.error(`${cmd} ${args.join(' ')} exited with ${code}`)
    process.exit(code)
  }
}

/** Installs node_modules from the lockfile when it is absent or the lockfile changed since. */
function ensureNodeModules() {
  const lock = readFileSync(join(root, 'package-lock.json'))
  const digest = createHash('sha256').update(lock).digest('hex')
  const stamp = join(root, 'node_modules', '.lock-digest')
  if (existsSync(node24) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) return
  console.log('Installing npm dependencies (npm install, as the lockfile pins)...')
  must('npm', ['install', '--no-audit', '--no-fund'])
  writeFileSync(stamp, digest)
}

/** Runs a script of ours under Node 24 with the given arguments. */
function onNode24(args, env = {}) {
  return sh(node24, args, { env: { ...process.env, ...env } })
}

const [task, ...rest] = process.argv.slice(2)
ensureNodeModules()
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js')

switch (task) {
  case 'bundle':
    process.exit(onNode24([join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', 'rollup.config.js']))
  case 'test': {
    const python = ensurePythonEnv(root)
    const code = onNode24(['--experimental-vm-modules', jest, '--runInBand=false', ...rest], {
      DBT_DEFER_TEST_VENV: python.venvDir
    })
    process.exit(code)
  }
  case 'demo': {
    const python = ensurePythonEnv(root)
    process.exit(onNode24([join(root, 'scripts', 'demo.mjs'), ...rest], { DBT_DEFER_TEST_VENV: python.venvDir }))
  }
  case 'fixtures': {
    const python = ensurePythonEnv(root)
    process.exit(onNode24([join(root, 'scripts', 'make-fixtures.mjs'), ...rest], { DBT_DEFER_TEST_VENV: python.venvDir }))
  }
  default:
    console.error(`usage: node scripts/run.mjs bundle|test|demo|fixtures [args...] (got '${task ?? ''}')`)
    process.exit(2)
}
