/**
 * Running dbt: an argv array, no shell, the executable resolved with @actions/io, an explicit
 * working directory. It is started with Node's spawn rather than @actions/exec because exec
 * reports only an exit code (its exit and close handlers drop the signal), and the action must
 * say which signal killed dbt. Output is printed line by line through the run's scrubber.
 */
import { spawn } from 'node:child_process'
import { statSync } from 'node:fs'
import { constants } from 'node:os'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import { StringDecoder } from 'node:string_decoder'
import * as io from '@actions/io'
import { SetupError } from '../errors.js'

/** What a dbt invocation returned. */
export interface DbtExit {
  /** dbt's exit status: 0 success, 1 a node failed, 2 dbt itself failed; 128 + the signal's number when a signal killed it. */
  exitCode: number
  /** The signal that killed dbt (e.g. `SIGKILL`), when one did. */
  signal?: string
  /** The last lines dbt printed, scrubbed (the whole log also streams into the job log). */
  output: string
}

/** Runs dbt. The real one spawns the executable; tests may hand in another. */
export interface DbtProcess {
  /** Runs dbt with the argv in `cwd`, streaming its log, and resolves with its exit status. */
  run(args: string[], opts: DbtRunOptions): Promise<DbtExit>
  /** Ends what the process keeps running between steps (a dbt session), when it keeps anything. */
  close?(): Promise<void>
  /**
   * Starts what the steps run in (a dbt session's Python, which imports dbt) while the action does
   * other work, so the first step does not wait for it. Never fails: a start that goes wrong is
   * met again, and handled, by the first step.
   */
  warm?(opts: Pick<DbtRunOptions, 'cwd' | 'env'>): void
  /** Whether steps that share the parse flags run in one session of dbt (its Python started, if need be, to know). */
  inSession?(opts: Pick<DbtRunOptions, 'cwd' | 'env'>): Promise<boolean>
}

/** How one dbt invocation runs. */
export interface DbtRunOptions {
  cwd: string
  env: Record<string, string>
  /** Receives every line dbt prints (scrubbed), for a step that reads dbt's output (`dbt ls`). */
  onLine?: (line: string) => void
  /** The lines dbt prints are not shown in the log (still kept, and still passed to `onLine`). */
  quiet?: boolean
  /**
   * The flags that shape dbt's parse of the project (project, profiles, target, vars), and the
   * step's target directory: a step that gives them may run on a parse shared with the run's other
   * steps (see dbt/session.ts). The argv ends with these flags. `reads` is what the action reads
   * of the target directory after the step; a step run on the shared parse writes only that.
   */
  shared?: { parse: string[]; targetDir: string; reads?: StepReads }
}

/**
 * What the action reads of a step's target directory afterwards: every artifact dbt writes, only
 * `run_results.json`, or nothing (the step's output, or what it did to the warehouse, is all).
 */
export type StepReads = 'all' | 'run-results' | 'nothing'

/** Replaces the secrets in one line of dbt's output before it is printed or kept. */
export type Scrub = (text: string) => string

const KEPT_LINES = 200
/** How long to wait for dbt's output streams to close after it exited (a child of dbt may hold them). */
const STREAMS_GRACE_MS = 10_000

/** Why a signal may have killed dbt, by signal. */
const SIGNAL_CAUSES: Record<string, string> = {
  SIGKILL: 'killed by SIGKILL (out of memory or cancelled?)',
  SIGTERM: 'stopped by SIGTERM (the job was cancelled or timed out?)',
  SIGINT: 'interrupted by SIGINT (the job was cancelled?)',
  SIGSEGV: 'crashed with SIGSEGV (a fault in Python or in a native library of the adapter)',
  SIGABRT: 'aborted with SIGABRT (a fault in Python or in a native library of the adapter)'
}

/** Explains the signal that killed dbt, e.g. `dbt was killed by SIGKILL (out of memory or cancelled?)`. */
export function describeSignal(signal: string): string {
  return `dbt was ${SIGNAL_CAUSES[signal] ?? `killed by ${signal}`}`
}

/** Keeps the last lines of dbt's output. */
function tail(limit: number): { push(line: string): void; text(): string } {
  const lines: string[] = []
  return {
    push(line) {
      lines.push(line)
      if (lines.length > limit) lines.splice(0, lines.length - limit)
    },
    text: () => lines.join('\n').trim()
  }
}

/**
 * Cuts one output stream into whole lines (UTF-8 decoded across chunks), so that a secret
 * written in two pieces is scrubbed as one line and never printed half by half.
 */
export function lineSplitter(onLine: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  const decoder = new StringDecoder('utf8')
  let partial = ''
  return {
    push(chunk) {
      const lines = (partial + decoder.write(chunk)).split('\n')
      partial = lines.pop() ?? ''
      for (const line of lines) onLine(line)
    },
    end() {
      const rest = partial + decoder.end()
      partial = ''
      if (rest) onLine(rest)
    }
  }
}

/** A path (rather than a name looked up on PATH); a relative one is taken from the workspace. */
function asPath(executable: string): string | undefined {
  if (isAbsolute(executable)) return executable
  return /[\\/]/.test(executable) ? resolve(executable) : undefined
}

type Found = 'missing' | 'directory' | 'not-executable'

function inspect(path: string): Found {
  try {
    return statSync(path).isDirectory() ? 'directory' : 'not-executable'
  } catch {
    return 'missing'
  }
}

/** The first entry named `name` in the directories of PATH, whatever it is. */
function onPath(name: string, env: Record<string, string>): string | undefined {
  const dirs = (env.PATH ?? env.Path ?? '').split(delimiter).filter(Boolean)
  return dirs.map((dir) => join(dir, name)).find((candidate) => inspect(candidate) !== 'missing')
}

