import * as exec from '@actions/exec'
import * as io from '@actions/io'
import { SetupError } from '../errors.js'

/** What a dbt invocation returned. */
export interface DbtExit {
  /** dbt's exit status: 0 success, 1 a node failed, 2 dbt itself failed. */
  exitCode: number
  /** The last lines dbt printed (the whole log also streams into the job log). */
  output: string
}

/** Runs dbt. The real one spawns the executable; tests may hand in another. */
export interface DbtProcess {
  /** Runs dbt with the argv in `cwd`, streaming its log, and resolves with its exit status. */
  run(args: string[], opts: { cwd: string; env: Record<string, string> }): Promise<DbtExit>
}

const KEPT_LINES = 200

/** Keeps the last lines of a stream. */
function tail(limit: number): { push(chunk: Buffer): void; text(): string } {
  const lines: string[] = []
  let partial = ''
  return {
    push(chunk) {
      const parts = (partial + chunk.toString('utf8')).split('\n')
      partial = parts.pop() ?? ''
      lines.push(...parts)
      if (lines.length > limit) lines.splice(0, lines.length - limit)
    },
    text: () => [...lines, partial].join('\n').trim()
  }
}

/** Finds the dbt executable (a path, or a name on PATH), failing with what to do when it is not there. */
async function locate(executable: string): Promise<string> {
  const found = await io.which(executable, false)
  if (!found) {
    throw new SetupError(
      `The dbt executable '${executable}' was not found${executable.includes('/') ? '' : ' on PATH'}. ` +
        `Install dbt and your adapter in an earlier step (e.g. 'pip install dbt-core dbt-postgres'), or set the input 'dbt-executable' to its path.`
    )
  }
  return found
}

/** The real dbt, run through @actions/exec with an argv (no shell). */
export function execDbtProcess(executable: string): DbtProcess {
  return {
    async run(args, opts) {
      const binary = await locate(executable)
      const kept = tail(KEPT_LINES)
      const exitCode = await exec.exec(binary, args, {
        cwd: opts.cwd,
        env: opts.env,
        ignoreReturnCode: true,
        listeners: { stdout: (d) => kept.push(d), stderr: (d) => kept.push(d) }
      })
      return { exitCode, output: kept.text() }
    }
  }
}
