/**
 * Getting the baseline for one invocation: choose the one environment, ask the source, apply
 * the policy when nothing is found, check the manifest, and place it as
 * `<stateDir>/manifest.json`, the directory dbt gets as `--state`. The state directory belongs
 * to the action (under the runner's temp directory); nothing is written into the dbt project.
 */
import { copyFile, mkdir, rename, rm } from 'node:fs/promises'
import { ArtifactChangedError, readArtifact, type ReadHow } from '../dbt/json-file.js'
import { isAbsolute, join, relative, resolve } from 'node:path'
import type { Logger } from '../github/octokit.js'
import type { BaselineSettings, DeferredEnv } from '../settings.js'
import { chooseEnv } from './choose-env.js'
import type { Manifest } from '../dbt/artifact-types.js'
import { BaselineConfigError, ManifestCheckError, messageOf, NoBaselineError, NoStagingBaselineError } from './errors.js'
import { checkManifest, type ManifestCheck } from './manifest-check.js'
import { isBaseline, type Baseline, type BaselineSource } from './types.js'
import { displayUrl } from '../secrets.js'

/** A baseline placed in the action's state directory, with its manifest parsed and checked. */
export interface PlacedBaseline extends Baseline {
  /** The parsed manifest (read from disk once; everything after works on this object). */
  manifest: Manifest
  /** `metadata.dbt_version`, when present. */
  dbtVersion?: string
}

/** What obtaining the baseline came to. */
export type BaselineOutcome =
  { kind: 'found'; baseline: PlacedBaseline } | { kind: 'none'; env: DeferredEnv; searched: string[]; buildAll: true }

/** What {@link obtainBaseline} needs besides the settings and the source. */
export interface ObtainArgs {
  /** The action's own state directory; `manifest.json` is written there and nowhere else. */
  stateDir: string
  /**
   * This dbt project: the manifest must belong to it, and must not be the project's own output
   * (a baseline under `targetDir` was written by this job's dbt, not by a deploy).
   */
  project: { name: string; targetDir?: string }
  log: Logger
  /**
   * Reads a file's JSON (the one read of each baseline manifest), a big one as an index when
   * `index` is asked; default: from disk, any size.
   */
  readJson?: (path: string, how?: ReadHow) => Promise<unknown>
}

/**
 * Finds the baseline of the chosen environment. Throws {@link NoStagingBaselineError} when
 * staging was chosen and has none (never falls back to production), {@link NoBaselineError}
 * when production has none and `if-no-baseline` is `fail`; returns `none` for `build-all`.
 * The fetched-baseline cache is consulted inside the remote sources (see fetched-cache.ts).
 */
export async function obtainBaseline(settings: BaselineSettings, source: BaselineSource, args: ObtainArgs): Promise<BaselineOutcome> {
  const env = await chooseEnv(settings.deferEnv, source)
  args.log.info(`Deferring to ${env} (${whyEnv(settings, env)}); baseline source: ${source.kind}.`)
  const finalPath = join(args.stateDir, 'manifest.json')
  const incoming = join(args.stateDir, '.incoming')
  // A manifest left by an earlier step of the job must never stand in for this one.
  await rm(finalPath, { force: true })
  await rm(incoming, { recursive: true, force: true })
  await mkdir(incoming, { recursive: true })
  try {
    const result = await source.fetch(env, incoming)
    if (!isBaseline(result)) return nothingFound(settings, env, result.searched)
    return { kind: 'found', baseline: await place(result, finalPath, args) }
  } finally {
    await rm(incoming, { recursive: true, force: true })
  }
}

/** Checks the fetched manifest and moves it to its final place. */
async function place(found: Baseline, finalPath: string, args: Omit<ObtainArgs, 'stateDir'>): Promise<PlacedBaseline> {
  refuseOwnOutput(found, args.project.targetDir)
  const check = await readAndCheck(found, args)
  check.notes.forEach((note) => args.log.info(note))
  if (resolve(found.manifestPath) !== resolve(finalPath)) {
    await rename(found.manifestPath, finalPath).catch(() => copyFile(found.manifestPath, finalPath))
  }
  const baseline = {
    ...found,
    manifestPath: finalPath,
    generatedAt: found.generatedAt ?? check.generatedAt,
    manifest: check.manifest,
    dbtVersion: check.dbtVersion
  }
  args.log.info(
    `Baseline: ${baseline.location} (${baseline.env}${baseline.generatedAt ? `, generated ${baseline.generatedAt}` : ''}${check.dbtVersion ? `, dbt ${check.dbtVersion}` : ''}).`
  )
  return baseline
}

