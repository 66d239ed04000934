import * as core from '@actions/core'
import { existsSync, readFileSync, statSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import stringArgv from 'string-argv'
import { resolveDeferEnvId } from './baseline/dbt-cloud-env-id.js'
import { Input } from './constants.js'
import { assertNoOwnedEnv, assertNoOwnedFlags, assertSelectionValues } from './dbt/owned-flags.js'
import { InputError, messageOf } from './errors.js'
import type { EventPayload } from './github/event.js'
import { secretsOfUrl } from './secrets.js'
import type {
  BaselineSettings,
  BaselineSourceKind,
  DbtCommand,
  DeferEnvChoice,
  IfNoBaseline,
  Mode,
  RunContext,
  Settings
} from './settings.js'

/** The environment the action reads: process.env unless a test hands in another. */
export type Env = Record<string, string | undefined>

const MODES: readonly Mode[] = ['build', 'publish', 'cleanup']
const COMMANDS: readonly DbtCommand[] = ['build', 'run', 'test', 'seed', 'snapshot', 'compile']
const DEFER_ENVS: readonly DeferEnvChoice[] = ['auto', 'staging', 'production']
const SOURCES: readonly BaselineSourceKind[] = ['github-artifact', 'actions-cache', 'dbt-cloud', 'url', 'path']
const NO_BASELINE: readonly IfNoBaseline[] = ['fail', 'build-all']
const DEPS = ['auto', 'always', 'never'] as const

/** Reads a trimmed input; empty means unset. */
function text(name: string): string {
  return core.getInput(name).trim()
}

function optional(name: string): string | undefined {
  return text(name) || undefined
}

/** Parses an input that must be one of a fixed set of words. */
function oneOf<T extends string>(name: string, allowed: readonly T[], fallback: T): T {
  const value = text(name) || fallback
  if ((allowed as readonly string[]).includes(value)) return value as T
  throw new InputError(name, value, `Expected one of: ${allowed.join(', ')}.`)
}

/** Parses a boolean input (YAML 1.2 core schema words), naming the input and value when wrong. */
function flag(name: string, fallback: boolean): boolean {
  if (!text(name)) return fallback
  try {
    return core.getBooleanInput(name)
  } catch {
    throw new InputError(name, text(name), 'Expected true or false.')
  }
}

/** Parses a positive whole number input. */
function positiveInt(name: string, fallback: number): number {
  const value = text(name)
  if (!value) return fallback
  if (!/^[1-9][0-9]*$/.test(value)) throw new InputError(name, value, 'Expected a whole number of 1 or more.')
  return Number(value)
}

/** Parses a whole number input within bounds. */
function boundedInt(name: string, fallback: number, min: number, max: number): number {
  const value = text(name)
  if (!value) return fallback
  const n = /^[0-9]+$/.test(value) ? Number(value) : NaN
  if (!(n >= min && n <= max)) throw new InputError(name, value, `Expected a whole number from ${min} to ${max}.`)
  return n
}

/** Splits a selection input on spaces and new lines (dbt reads several values as a union). */
export function splitSelection(value: string): string[] {
  return value.split(/\s+/).filter((part) => part.length > 0)
}

/** Splits extra dbt arguments: one or more per line, quotes keeping spaces inside one argument. */
export function splitArgs(name: string, value: string): string[] {
  const args: string[] = []
  for (const line of value.split(/\r?\n/)) {
    if ((line.match(/"/g) ?? []).length % 2 === 1 || (line.match(/'/g) ?? []).length % 2 === 1) {
      throw new InputError(name, line.trim(), 'A quote is not closed on this line; close it, or put each argument on its own line.')
    }
    args.push(...stringArgv(line.trim()))
  }
  return args
}

/** Resolves a path input against the workspace. */
function workspacePath(workspace: string, value: string): string {
  return isAbsolute(value) ? value : resolve(workspace, value)
}

function readRunContext(env: Env): RunContext {
  const workspace = env.GITHUB_WORKSPACE || process.cwd()
  return {
    repository: env.GITHUB_REPOSITORY ?? '',
    apiUrl: (env.GITHUB_API_URL || 'https://api.github.com').replace(/\/+$/, ''),
    serverUrl: (env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, ''),
    eventName: env.GITHUB_EVENT_NAME ?? '',
    eventPath: env.GITHUB_EVENT_PATH || undefined,
    runId: env.GITHUB_RUN_ID || undefined,
    runAttempt: env.GITHUB_RUN_ATTEMPT || undefined,
    sha: env.GITHUB_SHA || undefined,
    ref: env.GITHUB_REF || undefined,
    branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || undefined,
    tempDir: env.RUNNER_TEMP || tmpdir(),
    workspace
  }
}

function readProjectDir(workspace: string): string {
  const value = text(Input.ProjectDir) || '.'
  const dir = workspacePath(workspace, value)
  if (!existsSync(dir) || !statSync(dir).isDirectory() || !existsSync(join(dir, 'dbt_project.yml'))) {
    throw new InputError(
      'project-dir',
      value,
      `Expected a directory holding dbt_project.yml, relative to the workspace (${workspace}); check out the repository first (actions/checkout) and point project-dir at the dbt project.`
    )
  }
  return dir
}

function readProfilesDir(workspace: string): string | undefined {
  const value = optional(Input.ProfilesDir)
  if (!value) return undefined
  const dir = workspacePath(workspace, value)
  if (!existsSync(join(dir, 'profiles.yml'))) {
    throw new InputError(
      Input.ProfilesDir,
      value,
      `Expected a directory holding profiles.yml; ${join(dir, 'profiles.yml')} does not exist.`
    )
  }
  return dir
}

function readBaselineSource(): BaselineSourceKind {
  const value = text(Input.BaselineSource)
  if (!value) return text(Input.StatePath) || text(Input.StagingStatePath) ? 'path' : 'github-artifact'
  return oneOf(Input.BaselineSource, SOURCES, 'github-artifact')
}

function readHttpsUrl(name: string): string | undefined {
  const value = optional(name)
  if (!value) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new InputError(name, value, 'Expected an absolute https:// URL of a manifest.json.')
  }
  const loopback = url.hostname === '127.0.0.1' || url.hostname === 'localhost' || url.hostname === '[::1]'
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback)) {
    throw new InputError(name, value, 'Expected an https:// URL (plain http is accepted only for a loopback address).')
  }
  return value
}

