/**
 * One dbt process for the dbt steps of a run, where dbt is a Python program (its executable a
 * script whose first line names its interpreter, as pip and pipx install it). The safety probe,
 * the schema claim, the clone, the build and the comparison then share one start of Python and
 * one parse of the project instead of paying for them once each: dbt's programmatic runner parses
 * with the flags every step shares (dbt/argv.ts `projectArgs`), and each step runs on its own copy
 * of that parse (session-host.ts). The build thus runs on the very parse the safety check read.
 *
 * A command that takes no parse (`deps`, `debug`), a step whose own flags would parse differently,
 * and a dbt that is no Python program (dbt Fusion) run as a process of their own, as before; the
 * session is closed first, so no two dbt processes hold the warehouse at once. If the session's
 * process dies, the step it ran fails as a killed dbt does, and later steps run as processes of
 * their own.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import * as io from '@actions/io'
import { isParseFlag } from './argv.js'
import {
  checkCwd,
  execDbtProcess,
  exitOf,
  lineSplitter,
  stepOutput,
  type DbtExit,
  type DbtProcess,
  type DbtRunOptions,
  type Scrub
} from './process.js'
import { HOST_SCRIPT } from './session-host.js'

/** dbt commands that run on a parsed project, and so may run in the session. */
const SESSION_COMMANDS = new Set(['build', 'run', 'test', 'seed', 'snapshot', 'compile', 'show', 'ls', 'list', 'clone', 'run-operation'])
/** How long a session's process has to exit once its input is closed, before it is stopped. */
const CLOSE_GRACE_MS = 10_000

/** dbt, run in one session where it can be. */
export interface DbtSession extends DbtProcess {
  /** Ends the session's process (when one runs) and waits for it. */
  close(): Promise<void>
}

/** The Python interpreter of a dbt that is a Python console script, else undefined. */
export async function pythonOf(executable: string): Promise<string | undefined> {
  const path = executable.includes('/') ? executable : await io.which(executable, false).catch(() => '')
  if (!path) return undefined
  let first: string
  try {
    first = readFileSync(path).subarray(0, 512).toString('utf8').split('\n')[0]
  } catch {
    return undefined
  }
  const shebang = /^#!\s*(\S+)(?:\s+(\S+))?/.exec(first)
  if (!shebang) return undefined
  const interpreter = shebang[1].endsWith('/env') ? shebang[2] : shebang[1]
  return interpreter && /python[0-9.]*$/.test(interpreter) ? interpreter : undefined
}

/** Whether a step may run in the session: a command on a parsed project, parsed with the shared flags alone. */
export function sessionEligible(args: readonly string[], opts: Pick<DbtRunOptions, 'shared'>): boolean {
  if (!opts.shared || !SESSION_COMMANDS.has(args[0])) return false
  const own = args.slice(0, args.length - opts.shared.parse.length)
  return !own.some(isParseFlag)
}

/** The step the session's process is running: where its lines go, and what to do when it ends. */
interface Running {
  print: (line: string) => void
  end: (exit: { exitCode: number; signal?: string }) => void
}

/** The session's Python process. */
class Host {
  readonly child: ChildProcessWithoutNullStreams
  private readonly nonce = randomBytes(16).toString('hex')
  private running?: Running
  private exit?: { exitCode: number; signal?: string }
  private closed: Promise<void>
  /** Resolves with whether dbt's programmatic runner is there to take steps. */
  readonly ready: Promise<boolean>

