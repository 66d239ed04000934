// Creates (or reuses) the project-local virtualenvs of the pinned dbt toolchains: `.venv` from
// scripts/requirements.txt (the newest dbt-core, used by the tests and the demo), and one per
// older dbt-core of the compatibility suite, `.venv-compat/dbt-<version>` from
// scripts/compat/requirements-dbt-<version>.txt. A digest of the requirements file is kept in
// the venv, so an edit reinstalls. The files pin every package, so they install with --no-deps.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

function run(cmd, args, cwd) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd })
  if (r.error) throw new Error(`could not start ${cmd}: ${r.error.message}`)
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`)
}

function findPython() {
  for (const candidate of [process.env.PYTHON, 'python3', 'python'].filter(Boolean)) {
    const r = spawnSync(candidate, ['-c', 'import sys; print(sys.version_info >= (3, 9))'], { encoding: 'utf8' })
    if (r.status === 0 && r.stdout.trim() === 'True') return candidate
  }
  throw new Error('Python 3.9 or newer is needed for the dbt virtualenv: install python3, or set PYTHON to its path.')
}

/** Installs `requirements` into `venvDir` unless the venv already holds exactly that file's pins. */
function ensureVenv(root, venvDir, requirements, what) {
  const bin = join(venvDir, 'bin')
  const digest = createHash('sha256').update(readFileSync(requirements)).digest('hex')
  const stamp = join(venvDir, '.requirements-digest')
  const dbt = join(bin, 'dbt')
  if (existsSync(dbt) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
    return { venvDir, bin, dbt }
  }
  console.log(`Setting up ${what} in ${venvDir.slice(root.length + 1)} (pinned in ${requirements.slice(root.length + 1)})...`)
  if (existsSync(venvDir)) rmSync(venvDir, { recursive: true, force: true })
  run(findPython(), ['-m', 'venv', venvDir], root)
  const pip = [join(bin, 'python'), '-m', 'pip', 'install', '--quiet', '--disable-pip-version-check']
  run(pip[0], [...pip.slice(1), '--no-deps', '-r', requirements], root)
  writeFileSync(stamp, digest)
  return { venvDir, bin, dbt }
}

/** Returns the main venv's paths, installing it first when missing or stale. */
export function ensurePythonEnv(root) {
  return ensureVenv(root, join(root, '.venv'), join(root, 'scripts', 'requirements.txt'), 'the dbt virtualenv')
}

/** The dbt-core versions of the compatibility suite that have a venv of their own, oldest first. */
export function compatVersions(root) {
  return readdirSync(join(root, 'scripts', 'compat'))
    .map((f) => /^requirements-dbt-(\d+\.\d+)\.txt$/.exec(f)?.[1])
    .filter(Boolean)
    .sort((a, b) => Number(a.split('.')[1]) - Number(b.split('.')[1]))
}

/** Returns the venv of one older dbt-core (e.g. '1.8'), installing it first when missing or stale. */
export function ensureCompatEnv(root, version) {
  const requirements = join(root, 'scripts', 'compat', `requirements-dbt-${version}.txt`)
  return ensureVenv(root, join(root, '.venv-compat', `dbt-${version}`), requirements, `dbt-core ${version}`)
}
