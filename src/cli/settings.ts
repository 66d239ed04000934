/**
 * The tool's settings as the action's: the dbt-defer settings (config.ts) and dbt's own flags
 * become the action's inputs, and the action's reader (getInputs) validates them. The action's
 * modules then run on these settings unchanged.
 */
import { createHash } from 'node:crypto'
import { existsSync } from 'node:fs'
import { isAbsolute, join, resolve } from 'node:path'
import { Input } from '../constants.js'
import { InputError } from '../errors.js'
import { dbtEnvironment, getInputs } from '../inputs.js'
import type { Settings } from '../settings.js'
import type { DbtInvocation } from './args.js'
import { CLI_SETTINGS, defaultCacheDir, envVarOf, githubTokenOf, readCliConfig, repositoryOf, type CliConfig } from './config.js'

type Env = Record<string, string | undefined>

/** Everything the tool runs on. */
export interface CliSettings {
  /** The action's settings, as getInputs read them. */
  settings: Settings
  /** The tool's own settings and where each came from. */
  config: CliConfig
  /** This project's directory in the tool's cache. */
  cacheRoot: string
  /** Seconds a fetched baseline is used without asking the source. */
  maxAgeSeconds: number
  /** The dbt project directory. */
  projectDir: string
  /** Where the GitHub token came from, when there is one. */
  tokenOrigin: string
  /** The environment dbt runs with: the user's, less the tool's own settings. */
  dbtEnv: Record<string, string>
}

/** Variables the tool reads itself, never handed to the action's reader as dbt flags. */
const DBT_FLAG_VARS = ['DBT_TARGET', 'DBT_PROFILES_DIR', 'DBT_PROJECT_DIR', 'DBT_TARGET_PATH']

/** The dbt project directory: `--project-dir`, else DBT_PROJECT_DIR, else the working directory. */
export function projectDirOf(inv: DbtInvocation, env: Env, cwd: string): string {
  const value = inv.projectDir ?? env.DBT_PROJECT_DIR ?? '.'
  const dir = resolve(cwd, value)
  if (!existsSync(join(dir, 'dbt_project.yml'))) {
    throw new InputError(
      '--project-dir',
      value,
      `Expected a directory holding dbt_project.yml: run dbt-defer in the dbt project, or pass --project-dir.`
    )
  }
  return dir
}

function seconds(config: CliConfig, key: string, fallback: number): number {
  const value = config.values[key]
  if (value === undefined) return fallback
  if (!/^[0-9]+$/.test(value))
    throw new InputError(`${key} (${config.origins[key]})`, value, 'Expected a whole number of seconds (0 or more).')
  return Number(value)
}

/**
 * The baseline source: as set, else the one whose settings are given (a state path, a URL, a dbt
 * Cloud account), else github-artifact.
 */
export function sourceOf(config: CliConfig): string {
  const v = config.values
  if (v[Input.BaselineSource]) return v[Input.BaselineSource]
  if (v[Input.StatePath] || v[Input.StagingStatePath]) return 'path'
  if (v[Input.ProductionUrl] || v[Input.StagingUrl]) return 'url'
  if (v[Input.DbtCloudAccountId]) return 'dbt-cloud'
  return 'github-artifact'
}

/** The action inputs the tool's settings and dbt's flags stand for. */
function inputsOf(config: CliConfig, inv: DbtInvocation, env: Env, cwd: string, token: string): Record<string, string> {
  const inputs: Record<string, string> = {}
  for (const setting of CLI_SETTINGS) {
    const value = config.values[setting.key]
    if (value !== undefined && Object.values(Input).includes(setting.key as Input)) inputs[setting.key] = value
  }
  const profilesDir = inv.profilesDir ?? env.DBT_PROFILES_DIR
  return {
    ...inputs,
    [Input.BaselineSource]: sourceOf(config),
    [Input.Mode]: 'build',
    [Input.ProjectDir]: '.',
    [Input.ProfilesDir]: profilesDir ? (isAbsolute(profilesDir) ? profilesDir : resolve(cwd, profilesDir)) : '',
    [Input.Target]: inv.target ?? env.DBT_TARGET ?? '',
    [Input.CiSchema]: '',
    [Input.Comment]: 'false',
    [Input.Deps]: 'never',
    [Input.GithubToken]: token
  }
}

