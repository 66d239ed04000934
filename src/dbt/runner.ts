/**
 * Runs the dbt steps of one action run. Every step gets a fresh target directory of the
 * action's own (`--target-path`), so the artifacts found there after the step are that step's
 * and no other's; each step after the first starts from the previous one's partial-parse file.
 */
import type { Logger } from '../logger.js'
import type { ActionDirs } from '../run/dirs.js'
import type { DbtSettings } from '../settings.js'
import { projectArgs } from './argv.js'
import type { DbtExit, DbtProcess, DbtRunOptions, StepReads } from './process.js'

/** One dbt step that ran. */
export interface DbtStep {
  /** dbt's exit. */
  exit: DbtExit
  /** The step's own target directory, holding what dbt wrote. */
  targetDir: string
}

/** Runs named dbt steps in the project. */
export interface DbtRunner {
  /**
   * Runs `dbt <args>` with `--target-path` set to a fresh directory of the step's own, and the
   * project, profiles and target flags of the settings. `logAs` replaces the argv in the log
   * (for inline SQL too long to be worth reading there).
   */
  step(name: string, args: string[], opts?: StepOptions): Promise<DbtStep>
  /**
   * A fresh target directory for a step run by other means than `dbt <args>` (dbt's programmatic
   * runner), seeded and followed like a step's.
   */
  scratch(name: string): string
  /** Seeds the next step with the partial-parse file in `dir` (one restored from the parse cache). */
  startFrom(dir: string): void
  /** Whether the steps run in a dbt session, on a parse they share, rather than as a process each. */
  inSession?(): Promise<boolean>
}

/** How a step runs: what its log line says, and whether its output is read or shown. */
export interface StepOptions extends Pick<DbtRunOptions, 'onLine' | 'quiet'> {
  /** Replaces the argv in the log (for inline SQL too long to be worth reading there). */
  logAs?: string
  /**
   * What is read of the step's target directory afterwards ('all' when not given). dbt's
   * manifest.json and graph take long to write on a big project; a step in the dbt session
   * writes only what is read. A step run as a process of its own writes all it always wrote.
   */
  reads?: StepReads
}

/** What the runner needs. */
export interface DbtRunnerDeps {
  process: DbtProcess
  dbt: Pick<DbtSettings, 'executable' | 'projectDir' | 'profilesDir' | 'target' | 'extraArgs'>
  env: Record<string, string>
  dirs: Pick<ActionDirs, 'dbtTarget'>
  log: Logger
}

/** dbt commands that write no artifacts and take no `--target-path`. */
const NO_TARGET_PATH = new Set(['deps', 'clean', 'debug', 'init'])

/** Where `--target-path` goes: right after the dbt command, before its other flags. */
function withTargetPath(args: string[], targetDir: string): string[] {
  return NO_TARGET_PATH.has(args[0]) ? args : [args[0], '--target-path', targetDir, ...args.slice(1)]
}

/** The runner of one action run. */
export function dbtRunner(deps: DbtRunnerDeps): DbtRunner {
  let previous: string | undefined
  return {
    async step(name, args, opts = {}) {
      const targetDir = deps.dirs.dbtTarget(name, previous)
      const parse = projectArgs(deps.dbt)
      const argv = withTargetPath([...args, ...parse], targetDir)
      deps.log.info(`Running: ${deps.dbt.executable} ${opts.logAs ?? argv.join(' ')}`)
      const exit = await deps.process.run(argv, {
        cwd: deps.dbt.projectDir,
        env: deps.env,
        onLine: opts.onLine,
        quiet: opts.quiet,
        shared: { parse, targetDir, reads: opts.reads ?? 'all' }
      })
      previous = targetDir
      return { exit, targetDir }
    },
    scratch(name) {
      previous = deps.dirs.dbtTarget(name, previous)
      return previous
    },
    startFrom(dir) {
      previous = dir
    },
    async inSession() {
      return (await deps.process.inSession?.({ cwd: deps.dbt.projectDir, env: deps.env })) ?? false
    }
  }
}
