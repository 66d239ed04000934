/**
 * The dbt flags and environment variables that decide where dbt writes and where it reads state
 * from. The action sets them itself, from its inputs, so that its safety check and its report
 * speak of the same target, project, profiles and state dbt really uses: a user's value for any
 * of them is refused with the input that sets it. Pure.
 */
import { Input } from '../constants.js'
import { ActionError } from '../errors.js'

/** One owned setting: its flags, its environment variable, and the input that sets it. */
interface Owned {
  flags: string[]
  shortFlag?: string
  envVar?: string
  /** What the user sets instead. */
  instead: string
}

const OWNED: Owned[] = [
  { flags: ['--target'], shortFlag: '-t', envVar: 'DBT_TARGET', instead: `the input '${Input.Target}'` },
  {
    flags: ['--target-path'],
    envVar: 'DBT_TARGET_PATH',
    instead:
      "nothing: the action keeps dbt's artifacts in a directory of its own (outputs 'manifest-path' and 'run-results-path' give them)"
  },
  { flags: ['--profiles-dir'], envVar: 'DBT_PROFILES_DIR', instead: `the input '${Input.ProfilesDir}'` },
  {
    // The safety check reads the targets of the profile dbt_project.yml names; another profile would write where it has not looked.
    flags: ['--profile'],
    envVar: 'DBT_PROFILE',
    instead: "the project's own 'profile:' in dbt_project.yml, with its targets in the profiles.yml the action reads"
  },
  { flags: ['--project-dir'], envVar: 'DBT_PROJECT_DIR', instead: `the input '${Input.ProjectDir}'` },
  { flags: ['--state'], envVar: 'DBT_STATE', instead: `the baseline inputs ('${Input.BaselineSource}', '${Input.StatePath}', ...)` },
  {
    flags: ['--defer-state'],
    envVar: 'DBT_DEFER_STATE',
    instead: `the baseline inputs ('${Input.BaselineSource}', '${Input.StatePath}', ...)`
  },
  { flags: ['--defer', '--no-defer'], envVar: 'DBT_DEFER', instead: `the input '${Input.Defer}'` },
  { flags: ['--favor-state', '--no-favor-state'], envVar: 'DBT_FAVOR_STATE', instead: `the input '${Input.FavorState}'` },
  // dbt's deprecated spellings of the same settings.
  { flags: [], envVar: 'DBT_DEFER_TO_STATE', instead: `the input '${Input.Defer}'` },
  { flags: [], envVar: 'DBT_FAVOR_STATE_MODE', instead: `the input '${Input.FavorState}'` },
  { flags: [], envVar: 'DBT_ARTIFACT_STATE_PATH', instead: `the baseline inputs ('${Input.BaselineSource}', '${Input.StatePath}', ...)` }
]

/** A flag or variable the action owns was given by the user. */
export class OwnedSettingError extends ActionError {}

function ownerOfArg(arg: string): Owned | undefined {
  const name = arg.split('=')[0]
  return OWNED.find((o) => o.flags.includes(name) || (o.shortFlag !== undefined && arg.startsWith(o.shortFlag) && !arg.startsWith('--')))
}

/**
 * Throws OwnedSettingError when `extra-args` holds a flag the action owns (`--target prod`,
 * `--target=prod`, `-tprod`, `--no-defer`, ...).
 */
export function assertNoOwnedFlags(extraArgs: readonly string[]): void {
  for (const arg of extraArgs) {
    const owner = ownerOfArg(arg)
    if (!owner) continue
    throw new OwnedSettingError(
      `Input '${Input.ExtraArgs}' holds '${arg.split('=')[0]}', which the action sets itself: it decides where dbt writes and which state it reads, ` +
        `and the safety check and the report must speak of what dbt really uses. Remove it from '${Input.ExtraArgs}' and use ${owner.instead}.`,
      { input: Input.ExtraArgs }
    )
  }
}

/** The owned environment variables, with dbt's `DBT_ENGINE_` aliases. */
export function ownedEnvVars(): Array<{ name: string; instead: string }> {
  return OWNED.flatMap((o) =>
    o.envVar ? [o.envVar, o.envVar.replace(/^DBT_/, 'DBT_ENGINE_')].map((name) => ({ name, instead: o.instead })) : []
  )
}

/**
 * Throws OwnedSettingError when the environment sets an owned variable to something other than
 * what the action will pass (`allowed` maps a variable to the value the action itself uses, e.g.
 * DBT_TARGET to the `target` input; such a variable is accepted when it agrees).
 */
export function assertNoOwnedEnv(env: Record<string, string | undefined>, allowed: Record<string, string | undefined> = {}): void {
  for (const { name, instead } of ownedEnvVars()) {
    const value = env[name]
    if (value === undefined || value === '') continue
    const agreed = allowed[name.replace(/^DBT_ENGINE_/, 'DBT_')]
    if (agreed !== undefined && agreed === value) continue
    throw new OwnedSettingError(
      `The environment variable ${name} is set to '${value}', but the action sets this dbt setting itself and passes it as a flag. ` +
        `Remove ${name} from the step's or job's env and use ${instead}.`
    )
  }
}

/** Throws when a selection input value starts with '-' (it would be read as a dbt flag). */
export function assertSelectionValues(input: string, values: readonly string[]): void {
  const flagLike = values.find((v) => v.startsWith('-'))
  if (flagLike === undefined) return
  throw new OwnedSettingError(
    `Invalid value for input '${input}': '${flagLike}'. Expected dbt node selection methods such as 'state:modified+' or 'tag:nightly'; ` +
      `a value starting with '-' would be read by dbt as a flag. Put dbt flags in '${Input.ExtraArgs}'.`,
    { input }
  )
}
