/**
 * The tool's run seam: the action's settings, baseline source, safety check and dbt runner for
 * one invocation on a developer's machine, and the baselines kept in the tool's cache.
 */
import { existsSync } from 'node:fs'
import { readFile, writeFile, mkdir } from 'node:fs/promises'
import { homedir, hostname, userInfo } from 'node:os'
import { dirname, join } from 'node:path'
import { createBaselineSource } from '../baseline/index.js'
import { configuredEnvs, obtainBaseline, whyEnv, type EnvEvidence, type PlacedBaseline } from '../baseline/obtain.js'
import { chooseEnv } from '../baseline/choose-env.js'
import type { BaselineSource } from '../baseline/types.js'
import type { Manifest } from '../dbt/artifact-types.js'
import { readArtifact, readJsonFile } from '../dbt/json-file.js'
import { execDbtProcess, type DbtProcess } from '../dbt/process.js'
import { readDbtProject, type DbtProject } from '../dbt/project.js'
import { dbtRunner, type DbtRunner } from '../dbt/runner.js'
import { messageOf } from '../errors.js'
import { createGitHubClient, type GitHubClient } from '../github/octokit.js'
import type { Logger } from '../logger.js'
import { actionDirs, type ActionDirs } from '../run/dirs.js'
import { createRedactor, type Redactor } from '../secrets.js'
import type { OwnerIdentity } from '../safety/marker.js'
import { loadProfileTargets } from '../safety/profiles.js'
import type { SafetyDeps } from '../safety/step.js'
import type { DeferredEnv } from '../settings.js'
import type { DbtInvocation } from './args.js'
import { directoryCacheStore, LocalBaselines, ageOf, settingsFingerprint, type FetchedRecord } from './local-cache.js'
import { loadCliSettings, type CliSettings } from './settings.js'

type Env = Record<string, string | undefined>

/** Where the tool writes: its messages (stderr) and its report (stdout). */
export interface CliIo {
  env: Env
  cwd: string
  out: { write(text: string): void; isTTY?: boolean }
  err: { write(text: string): void; isTTY?: boolean }
  now: () => Date
}

/** One invocation's facts. */
export interface Tool {
  cli: CliSettings
  io: CliIo
  log: Logger
  redactor: Redactor
  project: DbtProject
  dirs: ActionDirs
  runner: DbtRunner
  dbt: DbtProcess
  owner: OwnerIdentity
  source: BaselineSource
  local: LocalBaselines
}

/** A baseline at hand: fetched now, or taken from the tool's cache within the freshness window. */
export interface HeldBaseline {
  baseline: PlacedBaseline
  /** When it was fetched (now, for a fresh fetch). */
  fetchedAt: string
  /** Whether this invocation fetched it. */
  fetched: boolean
}

/** The tool's messages on stderr, scrubbed, one prefix each. */
function cliLogger(io: CliIo, scrub: (text: string) => string): Logger {
  const say = (prefix: string) => (message: string) => io.err.write(`dbt-defer: ${prefix}${scrub(message)}\n`)
  return { info: say(''), warning: say('warning: '), debug: io.env.DBT_DEFER_DEBUG ? say('debug: ') : () => undefined }
}

/** Who runs the tool, for the ownership marker of the schemas it creates: the user on this machine. */
export function localOwner(repository: string, project: string): OwnerIdentity {
  let user = 'unknown'
  try {
    user = userInfo().username
  } catch {
    // No user entry (a container): the host alone names the owner.
  }
  return { repository, project, runId: `local:${user}@${hostname()}` }
}

/** Remembers whether staging is configured (dbt Cloud asks its API) for the freshness window. */
function rememberingStaging(source: BaselineSource, root: string, fingerprint: string, maxAge: number, now: () => Date): BaselineSource {
  const file = join(root, 'staging-configured.json')
  let known: boolean | undefined
  return {
    kind: source.kind,
    fetch: (env, dir) => source.fetch(env, dir),
    async stagingConfigured() {
      if (known !== undefined) return known
      if (existsSync(file)) {
        const saved = JSON.parse(await readFile(file, 'utf8')) as { settings: string; at: string; value: boolean }
        if (saved.settings === fingerprint && (now().getTime() - Date.parse(saved.at)) / 1000 < maxAge) return (known = saved.value)
      }
      known = await source.stagingConfigured()
      await mkdir(dirname(file), { recursive: true })
      await writeFile(file, JSON.stringify({ settings: fingerprint, at: now().toISOString(), value: known }))
      return known
    }
  }
}