/** Runs the action's reader with `inputs` as the INPUT_ variables it reads, and nothing else of them. */
function readAsAction(inputs: Record<string, string>, env: Env): Settings {
  const names = Object.keys(process.env).filter((k) => k.startsWith('INPUT_'))
  const saved = Object.fromEntries(names.map((k) => [k, process.env[k]]))
  for (const k of names) delete process.env[k]
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.replace(/ /g, '_').toUpperCase()}`] = value
  try {
    // There is no runner log to mask secrets in: the tool's own output is scrubbed instead.
    return getInputs(env, () => undefined)
  } finally {
    for (const k of Object.keys(process.env)) if (k.startsWith('INPUT_')) delete process.env[k]
    Object.assign(process.env, saved)
  }
}

/** The environment dbt gets: the user's, less the tool's own settings (secrets among them). */
function dbtEnvOf(env: Env): Record<string, string> {
  const ours = new Set(CLI_SETTINGS.map((s) => envVarOf(s.key)))
  return Object.fromEntries(Object.entries(dbtEnvironment(env)).filter(([k]) => !ours.has(k)))
}

/** Reads the tool's settings for a dbt invocation in `cwd`. */
export async function loadCliSettings(inv: DbtInvocation, env: Env, cwd: string): Promise<CliSettings> {
  for (const name of ['DBT_STATE', 'DBT_DEFER_STATE', 'DBT_ENGINE_STATE', 'DBT_ENGINE_DEFER_STATE']) {
    if (env[name])
      throw new InputError(name, env[name] ?? '', "Expected it unset: dbt-defer passes the deferred environment's state directory itself.")
  }
  const projectDir = projectDirOf(inv, env, cwd)
  const config = readCliConfig(projectDir, env, cwd)
  const wantsGitHub =
    (config.values[Input.BaselineSource] ??
      (config.values[Input.StatePath] || config.values[Input.StagingStatePath] ? 'path' : 'github-artifact')) === 'github-artifact'
  const { token, origin } = wantsGitHub ? await githubTokenOf(config, projectDir, env) : { token: '', origin: '' }
  const repository = wantsGitHub ? await repositoryOf(config, projectDir, env) : ''
  const actionEnv: Env = Object.fromEntries(
    Object.entries(env).filter(([k]) => !DBT_FLAG_VARS.includes(k) && !k.startsWith('GITHUB_') && !k.startsWith('RUNNER_'))
  )
  const cacheDir = config.values['cache-dir'] ?? defaultCacheDir(env)
  const cacheRoot = join(cacheDir, `${createHash('sha256').update(projectDir).digest('hex').slice(0, 16)}`)
  Object.assign(actionEnv, {
    GITHUB_WORKSPACE: projectDir,
    GITHUB_REPOSITORY: repository,
    GITHUB_API_URL: config.values['github-api-url'] ?? '',
    GITHUB_SERVER_URL: env.GITHUB_SERVER_URL ?? '',
    RUNNER_TEMP: cacheRoot
  })
  const settings = readAsAction(inputsOf(config, inv, env, cwd, token), actionEnv)
  if (settings.baseline.source === 'actions-cache') {
    throw new InputError(
      `${Input.BaselineSource} (${config.origins[Input.BaselineSource]})`,
      'actions-cache',
      'Expected github-artifact, dbt-cloud, url or path: the actions cache is reachable only from a workflow run.'
    )
  }
  return {
    settings,
    config,
    cacheRoot,
    maxAgeSeconds: seconds(config, 'max-age', 3600),
    projectDir,
    tokenOrigin: origin,
    dbtEnv: dbtEnvOf(env)
  }
}
