/**
 * The settings of `dbt-defer`, the command-line tool: each one read from an environment
 * variable or from `dbt-defer.yml` in the dbt project, under the name of the action input it
 * stands for. They are handed to the action's own input reader (getInputs), so the tool and the
 * action validate the same settings with the same messages.
 */
import { getExecOutput } from '@actions/exec'
import { accessSync, constants, existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { delimiter, isAbsolute, join, resolve } from 'node:path'
import { parse } from 'yaml'
import { Input } from '../constants.js'
import { InputError, messageOf } from '../errors.js'

/** The file in the dbt project that holds the tool's settings. */
export const CONFIG_FILE = 'dbt-defer.yml'

/** One setting of the tool. */
export interface CliSetting {
  /** Its name in dbt-defer.yml (the action input's name where there is one). */
  key: string
  /** What it is, one line. */
  help: string
  /** The default, when there is one. */
  fallback?: string
  /** A secret: read from the environment only, never from the project's file. */
  secret?: boolean
  /** A path: resolved against the project directory (file) or the working directory (environment). */
  path?: boolean
  /** Environment variables read besides `DBT_DEFER_<KEY>`, in order. */
  alsoFrom?: string[]
}

/** Every setting, in the order `--help` lists them. */
export const CLI_SETTINGS: readonly CliSetting[] = [
  {
    key: Input.BaselineSource,
    help: 'github-artifact, dbt-cloud, url or path (default: path when a state path is set, else github-artifact)'
  },
  { key: Input.DeferEnv, help: 'auto (staging when staging is configured, else production), staging or production', fallback: 'auto' },
  { key: Input.IfNoBaseline, help: 'fail, or build-all (run dbt without defer) when the environment has no baseline', fallback: 'fail' },
  { key: 'max-age', help: 'seconds a fetched baseline is used before the source is asked again', fallback: '3600' },
  { key: 'cache-dir', help: 'where fetched baselines are kept', fallback: '$XDG_CACHE_HOME/dbt-defer or ~/.cache/dbt-defer', path: true },
  { key: Input.StatePath, help: 'source path: production manifest.json, or a directory holding it', path: true },
  {
    key: Input.StagingStatePath,
    help: 'source path: staging manifest.json or its directory (set means staging is configured)',
    path: true
  },
  {
    key: 'repository',
    help: 'source github-artifact: owner/repo',
    fallback: "from the git remote 'origin'",
    alsoFrom: ['GITHUB_REPOSITORY']
  },
  { key: Input.ProductionWorkflow, help: 'source github-artifact: workflow file (e.g. deploy.yml) or id of the production deploy' },
  { key: Input.StagingWorkflow, help: 'source github-artifact: workflow of the staging deploy (set means staging is configured)' },
  { key: Input.ArtifactName, help: 'source github-artifact: name of the artifact holding manifest.json', fallback: 'dbt-manifest' },
  { key: Input.BaselineBranch, help: "source github-artifact: branch of the deploy runs (default: the repository's default branch)" },
  { key: Input.MaxRunsSearched, help: 'source github-artifact: successful deploy runs looked through for an artifact', fallback: '20' },
  {
    key: Input.GithubToken,
    help: 'source github-artifact: token with actions read access',
    fallback: "the gh CLI's login ('gh auth token')",
    secret: true,
    alsoFrom: ['GITHUB_TOKEN', 'GH_TOKEN']
  },
  { key: 'github-api-url', help: 'source github-artifact: REST API base URL (GitHub Enterprise Server)', alsoFrom: ['GITHUB_API_URL'] },
  { key: Input.DbtCloudAccountId, help: 'source dbt-cloud: account id', alsoFrom: ['DBT_CLOUD_ACCOUNT_ID'] },
  { key: Input.DbtCloudProjectId, help: 'source dbt-cloud: project id', alsoFrom: ['DBT_CLOUD_PROJECT_ID'] },
  { key: Input.DbtCloudApiToken, help: 'source dbt-cloud: API token', secret: true, alsoFrom: ['DBT_CLOUD_API_TOKEN'] },
  { key: Input.DbtCloudHost, help: 'source dbt-cloud: API base URL', fallback: 'https://cloud.getdbt.com', alsoFrom: ['DBT_CLOUD_HOST'] },
  {
    key: Input.DeferEnvId,
    help: 'source dbt-cloud: environment id to defer to',
    fallback: "DBT_CLOUD_DEFER_ENV_ID, then dbt_project.yml 'dbt-cloud: defer-env-id', then ~/.dbt/dbt_cloud.yml 'context: defer-env-id'"
  },
  { key: Input.ProductionUrl, help: 'source url: https URL of the production manifest.json' },
  { key: Input.StagingUrl, help: 'source url: https URL of the staging manifest.json (set means staging is configured)' },
  { key: Input.UrlAuthorization, help: 'source url: Authorization header sent with the download', secret: true },
  { key: Input.HttpConnectTimeout, help: 'remote sources: seconds to wait for a connection', fallback: '30' },
  { key: Input.HttpIdleTimeout, help: 'remote sources: seconds without a byte before an attempt is given up', fallback: '30' },
  { key: Input.DownloadTimeout, help: 'remote sources: seconds one download may take', fallback: '600' },
  { key: Input.BaselineTimeout, help: 'seconds the whole search for the baseline may take', fallback: '900' },
  { key: Input.DbtExecutable, help: 'the dbt executable', fallback: 'dbt' }
]

/** The environment variable of a setting: `DBT_DEFER_` and the key in capitals. */
export function envVarOf(key: string): string {
  return `DBT_DEFER_${key.replace(/-/g, '_').toUpperCase()}`
}

/** Each setting's value and where it was read from. */
export interface CliConfig {
  values: Record<string, string>
  origins: Record<string, string>
}

type Env = Record<string, string | undefined>

/** Reads dbt-defer.yml, refusing unknown keys and secrets (a committed file is no place for a token). */
function readConfigFile(projectDir: string): Record<string, string> {
  const file = join(projectDir, CONFIG_FILE)
  if (!existsSync(file)) return {}
  let parsed: unknown
  try {
    parsed = parse(readFileSync(file, 'utf8'))
  } catch (error) {
    throw new InputError(CONFIG_FILE, file, `Expected YAML mapping setting names to values: ${messageOf(error)}`)
  }
  if (parsed === null || parsed === undefined) return {}
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new InputError(CONFIG_FILE, file, 'Expected a mapping of setting names to values.')
  const values: Record<string, string> = {}
  for (const [key, value] of Object.entries(parsed)) {
    const setting = CLI_SETTINGS.find((s) => s.key === key)
    if (!setting) {
      throw new InputError(`${CONFIG_FILE}: ${key}`, String(value), `Expected one of the settings 'dbt-defer --help' lists (${file}).`)
    }
    if (setting.secret) {
      throw new InputError(
        `${CONFIG_FILE}: ${key}`,
        '(hidden)',
        `A secret never goes in a project file: remove it from ${file} and set ${[envVarOf(key), ...(setting.alsoFrom ?? [])].join(' or ')} instead.`
      )
    }
    if (typeof value === 'object' && value !== null)
      throw new InputError(`${CONFIG_FILE}: ${key}`, JSON.stringify(value), 'Expected a single value.')
    values[key] = value === null ? '' : String(value)
  }
  return values
}

/** The value of a setting from the environment, with the variable it came from. */
function fromEnv(setting: CliSetting, env: Env): [string, string] | undefined {
  for (const name of [envVarOf(setting.key), ...(setting.alsoFrom ?? [])]) {
    const value = env[name]?.trim()
    if (value) return [value, name]
  }
  return undefined
}

/** Every setting: the environment first, then dbt-defer.yml; paths made absolute. */
export function readCliConfig(projectDir: string, env: Env, cwd: string): CliConfig {
  const file = readConfigFile(projectDir)
  const values: Record<string, string> = {}
  const origins: Record<string, string> = {}
  for (const setting of CLI_SETTINGS) {
    const found = fromEnv(setting, env)
    const value = found?.[0] ?? file[setting.key]
    if (value === undefined || value === '') continue
    const base = found ? cwd : projectDir
    values[setting.key] = setting.path && !isAbsolute(value) ? resolve(base, value) : value
    origins[setting.key] = found ? found[1] : CONFIG_FILE
  }
  return { values, origins }
}

/** The default cache directory (XDG's cache home, else ~/.cache). */
export function defaultCacheDir(env: Env): string {
  return join(env.XDG_CACHE_HOME?.trim() || join(env.HOME || homedir(), '.cache'), 'dbt-defer')
}

/** owner/repo from a git remote URL (https, ssh or scp-like), or undefined. */
export function repositoryOfRemote(remote: string): string | undefined {
  const m = /^(?:[a-z+]+:\/\/)?(?:[^@/]+@)?[^/:]+[:/](.+?)(?:\.git)?\/?$/i.exec(remote.trim())
  const path = m?.[1].replace(/^\/+/, '')
  return path && /^[^/\s]+\/[^/\s]+$/.test(path) ? path : undefined
}

/** The program's path on the given PATH (the environment handed in, not necessarily this process's). */
function onPath(program: string, path: string | undefined): string | undefined {
  for (const dir of (path ?? '').split(delimiter).filter(Boolean)) {
    const candidate = join(dir, program)
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {
      // not here
    }
  }
  return undefined
}

/** Runs a program (argv, no shell, through @actions/exec) for one line of output; undefined when it is missing or fails. */
async function firstLine(program: string, args: string[], cwd: string, env: Env): Promise<string | undefined> {
  const found = onPath(program, env.PATH)
  if (!found) return undefined
  try {
    const env2 = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined))
    const r = await getExecOutput(found, args, { cwd, env: env2, silent: true, ignoreReturnCode: true })
    return r.exitCode === 0 ? r.stdout.trim().split('\n')[0] || undefined : undefined
  } catch {
    return undefined
  }
}

/** The repository: the setting, else the git remote `origin` of the project. */
export async function repositoryOf(config: CliConfig, projectDir: string, env: Env): Promise<string> {
  if (config.values.repository) return config.values.repository
  const remote = await firstLine('git', ['remote', 'get-url', 'origin'], projectDir, env)
  return (remote && repositoryOfRemote(remote)) ?? ''
}

/** The GitHub token: the setting, else the gh CLI's stored login; '' when there is neither. */
export async function githubTokenOf(config: CliConfig, projectDir: string, env: Env): Promise<{ token: string; origin: string }> {
  const set = config.values[Input.GithubToken]
  if (set) return { token: set, origin: config.origins[Input.GithubToken] }
  const token = await firstLine('gh', ['auth', 'token'], projectDir, env)
  return token ? { token, origin: "the gh CLI's login" } : { token: '', origin: '' }
}