function readFileIfPresent(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, 'utf8') : undefined
}

function readDbtCloud(env: Env, projectDir: string): BaselineSettings['dbtCloud'] {
  const token = optional(Input.DbtCloudApiToken)
  const deferEnv = resolveDeferEnvId({
    input: optional(Input.DeferEnvId),
    envVar: env.DBT_CLOUD_DEFER_ENV_ID?.trim() || undefined,
    dbtProjectYml: readFileIfPresent(join(projectDir, 'dbt_project.yml')),
    dbtCloudYml: readFileIfPresent(join(env.HOME || homedir(), '.dbt', 'dbt_cloud.yml'))
  })
  const accountId = optional(Input.DbtCloudAccountId)
  if (accountId && !/^[0-9]+$/.test(accountId)) {
    throw new InputError(Input.DbtCloudAccountId, accountId, 'Expected the numeric account id from your dbt Cloud URL.')
  }
  const projectId = optional(Input.DbtCloudProjectId)
  if (projectId && !/^[0-9]+$/.test(projectId)) {
    throw new InputError(Input.DbtCloudProjectId, projectId, 'Expected the numeric project id from your dbt Cloud URL.')
  }
  return {
    accountId,
    token,
    baseUrl: (readHttpsUrl(Input.DbtCloudHost) ?? 'https://cloud.getdbt.com').replace(/\/+$/, ''),
    projectId,
    deferEnvId: deferEnv.id,
    deferEnvIdOrigin: deferEnv.origin
  }
}

function readBaseline(env: Env, workspace: string, projectDir: string): BaselineSettings {
  const source = readBaselineSource()
  const authorization = optional(Input.UrlAuthorization)
  return {
    source,
    deferEnv: oneOf(Input.DeferEnv, DEFER_ENVS, 'auto'),
    ifNoBaseline: oneOf(Input.IfNoBaseline, NO_BASELINE, 'fail'),
    cacheFetched: flag(Input.CacheBaseline, true),
    path: {
      production: optional(Input.StatePath) && workspacePath(workspace, text(Input.StatePath)),
      staging: optional(Input.StagingStatePath) && workspacePath(workspace, text(Input.StagingStatePath))
    },
    artifact: {
      artifactName: text(Input.ArtifactName) || 'dbt-manifest',
      productionWorkflow: optional(Input.ProductionWorkflow),
      stagingWorkflow: optional(Input.StagingWorkflow),
      branch: optional(Input.BaselineBranch),
      maxRuns: positiveInt(Input.MaxRunsSearched, 20)
    },
    cache: {
      keyPrefix: text(Input.CacheKeyPrefix) || 'dbt-defer-baseline',
      stagingConfigured: flag(Input.StagingCache, false),
      publishFailure: oneOf(Input.PublishFailure, ['fail', 'warn'] as const, 'fail')
    },
    dbtCloud: source === 'dbt-cloud' ? readDbtCloud(env, projectDir) : { baseUrl: 'https://cloud.getdbt.com' },
    url: {
      production: readHttpsUrl(Input.ProductionUrl),
      staging: readHttpsUrl(Input.StagingUrl),
      authorization
    },
    network: {
      connectTimeoutMs: positiveInt(Input.HttpConnectTimeout, 30) * 1000,
      idleTimeoutMs: positiveInt(Input.HttpIdleTimeout, 30) * 1000,
      downloadTimeoutMs: positiveInt(Input.DownloadTimeout, 600) * 1000,
      searchTimeoutMs: positiveInt(Input.BaselineTimeout, 900) * 1000
    }
  }
}