  constructor(
    python: string,
    readonly cwd: string,
    readonly env: Record<string, string>,
    private readonly idle: (line: string) => void
  ) {
    this.child = spawn(python, ['-u', '-c', HOST_SCRIPT, this.nonce], { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] })
    let answer: (ok: boolean) => void = () => {}
    this.ready = new Promise((resolve) => (answer = resolve))
    const stdout = lineSplitter((line) => this.line(line, answer))
    const stderr = lineSplitter((line) => this.print(line))
    this.child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk))
    this.child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk))
    this.child.stdin.on('error', () => {}) // a dead process: its exit is reported below
    this.closed = new Promise((resolve) => {
      // Not started at all (its interpreter missing): the step runs as a process, which says why.
      this.child.on('error', () => {
        this.exit ??= { exitCode: 2 }
        answer(false)
        resolve()
      })
      this.child.on('close', (code, signal) => {
        stdout.end()
        stderr.end()
        this.exit = exitOf(code, signal)
        answer(false)
        if (this.running && !this.exit.signal)
          this.running.print(`dbt's session process exited (code ${this.exit.exitCode}) before the step finished.`)
        // A step cut short failed as dbt itself fails (2), never as a node does (1), nor succeeded.
        this.finish(this.exit.signal ? this.exit : { exitCode: 2 })
        resolve()
      })
    })
  }

  /** Whether the process is still there to take a step. */
  get alive(): boolean {
    return this.exit === undefined
  }

  private line(line: string, answer: (ok: boolean) => void): void {
    const at = line.indexOf(this.nonce)
    const before = at < 0 ? line : line.slice(0, at)
    if (before) this.print(before)
    if (at < 0) return
    const [word, value] = line.slice(at + this.nonce.length + 1).split(' ')
    if (word === 'ready') answer(true)
    else if (word === 'unavailable') answer(false)
    else if (word === 'done') this.finish({ exitCode: Number(value) })
  }

  /** A line of dbt's: the running step's, or shown in the log between steps. */
  private print(line: string): void {
    if (this.running) this.running.print(line)
    else this.idle(line)
  }

  private finish(exit: { exitCode: number; signal?: string }): void {
    const running = this.running
    this.running = undefined
    running?.end(exit)
  }

  /** Runs one step and resolves with dbt's exit once the host says it is done (or died). */
  step(
    args: string[],
    shared: NonNullable<DbtRunOptions['shared']>,
    print: (line: string) => void
  ): Promise<{ exitCode: number; signal?: string }> {
    const { parse, targetDir, reads = 'all' } = shared
    return new Promise((end) => {
      if (this.exit) return end(this.exit.signal ? this.exit : { exitCode: 2 })
      this.running = { print, end }
      this.child.stdin.write(`${JSON.stringify({ args, parse, targetDir, reads })}\n`)
    })
  }

  /** Closes its input and waits for it to exit, stopping it after a grace period. */
  async close(): Promise<void> {
    if (this.alive) {
      this.child.stdin.end()
      const stop = setTimeout(() => this.child.kill('SIGTERM'), CLOSE_GRACE_MS)
      await this.closed
      clearTimeout(stop)
    }
  }
}

function sameEnv(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a)
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k])
}

/**
 * dbt for a run: steps that can share a parse run in one session of dbt's own Python, the others
 * through `spawned` (a process each). Output is scrubbed and shown as {@link execDbtProcess} does.
 */
export function dbtSession(
  executable: string,
  scrub: Scrub = (text) => text,
  show: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
  spawned: DbtProcess = execDbtProcess(executable, scrub, show)
): DbtSession {
  let host: Host | undefined
  let off = false
  let queue: Promise<unknown> = Promise.resolve()

  const closeHost = async (): Promise<void> => {
    const open = host
    host = undefined
    await open?.close()
  }
  // A start that `warm` began is waited for, and ended too: a run that fails before its first
  // dbt step must not leave dbt's Python behind (the action would never exit).
  const close = async (): Promise<void> => {
    await starting?.catch(() => undefined)
    await closeHost()
  }

  let starting: Promise<Host | undefined> | undefined
  const hostFor = (opts: Pick<DbtRunOptions, 'cwd' | 'env'>): Promise<Host | undefined> => {
    // One start at a time: a step waits for the start `warm` began.
    const before = starting?.catch(() => undefined) ?? Promise.resolve(undefined)
    starting = before.then(() => startOrReuse(opts))
    return starting
  }

  const startOrReuse = async (opts: Pick<DbtRunOptions, 'cwd' | 'env'>): Promise<Host | undefined> => {
    if (host && (!host.alive || host.cwd !== opts.cwd || !sameEnv(host.env, opts.env))) await closeHost()
    if (host || off) return host
    const python = await pythonOf(executable)
    if (!python) return void (off = true)
    checkCwd(opts.cwd)
    const started = new Host(python, opts.cwd, opts.env, (line) => show(scrub(line)))
    if (!(await started.ready)) {
      off = true
      await started.close()
      return undefined
    }
    return (host = started)
  }

  const runOne = async (args: string[], opts: DbtRunOptions): Promise<DbtExit> => {
    const session = sessionEligible(args, opts) ? await hostFor(opts) : undefined
    if (!session || !opts.shared) {
      await close()
      return spawned.run(args, opts)
    }
    const { print, kept } = stepOutput(scrub, show, opts)
    const exit = await session.step(args, opts.shared, print)
    if (!session.alive) off = true
    return { ...exit, output: kept.text() }
  }

  return {
    run(args, opts) {
      const next = queue.then(() => runOne(args, opts))
      queue = next.catch(() => undefined)
      return next
    },
    close,
    warm(opts) {
      hostFor(opts).catch(() => undefined)
    },
    async inSession(opts) {
      return (await hostFor(opts).catch(() => undefined)) !== undefined
    }
  }
}
