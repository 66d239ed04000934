import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The repository root. */
export const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The example dbt project (the demo and the fixture of the integration tests). */
export const exampleDir = join(repoRoot, 'example')

/** The bundled action, run by the end-to-end tests as the runner runs it. */
export const distEntry = join(repoRoot, 'dist', 'index.js')

/** The project-local virtualenv's bin directory (created by scripts/run.mjs). */
export function venvBin(): string {
  const venv = process.env.DBT_DEFER_TEST_VENV ?? join(repoRoot, '.venv')
  const bin = join(venv, 'bin')
  if (!existsSync(join(bin, 'dbt'))) {
    throw new Error(`No dbt in ${bin}: run the tests through 'npm test', which creates the virtualenv.`)
  }
  return bin
}

/** The dbt executable of the virtualenv. */
export function dbtExecutable(): string {
  return join(venvBin(), 'dbt')
}