/** A `path` baseline inside the project's target directory is this job's own manifest, not a deploy's. */
function refuseOwnOutput(found: Baseline, targetDir: string | undefined): void {
  if (found.source !== 'path' || !targetDir) return
  const rel = relative(resolve(targetDir), resolve(found.location))
  if (rel.startsWith('..') || isAbsolute(rel)) return
  const input = found.env === 'staging' ? 'staging-state-path' : 'state-path'
  throw new BaselineConfigError(
    `The input \`${input}\` points at ${found.location}, inside the project's own target directory (${targetDir}): that manifest was written by dbt in this job, ` +
      `so comparing with it selects nothing and defers to nothing. Give the ${found.env} deploy's manifest instead, downloaded to a directory of its own (e.g. prod-state/manifest.json).`,
    input
  )
}

/**
 * Reads the manifest, a big one as an index (see dbt/json-file.ts), and checks it. The check
 * reads an indexed manifest's entries from the file, so a file changed meanwhile fails here too.
 */
async function readAndCheck(found: Baseline, args: Omit<ObtainArgs, 'stateDir'>): Promise<ManifestCheck> {
  let value: unknown
  try {
    value = await (args.readJson ?? readArtifact)(found.manifestPath, { index: true })
  } catch (error) {
    throw unreadable(found, error)
  }
  try {
    return checkManifest(value, { projectName: args.project.name }, found.location)
  } catch (error) {
    throw error instanceof ArtifactChangedError ? unreadable(found, error) : error
  }
}

/** A baseline manifest that could not be read, or is not JSON, as the message a user gets. */
function unreadable(found: Baseline, error: unknown): ManifestCheckError {
  if (error instanceof SyntaxError) {
    return new ManifestCheckError(
      `The baseline manifest from ${found.location} is not valid JSON: ${error.message}. ` +
        'It may be truncated or not a manifest at all; publish target/manifest.json of a successful deploy run again.',
      found.location
    )
  }
  return new ManifestCheckError(
    `Could not read the baseline manifest from ${found.location} (${found.manifestPath}): ${messageOf(error)}`,
    found.location
  )
}

function nothingFound(settings: BaselineSettings, env: DeferredEnv, searched: string[]): BaselineOutcome {
  const where = searched.length ? searched.map((line) => `\n  - ${line}`).join('') : '\n  - (nothing to search)'
  if (env === 'staging') {
    throw new NoStagingBaselineError(
      `No staging baseline was found (${whyEnv(settings, 'staging')}). Searched:${where}\n` +
        `Run the staging deploy successfully once so it leaves a baseline (${howToPublish(settings, 'staging')}), or set \`defer-env: production\` to defer to production. ` +
        'The action does not fall back to production by itself: like dbt Cloud, it defers to one environment per run.',
      env,
      searched
    )
  }
  if (settings.ifNoBaseline === 'fail') {
    throw new NoBaselineError(
      `No production baseline was found. Searched:${where}\nPublish a first baseline: ${howToPublish(settings, 'production')} ` +
        'Or set `if-no-baseline: build-all` to build everything without defer until a baseline exists.',
      env,
      searched
    )
  }
  return { kind: 'none', env, searched, buildAll: true }
}

/** Why this environment was chosen, in the user's terms. */
export function whyEnv(settings: BaselineSettings, env: DeferredEnv): string {
  if (settings.deferEnv !== 'auto') return `\`defer-env: ${settings.deferEnv}\``
  if (env === 'production') return '`defer-env: auto` and no staging is configured'
  const because: Record<BaselineSettings['source'], string> = {
    'github-artifact': '`staging-workflow` is set',
    'actions-cache': '`staging-cache` is true',
    'dbt-cloud': settings.dbtCloud.deferEnvId
      ? `the pinned environment ${settings.dbtCloud.deferEnvId} is a staging environment`
      : 'the dbt Cloud project has a staging environment',
    url: '`staging-url` is set',
    path: '`staging-state-path` is set'
  }
  return `\`defer-env: auto\` and ${because[settings.source]}`
}