/** Why `executable` could not be used, and what to do. */
function unusable(executable: string, env: Record<string, string>): SetupError {
  const path = asPath(executable)
  const candidate = path ?? onPath(executable, env)
  const found = candidate ? inspect(candidate) : 'missing'
  const where = candidate && candidate !== executable ? ` (${candidate})` : ''
  if (found === 'directory') {
    return new SetupError(
      `The dbt executable '${executable}'${where} is a directory, not a program. ` +
        `Set the input 'dbt-executable' to the dbt program itself, e.g. '${join(executable, 'bin', 'dbt')}' for a virtualenv, or leave it empty to use dbt on PATH.`,
      { input: 'dbt-executable' }
    )
  }
  if (found === 'not-executable') {
    return new SetupError(
      `The dbt executable '${executable}'${where} exists but is not executable. ` +
        `Make it executable ('chmod +x ${candidate}') in an earlier step, or point the input 'dbt-executable' at the right file (e.g. the virtualenv's bin/dbt).`,
      { input: 'dbt-executable' }
    )
  }
  return new SetupError(
    `The dbt executable '${executable}' was not found${path ? (where ? ` at ${path}` : '') : ' on PATH'}. ` +
      `Install dbt and your adapter in an earlier step (e.g. 'pip install dbt-core dbt-postgres'), or set the input 'dbt-executable' to its path.`,
    { input: 'dbt-executable' }
  )
}

/** Finds the dbt executable (a path, or a name on PATH), failing with what to do when it is not there. */
export async function locate(executable: string, env: Record<string, string>): Promise<string> {
  const found = await io.which(asPath(executable) ?? executable, false)
  if (!found) throw unusable(executable, env)
  return found
}

/** A failure to start a program that was found: its interpreter is missing, or the system refused. */
export function startFailure(binary: string, error: NodeJS.ErrnoException): SetupError {
  const hint =
    error.code === 'ENOENT'
      ? 'If it is a script, the interpreter on its first line (#!) is missing, e.g. a virtualenv made at another path: create the virtualenv in this job.'
      : error.code === 'EACCES'
        ? 'The system refused to run it: check that its file system is not mounted noexec and that its directories may be searched.'
        : 'Check that it is a program for this runner.'
  return new SetupError(`The dbt executable '${binary}' could not be started (${error.message}). ${hint}`, { input: 'dbt-executable' })
}

/** dbt's exit as {@link DbtExit} numbers: a signal becomes 128 + its number, as shells report it. */
export function exitOf(code: number | null, signal: NodeJS.Signals | null): { exitCode: number; signal?: string } {
  if (code !== null) return { exitCode: code }
  const name = signal ?? 'SIGKILL'
  return { exitCode: 128 + (constants.signals[name as NodeJS.Signals] ?? 0), signal: name }
}

/** Spawns the program and feeds its two streams to their splitters until it has exited and they closed. */
function spawnAndWait(
  binary: string,
  args: string[],
  opts: { cwd: string; env: Record<string, string> },
  streams: { stdout: ReturnType<typeof lineSplitter>; stderr: ReturnType<typeof lineSplitter> }
): Promise<{ exitCode: number; signal?: string }> {
  return new Promise((settle, fail) => {
    const child = spawn(binary, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (chunk: Buffer) => streams.stdout.push(chunk))
    child.stderr.on('data', (chunk: Buffer) => streams.stderr.push(chunk))
    let grace: NodeJS.Timeout | undefined
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(grace)
      streams.stdout.end()
      streams.stderr.end()
      settle(exitOf(code, signal))
    }
    child.on('error', (error) => fail(startFailure(binary, error)))
    child.on('exit', () => (grace = setTimeout(() => finish(child.exitCode, child.signalCode), STREAMS_GRACE_MS)))
    child.on('close', finish)
  })
}

/** Refuses a working directory that is not there before anything is spawned (spawn would blame dbt). */
export function checkCwd(cwd: string): void {
  if (inspect(cwd) !== 'directory') {
    throw new SetupError(`dbt cannot run in '${cwd}': no such directory. Check the input 'project-dir'.`, { input: 'project-dir' })
  }
}

/** Where one step's lines go: scrubbed, kept (the last {@link KEPT_LINES}), passed on, and shown unless quiet. */
export function stepOutput(
  scrub: Scrub,
  show: (line: string) => void,
  opts: Pick<DbtRunOptions, 'onLine' | 'quiet'>
): { print: (line: string) => void; kept: ReturnType<typeof tail> } {
  const kept = tail(KEPT_LINES)
  const print = (line: string) => {
    const clean = scrub(line)
    kept.push(clean)
    opts.onLine?.(clean)
    if (!opts.quiet) show(clean)
  }
  return { print, kept }
}

/**
 * The real dbt, spawned with an argv (no shell). dbt's stdout and stderr go to this process's
 * stdout (the job log) line by line, each line through `scrub`, and the last lines are kept
 * (scrubbed) in {@link DbtExit.output}; `show` replaces printing them (the command-line tool keeps
 * its own dbt steps quiet). A relative `executable` path is taken from the workspace (the
 * current directory).
 */
export function execDbtProcess(
  executable: string,
  scrub: Scrub = (text) => text,
  show: (line: string) => void = (line) => process.stdout.write(`${line}\n`)
): DbtProcess {
  return {
    async run(args, opts) {
      const binary = await locate(executable, opts.env)
      checkCwd(opts.cwd)
      const { print, kept } = stepOutput(scrub, show, opts)
      const exit = await spawnAndWait(binary, args, opts, { stdout: lineSplitter(print), stderr: lineSplitter(print) })
      return { ...exit, output: kept.text() }
    }
  }
}
