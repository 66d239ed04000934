#!/usr/bin/env node
// Entry point of `npm test` (and `test:unit`, `test:int`), `npm run demo`, `npm run bundle`,
// `npm run fixtures` and `npm run bench`.
// Runs on whatever Node the machine has: it installs the npm dependencies (Node 24 among them)
// and the pinned dbt virtualenv when they are missing or stale, then hands over to Node 24.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { compatVersions, ensureCompatEnv, ensurePythonEnv } from './python-env.mjs'

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

function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex')
}

/** Installs node_modules from the lockfile when it is absent or the lockfile changed since. */
function ensureNodeModules() {
  const lockDigest = () => sha256(readFileSync(join(root, 'package-lock.json')))
  const stamp = join(root, 'node_modules', '.lock-digest')
  if (existsSync(node24) && existsSync(stamp) && readFileSync(stamp, 'utf8') === lockDigest()) return
  console.log('Installing npm dependencies (npm install, as the lockfile pins)...')
  must('npm', ['install', '--no-audit', '--no-fund'])
  // npm may rewrite the lockfile (e.g. optional platform packages): stamp what it left behind.
  writeFileSync(stamp, lockDigest())
}

/** Runs a script of ours under Node 24 with the given arguments. */
function onNode24(args, env = {}) {
  return sh(node24, args, { env: { ...process.env, ...env } })
}

/** Runs jest under Node 24 with the given arguments; `env` adds to the environment. */
function jest(args, env = {}) {
  const bin = join(root, 'node_modules', 'jest', 'bin', 'jest.js')
  return onNode24(['--experimental-vm-modules', bin, '--runInBand=false', ...args], env)
}

/** Points the tests, the demo and the fixtures at the pinned dbt virtualenv, installed on demand. */
function venvEnv() {
  return { DBT_DEFER_TEST_VENV: ensurePythonEnv(root).venvDir }
}

/** venvEnv, and the compatibility suite's virtualenv of every older dbt-core, installed on demand. */
function testEnv() {
  const compat = Object.fromEntries(compatVersions(root).map((version) => [version, ensureCompatEnv(root, version).venvDir]))
  return { ...venvEnv(), DBT_DEFER_COMPAT_VENVS: JSON.stringify(compat) }
}

/** Fails when dist/ (the action's and the command-line tool's bundles) differs from a fresh bundle of the sources. */
function checkDist() {
  const scratch = mkdtempSync(join(tmpdir(), 'dbt-defer-dist-'))
  const rollup = join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup')
  const code = sh(node24, [rollup, '-c', 'rollup.config.js', '--silent'], { env: { ...process.env, DIST_DIR: scratch } })
  if (code !== 0) process.exit(code)
  const built = readdirSync(scratch).sort()
  const committed = existsSync(join(root, 'dist')) ? readdirSync(join(root, 'dist')).sort() : []
  for (const name of new Set([...built, ...committed])) {
    const file = join(root, 'dist', name)
    if (!built.includes(name)) {
      console.error(`dist/${name} is no longer part of the bundle: run 'npm run bundle', delete it and commit dist/.`)
      process.exit(1)
    }
    if (!existsSync(file) || !readFileSync(file).equals(readFileSync(join(scratch, name)))) {
      console.error(`dist/${name} is not what the sources bundle to: run 'npm run bundle' and commit dist/.`)
      process.exit(1)
    }
  }
  console.log(`dist/ (${built.join(', ')}) matches a fresh bundle of the sources.`)
}

/** ESLint and Prettier over the repository; a problem fails the run like a failing test. */
function checkStyle() {
  const bin = (pkg, file) => join(root, 'node_modules', pkg, 'bin', file)
  for (const [what, args] of [
    ['ESLint', [bin('eslint', 'eslint.js'), '.']],
    ['Prettier', [bin('prettier', 'prettier.cjs'), '--check', '.', '--log-level', 'warn']]
  ]) {
    const code = onNode24(args)
    if (code !== 0) {
      console.error(`${what} found problems: 'npm run lint' and 'npm run format' show and fix them.`)
      process.exit(code)
    }
  }
  console.log('ESLint and Prettier: clean.')
}

/** Each task's exit code from its arguments. */
const tasks = {
  bundle: () => {
    // A chunk is named after its content: the ones of an earlier bundle go first.
    const dist = join(root, 'dist')
    for (const name of existsSync(dist) ? readdirSync(dist) : []) if (/^index-.*\.js$/.test(name)) rmSync(join(dist, name))
    return onNode24([join(root, 'node_modules', 'rollup', 'dist', 'bin', 'rollup'), '-c', 'rollup.config.js'])
  },
  test: (args) => {
    // The whole suite (no arguments) first checks style, and that dist/ is what the sources bundle to.
    if (args.length === 0) {
      checkStyle()
      checkDist()
    }
    return jest(args, testEnv())
  },
  // Pure tests only: no dbt virtualenv, and jest starts no PostgreSQL for this project.
  // The project flag goes last: it takes a list and would swallow the test paths after it.
  'test:unit': (args) => jest([...args, '--selectProjects', 'unit']),
  'test:int': (args) => jest([...args, '--selectProjects', 'integration'], testEnv()),
  demo: (args) => onNode24([join(root, 'scripts', 'demo.mjs'), ...args], venvEnv()),
  fixtures: (args) => onNode24([join(root, 'scripts', 'make-fixtures.mjs'), ...args], venvEnv()),
  // Every benchmark of bench/, one after the other, with the same arguments (e.g. --quick).
  bench: (args) => {
    const dir = join(root, 'bench')
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.mjs'))
      .sort()
    for (const file of files) {
      const code = onNode24([join(dir, file), ...args], venvEnv())
      if (code !== 0) return code
    }
    return 0
  }
}

const [task, ...rest] = process.argv.slice(2)
if (!Object.hasOwn(tasks, task ?? '')) {
  console.error(`usage: node scripts/run.mjs ${Object.keys(tasks).join('|')} [args...] (got '${task ?? ''}')`)
  process.exit(2)
}
ensureNodeModules()
process.exit(tasks[task](rest))