/** How a baseline of `env` gets to where the configured source looks. */
export function howToPublish(settings: BaselineSettings, env: DeferredEnv): string {
  switch (settings.source) {
    case 'github-artifact': {
      const a = settings.artifact
      const workflow = env === 'staging' ? a.stagingWorkflow : a.productionWorkflow
      return `the workflow '${workflow ?? '(set `production-workflow`)'}' must succeed on ${a.branch ? `the branch '${a.branch}'` : 'the default branch'} and upload an artifact named '${a.artifactName}' holding dbt's target/manifest.json (actions/upload-artifact).`
    }
    case 'actions-cache':
      return `run this action with \`mode: publish\` in the ${env} deploy job after dbt build, on a branch pull requests can read caches from (the default branch or the base branch); it saves target/manifest.json under keys starting with '${settings.cache.keyPrefix}-'.`
    case 'dbt-cloud':
      return `run a deploy job (not a CI job) successfully in the dbt Cloud ${env} environment, with its artifacts saved.`
    case 'url': {
      const url = env === 'staging' ? settings.url.staging : settings.url.production
      return `upload the ${env} deploy's target/manifest.json to ${url ? displayUrl(url) : 'the URL'} after each deploy.`
    }
    case 'path':
      return `put the ${env} manifest.json at ${(env === 'staging' ? settings.path.staging : settings.path.production) ?? 'the path'} before this step (e.g. download it in an earlier step).`
  }
}

/** The baseline of one environment the inputs point to, for the safety check, or why it is not at hand. */
export interface EnvEvidence {
  env: DeferredEnv
  manifest?: Manifest
  missing?: { why: string; allowed: boolean }
}

/** Whether the inputs point to production's baseline at all (some sources need an input for it). */
function productionConfigured(settings: BaselineSettings): boolean {
  switch (settings.source) {
    case 'path':
      return Boolean(settings.path.production)
    case 'url':
      return Boolean(settings.url.production)
    case 'github-artifact':
      return Boolean(settings.artifact.productionWorkflow)
    default:
      return true
  }
}

/** Every environment the inputs point to: staging when configured, production when configured. */
export async function configuredEnvs(settings: BaselineSettings, source: BaselineSource): Promise<DeferredEnv[]> {
  const envs: DeferredEnv[] = []
  if (productionConfigured(settings) || settings.deferEnv === 'production') envs.push('production')
  if (settings.deferEnv === 'staging' || (await source.stagingConfigured())) envs.push('staging')
  return envs
}

/**
 * The baselines of every configured environment, for the safety check: the one already found
 * for deferral is reused, the others are fetched into `evidenceDir(env)`. A search that finds
 * nothing is allowed only under `if-no-baseline: build-all`; a search that fails is never allowed.
 */
export async function obtainEvidence(
  settings: BaselineSettings,
  source: BaselineSource,
  args: Omit<ObtainArgs, 'stateDir'> & { evidenceDir: (env: DeferredEnv) => string; known?: BaselineOutcome }
): Promise<EnvEvidence[]> {
  const evidence: EnvEvidence[] = []
  for (const env of await configuredEnvs(settings, source)) {
    const known = args.known
    if (known?.kind === 'found' && known.baseline.env === env) evidence.push({ env, manifest: known.baseline.manifest })
    else if (known?.kind === 'none' && known.env === env) evidence.push({ env, missing: { why: 'no baseline was found', allowed: true } })
    else evidence.push(await fetchEvidence(settings, source, env, args))
  }
  return evidence
}

async function fetchEvidence(
  settings: BaselineSettings,
  source: BaselineSource,
  env: DeferredEnv,
  args: Omit<ObtainArgs, 'stateDir'> & { evidenceDir: (env: DeferredEnv) => string }
): Promise<EnvEvidence> {
  const dir = args.evidenceDir(env)
  try {
    const result = await source.fetch(env, join(dir, '.incoming'))
    if (!isBaseline(result)) {
      return {
        env,
        missing: {
          why: `no ${env} baseline was found: ${result.searched.join('; ') || 'nothing to search'}`,
          allowed: settings.ifNoBaseline === 'build-all'
        }
      }
    }
    const placed = await place(result, join(dir, 'manifest.json'), args)
    return { env, manifest: placed.manifest }
  } catch (error) {
    return { env, missing: { why: `fetching it failed: ${messageOf(error)}`, allowed: false } }
  } finally {
    await rm(join(dir, '.incoming'), { recursive: true, force: true })
  }
}
