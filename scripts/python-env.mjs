// Creates (or reuses) the project-local virtualenv `.venv` with the pinned dbt toolchain from
// scripts/requirements.txt. A digest of that file is kept in the venv, so an edit reinstalls.
import { spawnSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
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

/** Returns the venv's paths, installing it first when missing or stale. */
export function ensurePythonEnv(root) {
  const venvDir = join(root, '.venv')
  const bin = join(venvDir, 'bin')
  const requirements = join(root, 'scripts', 'requirements.txt')
  const digest = createHash('sha256').update(readFileSync(requirements)).digest('hex')
  const stamp = join(venvDir, '.requirements-digest')
  const dbt = join(bin, 'dbt')
  if (existsSync(dbt) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
    return { venvDir, bin, dbt }
  }
  console.log('Setting up the dbt virtualenv in .venv (pinned in scripts/requirements.txt)...')
  if (existsSync(venvDir)) rmSync(venvDir, { recursive: true, force: true })
  run(findPython(), ['-m', 'venv', venvDir], root)
  run(join(bin, 'python'), ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements], root)
  writeFileSync(stamp, digest)
  return { venvDir, bin, dbt }
}
