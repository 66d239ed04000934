import { spawn } from 'node:child_process'
import type { DbtProcess } from '../../src/dbt/process.js'
import { dbtExecutable } from './paths.js'

/** The action's DbtProcess over the virtualenv's real dbt (tests only; the action runs dbt through src/dbt/process.ts). */
export function venvDbt(): DbtProcess {
  return {
    run: (args, opts) =>
      new Promise((resolve, reject) => {
        const child = spawn(dbtExecutable(), args, { cwd: opts.cwd, env: opts.env })
        let output = ''
        child.stdout.on('data', (d) => (output += d))
        child.stderr.on('data', (d) => (output += d))
        child.on('error', reject)
        child.on('close', (code) => resolve({ exitCode: code ?? 1, output }))
      })
  }
}
