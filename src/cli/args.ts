/**
 * The command line of `dbt-defer`: the tool's own few flags are taken out, everything else is
 * dbt's and is passed on unchanged, one argv element each. Pure.
 */
import { InputError } from '../errors.js'

/** dbt commands that take `--defer --state`: the tool fetches the baseline for these. */
const DEFER_COMMANDS = new Set(['build', 'run', 'test', 'seed', 'snapshot', 'compile', 'show', 'list', 'ls'])
/** dbt commands that write relations: the safety check runs before them. */
const WRITE_COMMANDS = new Set(['build', 'run', 'test', 'seed', 'snapshot'])
/** dbt commands whose run_results the resolution report is made from. */
const REPORT_COMMANDS = new Set(['build', 'run', 'test', 'seed', 'snapshot', 'compile'])
/** Every dbt command name, to find the command among global flags. */
const DBT_COMMANDS = new Set([
  ...DEFER_COMMANDS,
  'clone',
  'docs',
  'source',
  'run-operation',
  'deps',
  'clean',
  'debug',
  'init',
  'parse',
  'retry'
])

/** What dbt is asked to do, and the flags of it the tool reads. */
export interface DbtInvocation {
  /** dbt's arguments as given, less the tool's own flags. */
  args: string[]
  /** The dbt command (build, run, ...), when one is recognised. */
  command?: string
  /** `--no-defer` was given: dbt runs as given, without a baseline. */
  noDefer: boolean
  /** `--favor-state` was given. */
  favorState: boolean
  /** Values of dbt's own flags the tool needs to find the project, profile and artifacts. */
  projectDir?: string
  profilesDir?: string
  target?: string
  targetPath?: string
  /** `--select`/`-s` values, for the report's header. */
  select: string[]
  /** `--exclude` values. */
  exclude: string[]
}

/** What the command line asks for. */
export type CliRequest =
  | { kind: 'help' }
  | { kind: 'version' }
  | { kind: 'status'; dbt: DbtInvocation; refresh: boolean }
  | { kind: 'clean'; dbt: DbtInvocation }
  | { kind: 'dbt'; dbt: DbtInvocation; refresh: boolean; reportJson?: string }

/** Whether the command takes `--defer --state`. */
export const defersFor = (command: string | undefined): boolean => command !== undefined && DEFER_COMMANDS.has(command)
/** Whether the command writes relations. */
export const writesFor = (command: string | undefined): boolean => command !== undefined && WRITE_COMMANDS.has(command)
/** Whether the command's run_results make a report. */
export const reportsFor = (command: string | undefined): boolean => command !== undefined && REPORT_COMMANDS.has(command)

/** The value of `--name value` or `--name=value` at `i`, with how many elements it took. */
function valueAt(args: string[], i: number, names: string[]): { value: string; used: number } | undefined {
  const arg = args[i]
  for (const name of names) {
    if (arg === name) {
      if (i + 1 >= args.length || args[i + 1].startsWith('-')) throw new InputError(name, '', `Expected a value after ${name}.`)
      return { value: args[i + 1], used: 2 }
    }
    if (arg.startsWith(`${name}=`)) return { value: arg.slice(name.length + 1), used: 1 }
  }
  return undefined
}

/** The values after a selection flag, up to the next flag (dbt takes several). */
function selectionAt(args: string[], i: number, names: string[]): string[] | undefined {
  if (!names.includes(args[i])) {
    const eq = names.find((n) => args[i].startsWith(`${n}=`))
    return eq ? [args[i].slice(eq.length + 1)] : undefined
  }
  const values: string[] = []
  for (let j = i + 1; j < args.length && !args[j].startsWith('-'); j++) values.push(args[j])
  return values
}

/** Reads dbt's arguments for the flags the tool needs; refuses flags the tool supplies itself. */
export function readDbtInvocation(args: string[]): DbtInvocation {
  const inv: DbtInvocation = { args, noDefer: false, favorState: false, select: [], exclude: [] }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (inv.command === undefined && DBT_COMMANDS.has(arg)) inv.command = arg
    if (arg === '--no-defer') inv.noDefer = true
    if (arg === '--favor-state') inv.favorState = true
    for (const owned of ['--state', '--defer-state']) {
      if (arg === owned || arg.startsWith(`${owned}=`)) {
        throw new InputError(
          owned,
          args[i + 1] && arg === owned ? args[i + 1] : arg.slice(owned.length + 1),
          "Expected no state directory: dbt-defer passes the deferred environment's own (drop the flag, or run dbt itself)."
        )
      }
    }
    const flags: Array<[keyof DbtInvocation, string[]]> = [
      ['projectDir', ['--project-dir']],
      ['profilesDir', ['--profiles-dir']],
      ['target', ['--target', '-t']],
      ['targetPath', ['--target-path']]
    ]
    for (const [field, names] of flags) {
      const found = valueAt(args, i, names)
      if (found) (inv as unknown as Record<string, string>)[field] = found.value
    }
    const select = selectionAt(args, i, ['--select', '-s', '--models', '-m'])
    if (select) inv.select.push(...select)
    const exclude = selectionAt(args, i, ['--exclude'])
    if (exclude) inv.exclude.push(...exclude)
  }
  return inv
}

/** Takes the tool's own flags out of the command line. */
function ownFlags(argv: string[]): { rest: string[]; refresh: boolean; reportJson?: string } {
  const rest: string[] = []
  let refresh = false
  let reportJson: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const found = valueAt(argv, i, ['--report-json'])
    if (found) {
      reportJson = found.value
      i += found.used - 1
    } else if (argv[i] === '--refresh-baseline') refresh = true
    else rest.push(argv[i])
  }
  return { rest, refresh, reportJson }
}

/** Parses the whole command line of `dbt-defer`. */
export function parseCommandLine(argv: string[]): CliRequest {
  const first = argv[0]
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') return { kind: 'help' }
  if (first === '--version' || first === '-V') return { kind: 'version' }
  const { rest, refresh, reportJson } = ownFlags(argv)
  if (rest[0] === 'status') return { kind: 'status', dbt: readDbtInvocation(rest.slice(1)), refresh }
  if (rest[0] === 'clean') {
    // `dbt-defer clean` is the guarded drop; dbt's own `clean` (target/ and dbt_packages/) is `dbt clean`.
    return { kind: 'clean', dbt: readDbtInvocation(rest.slice(1)) }
  }
  const dbt = readDbtInvocation(rest)
  if (!dbt.command) {
    throw new InputError(
      'command',
      rest.join(' '),
      "Expected a dbt command (e.g. 'dbt-defer build -s my_model'), 'status', 'clean' or '--help'."
    )
  }
  return { kind: 'dbt', dbt, refresh, reportJson }
}

/** dbt's arguments with defer added: `--defer --state <dir>`, unless `--no-defer` was given or there is no baseline. */
export function withDefer(inv: DbtInvocation, stateDir: string | undefined): string[] {
  if (inv.noDefer || !stateDir) return inv.args
  const defer = inv.args.includes('--defer') ? [] : ['--defer']
  return [...inv.args, ...defer, '--state', stateDir]
}