function readPrNumber(): number | undefined {
  const value = text(Input.PrNumber)
  if (!value) return undefined
  if (!/^[1-9][0-9]*$/.test(value)) throw new InputError(Input.PrNumber, value, 'Expected a pull request number such as 42.')
  return Number(value)
}

function readCiSchema(): Settings['ciSchema'] {
  const envVar = text(Input.CiSchemaEnvVar) || 'DBT_CI_SCHEMA'
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(envVar)) {
    throw new InputError(Input.CiSchemaEnvVar, envVar, 'Expected an environment variable name (letters, digits, underscores).')
  }
  return { template: text(Input.CiSchema), envVar, cleanSlate: flag(Input.CleanSlate, false) }
}

/** The most models one comparison takes: the inline program travels as one argument of bounded length. */
const MAX_COMPARED_MODELS = 200

function readSelection(): Settings['selection'] {
  const explain = flag(Input.ExplainSelection, true)
  const excludeLagging = flag(Input.ExcludeLagging, false)
  if (excludeLagging && !explain) {
    throw new InputError(
      Input.ExcludeLagging,
      'true',
      `Expected it only with ${Input.ExplainSelection}: true: the lag is found by the selection step.`
    )
  }
  return { explain, excludeLagging }
}

function readCompare(): Settings['compare'] {
  const where = optional(Input.CompareWhere)
  if (where && /;|\{[{%#]/.test(where)) {
    throw new InputError(
      Input.CompareWhere,
      where,
      'Expected one SQL predicate such as "created_at >= current_date - 7", without semicolons or Jinja.'
    )
  }
  return {
    enabled: flag(Input.Compare, true),
    maxModels: boundedInt(Input.CompareMaxModels, 50, 1, MAX_COMPARED_MODELS),
    keyDiffMaxRows: positiveInt(Input.CompareKeyDiffMaxRows, 10_000_000),
    where,
    exampleKeys: boundedInt(Input.CompareExampleKeys, 5, 0, 50),
    valueSamples: flag(Input.CompareValueSamples, false)
  }
}

/** The profiles directory: the input, else DBT_PROFILES_DIR (which the action then passes as a flag). */
function readProfilesDirSetting(env: Env, workspace: string): string | undefined {
  const fromInput = readProfilesDir(workspace)
  const fromEnv = env.DBT_PROFILES_DIR?.trim()
  if (fromInput || !fromEnv) return fromInput
  const dir = workspacePath(workspace, fromEnv)
  if (!existsSync(join(dir, 'profiles.yml'))) {
    throw new InputError(
      'DBT_PROFILES_DIR',
      fromEnv,
      `Expected a directory holding profiles.yml; ${join(dir, 'profiles.yml')} does not exist. Or set the input '${Input.ProfilesDir}'.`
    )
  }
  return dir
}

function readDbt(env: Env, workspace: string, projectDir: string): Settings['dbt'] {
  const selector = optional(Input.Selector)
  const select = selector ? [] : splitSelection(core.getInput(Input.Select) || 'state:modified')
  const exclude = splitSelection(core.getInput(Input.Exclude))
  assertSelectionValues(Input.Select, select)
  assertSelectionValues(Input.Exclude, exclude)
  assertSelectionValues(Input.Selector, selector ? [selector] : [])
  const extraArgs = splitArgs(Input.ExtraArgs, core.getInput(Input.ExtraArgs))
  assertNoOwnedFlags(extraArgs)
  const profilesDir = readProfilesDirSetting(env, workspace)
  const target = optional(Input.Target)
  return {
    executable: text(Input.DbtExecutable) || 'dbt',
    projectDir,
    profilesDir,
    target,
    targetPath: env.DBT_TARGET_PATH || undefined,
    command: oneOf(Input.Command, COMMANDS, 'build'),
    select,
    exclude,
    selector,
    defer: flag(Input.Defer, true),
    favorState: flag(Input.FavorState, false),
    extraArgs,
    deps: oneOf(Input.Deps, DEPS, 'auto'),
    cloneIncremental: flag(Input.CloneIncremental, false),
    parseCache: flag(Input.ParseCache, true),
    env: dbtEnvironment(env)
  }
}

/**
 * Checks that the environment does not set a dbt flag the action owns (DBT_TARGET, DBT_STATE,
 * ...) to another value than the action passes. A variable that names what the action passes
 * anyway (DBT_PROFILES_DIR, which the action adopts, or the same target) is accepted.
 */
function checkOwnedEnv(env: Env, workspace: string, dbt: Settings['dbt']): void {
  const same = (name: string, actual: string | undefined): string | undefined => {
    const value = env[name]?.trim()
    return value && actual && workspacePath(workspace, value) === actual ? env[name] : undefined
  }
  assertNoOwnedEnv(env, {
    DBT_TARGET: dbt.target,
    DBT_PROFILES_DIR: same('DBT_PROFILES_DIR', dbt.profilesDir),
    DBT_PROJECT_DIR: same('DBT_PROJECT_DIR', dbt.projectDir)
  })
}

/** Every secret the action knows of, registered with the runner before any request is made. */
function collectSecrets(register: (secret: string) => void): string[] {
  const secrets = [
    text(Input.GithubToken),
    text(Input.DbtCloudApiToken),
    text(Input.UrlAuthorization),
    ...secretsOfUrl(text(Input.ProductionUrl)),
    ...secretsOfUrl(text(Input.StagingUrl)),
    ...secretsOfUrl(text(Input.DbtCloudHost))
  ].filter((s) => s.length > 0)
  for (const secret of secrets) register(secret)
  return secrets
}

/**
 * Reads and validates every input once. The only reader of inputs and the environment.
 * `registerSecret` masks each secret in the runner's log (the command-line tool, with no runner
 * log to mask, hands in its own).
 */
export function getInputs(env: Env = process.env, registerSecret: (secret: string) => void = core.setSecret): Settings {
  const secrets = collectSecrets(registerSecret)
  const context = readRunContext(env)
  const mode = oneOf(Input.Mode, MODES, 'build')
  const projectDir = readProjectDir(context.workspace)
  const dbt = readDbt(env, context.workspace, projectDir)
  if (mode !== 'publish') checkOwnedEnv(env, context.workspace, dbt)
  return {
    mode,
    dbt,
    baseline: readBaseline(env, context.workspace, projectDir),
    ciSchema: readCiSchema(),
    report: { comment: flag(Input.Comment, true), token: text(Input.GithubToken), prNumber: readPrNumber() },
    compare: readCompare(),
    selection: readSelection(),
    context,
    secrets
  }
}

/** Variables of the runner's environment that dbt is never given: the action's inputs and the runner's own tokens. */
const NOT_FOR_DBT =
  /^(INPUT_|ACTIONS_RUNTIME_TOKEN$|ACTIONS_ID_TOKEN_REQUEST_|ACTIONS_RESULTS_URL$|ACTIONS_CACHE_URL$|ACTIONS_RUNTIME_URL$)/

/**
 * The environment handed to dbt: the runner's, less the action's own inputs (its secrets among
 * them) and the runner's tokens. What the user's job set for dbt passes through.
 */
export function dbtEnvironment(env: Env = process.env): Record<string, string> {
  const copy: Record<string, string> = {}
  for (const [key, value] of Object.entries(env)) if (value !== undefined && !NOT_FOR_DBT.test(key)) copy[key] = value
  return copy
}

/** The event payload of the run (GITHUB_EVENT_PATH), or an empty object when there is none. */
export function readEventPayload(eventPath: string | undefined): EventPayload {
  if (!eventPath || !existsSync(eventPath)) return {}
  try {
    const payload: unknown = JSON.parse(readFileSync(eventPath, 'utf8'))
    return typeof payload === 'object' && payload !== null && !Array.isArray(payload) ? (payload as EventPayload) : {}
  } catch (error) {
    throw new InputError('GITHUB_EVENT_PATH', eventPath, `Expected a JSON event payload: ${messageOf(error)}.`)
  }
}
