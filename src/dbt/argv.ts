import type { DbtSettings } from '../settings.js'

/** How the main dbt command should treat state and deferral. */
export type StateMode =
  /** Defer to (or compare with) the baseline in this directory. */
  | { kind: 'baseline'; stateDir: string }
  /** No baseline exists and `if-no-baseline: build-all`: a full build with no state at all. */
  | { kind: 'build-all' }

/** Flags shared by every dbt command the action runs: where the project, profiles and target are. */
export function projectArgs(dbt: Pick<DbtSettings, 'projectDir' | 'profilesDir' | 'target'>): string[] {
  const args = ['--project-dir', dbt.projectDir]
  if (dbt.profilesDir) args.push('--profiles-dir', dbt.profilesDir)
  if (dbt.target) args.push('--target', dbt.target)
  return args
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
  return [dbt.command, ...selection, ...exclude, ...stateArgs(dbt, state), ...dbt.extraArgs]
}

/** Selection of `dbt clone` that lets modified incremental models build incrementally in CI. */
export const CLONE_INCREMENTAL_SELECTION = 'state:modified+,config.materialized:incremental,state:old'

/** The argv of `dbt clone` run before the build when `clone-incremental` is on. */
export function buildCloneArgs(stateDir: string): string[] {
  return ['clone', '--select', CLONE_INCREMENTAL_SELECTION, '--state', stateDir]
}

/** The argv of `dbt deps`. */
export function buildDepsArgs(): string[] {
  return ['deps']
}
