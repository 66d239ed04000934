import type { DbtSettings } from '../settings.js'

/** How the main dbt command should treat state and deferral. */
export type StateMode =
  /** Defer to (or compare with) the baseline in this directory. */
  | { kind: 'baseline'; stateDir: string }
  /** No baseline exists and `if-no-baseline: build-all`: a full build with no state at all. */
  | { kind: 'build-all' }

/** dbt's flags that change how it parses the project and that take a value (`--vars '{x: 1}'`, `--vars={x: 1}`). */
const PARSE_VALUE_FLAGS = ['--vars', '--partial-parse-file-path', '--warn-error-options', '--v2-parser']
/** dbt's switches that change how it parses the project. */
const PARSE_SWITCHES = [
  '--partial-parse',
  '--no-partial-parse',
  '--partial-parse-file-diff',
  '--no-partial-parse-file-diff',
  '--static-parser',
  '--no-static-parser',
  '--use-experimental-parser',
  '--no-use-experimental-parser',
  '--use-v2-parser',
  '--no-use-v2-parser',
  '--warn-error',
  '--show-all-deprecations',
  '--no-show-all-deprecations'
]

/** Whether an argument is one of dbt's flags that shape its parse (`--profile` is owned and refused earlier). */
export function isParseFlag(arg: string): boolean {
  const name = arg.split('=')[0]
  return PARSE_VALUE_FLAGS.includes(name) || PARSE_SWITCHES.includes(arg)
}

/**
 * Splits `extra-args` into the flags that shape dbt's parse of the project (`--vars` above all:
 * it changes what schemas and configs render to) and the rest, which only the main command gets.
 */
export function splitParseFlags(extraArgs: readonly string[]): { parse: string[]; rest: string[] } {
  const parse: string[] = []
  const rest: string[] = []
  for (let i = 0; i < extraArgs.length; i++) {
    const arg = extraArgs[i]
    if (PARSE_VALUE_FLAGS.includes(arg) && i + 1 < extraArgs.length) parse.push(arg, extraArgs[++i])
    else if (isParseFlag(arg)) parse.push(arg)
    else rest.push(arg)
  }
  return { parse, rest }
}

/**
 * Flags shared by every dbt command the action runs: where the project, profiles and target are,
 * and the flags of `extra-args` that shape the parse. Every step parses the project as the main
 * command does, so the safety probe sees the schemas the build will write to, and the steps can
 * share one parse.
 */
export function projectArgs(dbt: Pick<DbtSettings, 'projectDir' | 'profilesDir' | 'target' | 'extraArgs'>): string[] {
  const args = ['--project-dir', dbt.projectDir]
  if (dbt.profilesDir) args.push('--profiles-dir', dbt.profilesDir)
  if (dbt.target) args.push('--target', dbt.target)
  return [...args, ...splitParseFlags(dbt.extraArgs).parse]
}

function selectionArgs(dbt: DbtSettings): string[] {
  if (dbt.selector) return ['--selector', dbt.selector]
  return dbt.select.length > 0 ? ['--select', ...dbt.select] : []
}

function stateArgs(dbt: DbtSettings, state: StateMode): string[] {
  if (state.kind === 'build-all') return ['--no-defer']
  const args = ['--state', state.stateDir, dbt.defer ? '--defer' : '--no-defer']
  if (dbt.defer && dbt.favorState) args.push('--favor-state')
  return args
}

/**
 * The argv (after the executable) of the main dbt command, without the project, profiles,
 * target and target-path flags, which the step runner adds. A full build (no baseline) drops
 * the selection, since state selectors need a comparison manifest; exclusions still apply.
 */
export function buildDbtArgs(dbt: DbtSettings, state: StateMode): string[] {
  const selection = state.kind === 'build-all' ? [] : selectionArgs(dbt)
  const exclude = dbt.exclude.length > 0 ? ['--exclude', ...dbt.exclude] : []
  return [dbt.command, ...selection, ...exclude, ...stateArgs(dbt, state), ...splitParseFlags(dbt.extraArgs).rest]
}

/** What a clone keeps of the build's selection: the incremental models that exist in the baseline. */
export const CLONE_INCREMENTAL_FILTER = 'config.materialized:incremental,state:old'

/**
 * The argv of `dbt clone` run before the build when `clone-incremental` is on: exactly the
 * incremental models the build itself selects (each selection value intersected with the
 * filter, the build's exclusions kept), so the clone never reaches past the build. Undefined
 * when the build names a YAML selector, which cannot be intersected on the command line.
 */
export function buildCloneArgs(dbt: Pick<DbtSettings, 'select' | 'exclude' | 'selector'>, stateDir: string): string[] | undefined {
  if (dbt.selector) return undefined
  const select = dbt.select.map((value) => `${value},${CLONE_INCREMENTAL_FILTER}`)
  const exclude = dbt.exclude.length > 0 ? ['--exclude', ...dbt.exclude] : []
  return ['clone', '--select', ...select, ...exclude, '--state', stateDir]
}

/** The argv of `dbt deps`. */
export function buildDepsArgs(): string[] {
  return ['deps']
}