/** Opens the tool for a dbt invocation: settings, source, runner and cache. */
export async function openTool(inv: DbtInvocation, io: CliIo): Promise<Tool> {
  const cli = await loadCliSettings(inv, io.env, io.cwd)
  const { settings } = cli
  const redactor = createRedactor(settings.secrets)
  const log = cliLogger(io, redactor.scrub)
  const project = readDbtProject(cli.projectDir, inv.targetPath ? join(io.cwd, inv.targetPath) : io.env.DBT_TARGET_PATH)
  const dirs = actionDirs(cli.cacheRoot, cli.projectDir, cli.projectDir, project.name)
  const dbt = execDbtProcess(settings.dbt.executable, redactor.scrub)
  // The tool's own dbt steps (the safety probe) are quiet: what they print is kept for their
  // error messages. They start from the developer's own partial-parse file.
  const quiet = execDbtProcess(settings.dbt.executable, redactor.scrub, (line) => log.debug(line))
  const seeded = { dbtTarget: (step: string, seed?: string) => dirs.dbtTarget(step, seed ?? project.targetDir) }
  const runner = dbtRunner({ process: quiet, dbt: settings.dbt, env: cli.dbtEnv, dirs: seeded, log: { ...log, info: log.debug } })
  let client: GitHubClient | undefined
  const fingerprint = settingsFingerprint(settings.baseline, settings.context.repository)
  const store = directoryCacheStore(join(cli.cacheRoot, 'store'))
  const source = createBaselineSource(settings.baseline, {
    github: () => (client ??= createGitHubClient(settings.report.token, settings.context.apiUrl, { log })),
    repository: settings.context.repository,
    serverUrl: settings.context.serverUrl,
    cache: store,
    log,
    tempDir: cli.cacheRoot,
    projectDir: cli.projectDir,
    workspace: cli.projectDir,
    projectKey: dirs.projectKey,
    downloadDir: dirs.downloadDir
  })
  return {
    cli,
    io,
    log,
    redactor,
    project,
    dirs,
    runner,
    dbt,
    owner: localOwner(settings.context.repository, project.name),
    source: rememberingStaging(source, cli.cacheRoot, fingerprint, cli.maxAgeSeconds, io.now),
    local: new LocalBaselines(cli.cacheRoot, fingerprint)
  }
}

/** The environment this invocation defers to, and why. */
export async function deferredEnv(tool: Tool): Promise<{ env: DeferredEnv; why: string }> {
  const env = await chooseEnv(tool.cli.settings.baseline.deferEnv, tool.source)
  return { env, why: whyEnv(tool.cli.settings.baseline, env) }
}

function fresh(tool: Tool, record: FetchedRecord | undefined): record is FetchedRecord {
  return record !== undefined && ageOf(record, tool.io.now()) < tool.cli.maxAgeSeconds
}

/**
 * The environment's baseline: the cached one while it is younger than the freshness window
 * (nothing is asked of the source), else the source's newest (its own identity cache avoids
 * downloading the same deploy again). Undefined when the source has none and `if-no-baseline`
 * is `build-all`; throws the action's errors otherwise (staging never falls back to production).
 */
export async function holdBaseline(tool: Tool, env: DeferredEnv, refresh: boolean, asEvidence = false): Promise<HeldBaseline | undefined> {
  const record = await tool.local.record(env)
  const stateDir = tool.local.stateDir(env)
  if (!refresh && fresh(tool, record)) {
    const manifest = (await readJsonFile(join(stateDir, 'manifest.json'))) as Manifest
    return { baseline: { ...record.baseline, manifest }, fetchedAt: record.fetchedAt, fetched: false }
  }
  await mkdir(stateDir, { recursive: true })
  // The deferred environment is chosen by the settings' own rule (and said why); another
  // environment's baseline, fetched as the safety check's evidence, is asked for by name.
  const settings = asEvidence ? { ...tool.cli.settings.baseline, deferEnv: env } : tool.cli.settings.baseline
  const outcome = await obtainBaseline(settings, tool.source, {
    stateDir,
    project: { name: tool.project.name, targetDir: tool.project.targetDir },
    log: tool.log,
    readJson: readArtifact
  })
  if (outcome.kind === 'none') {
    await tool.local.forget(env)
    return undefined
  }
  await tool.local.remember(env, outcome.baseline, tool.io.now())
  return { baseline: outcome.baseline, fetchedAt: tool.io.now().toISOString(), fetched: true }
}

/** The baselines of every configured environment, for the safety check (the deferred one reused). */
export async function evidenceOf(tool: Tool, known: { env: DeferredEnv; held?: HeldBaseline } | undefined): Promise<EnvEvidence[]> {
  const evidence: EnvEvidence[] = []
  for (const env of await configuredEnvs(tool.cli.settings.baseline, tool.source)) {
    if (known?.env === env) {
      evidence.push(
        known.held ? { env, manifest: known.held.baseline.manifest } : { env, missing: { why: 'no baseline was found', allowed: true } }
      )
      continue
    }
    try {
      const held = await holdBaseline(tool, env, false, true)
      evidence.push(
        held ? { env, manifest: held.baseline.manifest } : { env, missing: { why: `no ${env} baseline was found`, allowed: true } }
      )
    } catch (error) {
      evidence.push({ env, missing: { why: `fetching it failed: ${messageOf(error)}`, allowed: false } })
    }
  }
  return evidence
}

/** What the action's safety steps need, for this invocation. */
export async function toolSafetyDeps(tool: Tool, baselines: EnvEvidence[]): Promise<SafetyDeps> {
  const { settings, dbtEnv } = tool.cli
  const profile = await loadProfileTargets({
    profile: tool.project.profile,
    projectDir: tool.cli.projectDir,
    profilesDir: settings.dbt.profilesDir,
    homeDir: dbtEnv.HOME || homedir()
  })
  return { runner: tool.runner, profile, baselines, owner: tool.owner, readJson: readArtifact, log: tool.log, now: tool.io.now }
}
