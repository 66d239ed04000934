import { createWriteStream } from 'node:fs'
import { copyFile, mkdir, readFile, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { httpStatus, messageOf } from '../github/errors.js'
import type { GitHubClient, Logger } from '../github/octokit.js'
import { parseRepository } from '../github/pull-request.js'
import type { ArtifactSourceSettings, DeferredEnv } from '../settings.js'
import { BaselineAuthError, BaselineConfigError } from './errors.js'
import type { Baseline, BaselineSource, SearchReport } from './types.js'
import { extractZip } from './unzip.js'
import type { FetchedCache } from './fetched-cache.js'

/** What the `github-artifact` source needs. */
export interface GitHubArtifactSourceDeps {
  client: GitHubClient
  /** owner/repo whose deploy runs are searched (the run's own repository). */
  repository: string
  /** Web base URL (GITHUB_SERVER_URL), for links in messages. */
  serverUrl: string
  settings: ArtifactSourceSettings
  log: Logger
  /** Scratch directory for downloaded zips and their contents; cleaned after each artifact. */
  downloadDir: string
  /** The fetched-baseline cache (`cache-baseline`): a re-run with the same newest deploy skips the download. */
  fetched?: FetchedCache
}

/** Events whose runs are CI checks, never deploys: their artifacts are not a baseline. */
const CI_EVENTS = new Set(['pull_request', 'pull_request_target', 'merge_group'])

/** A signed download must finish within this time. */
const DOWNLOAD_TIMEOUT_MS = 10 * 60_000

type Run = {
  id: number
  event: string
  conclusion: string | null
  head_sha: string
  head_branch: string | null
  html_url: string
  created_at: string
  head_repository?: { full_name: string } | null
}
type Artifact = { id: number; name: string; expired: boolean; created_at?: string | null }

interface Search {
  deps: GitHubArtifactSourceDeps
  owner: string
  repo: string
  env: DeferredEnv
  workflow: string
  destDir: string
}

/**
 * The baseline source that takes manifest.json from the artifact of the latest successful
 * deploy run of a workflow (production's or staging's) on the deploy branch of this repository.
 */
export function createGitHubArtifactSource(deps: GitHubArtifactSourceDeps): BaselineSource {
  return {
    kind: 'github-artifact',
    stagingConfigured: async () => Boolean(deps.settings.stagingWorkflow),
    fetch: (env, destDir) => findBaseline(deps, env, destDir)
  }
}

/** Walks successful runs newest first until one yields a usable manifest, at most `maxRuns` of them. */
async function findBaseline(deps: GitHubArtifactSourceDeps, env: DeferredEnv, destDir: string): Promise<Baseline | SearchReport> {
  const { owner, repo } = parseRepository(deps.repository)
  const search: Search = { deps, owner, repo, env, workflow: workflowOf(deps.settings, env), destDir }
  const branch = deps.settings.branch || (await defaultBranch(search))
  const maxRuns = Math.max(1, deps.settings.maxRuns)
  const searched: string[] = []
  let examined = 0
  for await (const runs of runPages(search, branch, Math.min(100, maxRuns))) {
    for (const run of runs) {
      if (examined === maxRuns) {
        searched.push(`stopped after ${maxRuns} runs (input max-runs-searched); raise it to look further back`)
        return { searched }
      }
      examined++
      const outcome = await considerRun(search, run)
      if (typeof outcome !== 'string') return outcome
      deps.log.debug(outcome)
      searched.push(outcome)
    }
  }
  if (examined === 0) {
    const page = `${deps.serverUrl}/${deps.repository}/actions/workflows/${encodeURIComponent(search.workflow)}`
    searched.push(`workflow ${search.workflow} has no successful run on branch ${branch} of ${deps.repository} (${page})`)
  }
  return { searched }
}

/** The workflow of `env`; an unset one is an input error. */
function workflowOf(settings: ArtifactSourceSettings, env: DeferredEnv): string {
  const workflow = env === 'staging' ? settings.stagingWorkflow : settings.productionWorkflow
  if (!workflow) {
    const input = `${env}-workflow`
    throw new BaselineConfigError(
      `Input ${input} is empty, so there is no ${env} deploy workflow to take the baseline from. ` +
        `Set ${input} to the file name of the workflow that uploads the manifest artifact (e.g. deploy.yml), or its id.`,
      input
    )
  }
  return workflow
}

async function defaultBranch(search: Search): Promise<string> {
  const { client } = search.deps
  try {
    const { data } = await client.rest.repos.get({ owner: search.owner, repo: search.repo })
    return data.default_branch
  } catch (error) {
    throw accessError(error, search, `read repository ${search.deps.repository} to learn its default branch (or set input baseline-branch)`, 'metadata: read')
  }
}

/** Pages of successful runs of the workflow on the branch, newest first. */
async function* runPages(search: Search, branch: string, perPage: number): AsyncGenerator<Run[]> {
  const { client } = search.deps
  const pages = client.paginate.iterator(client.rest.actions.listWorkflowRuns, {
    owner: search.owner,
    repo: search.repo,
    workflow_id: search.workflow,
    branch,
    status: 'success',
    exclude_pull_requests: true,
    per_page: perPage
  })[Symbol.asyncIterator]()
  for (;;) {
    let step: IteratorResult<{ data: Run[] }>
    try {
      step = await pages.next()
    } catch (error) {
      throw listError(error, search)
    }
    if (step.done) return
    yield step.value.data
  }
}

/** A baseline from this run, or the sentence saying why the run was passed over. */
async function considerRun(search: Search, run: Run): Promise<Baseline | string> {
  const label = `run ${run.id} of ${run.created_at} (${run.event}, ${run.head_sha.slice(0, 7)})`
  const skip = skipReason(run, search.deps.repository)
  if (skip) return `${label}: skipped, ${skip}`
  const artifact = await newestArtifact(search, run)
  if (typeof artifact === 'string') return `${label}: ${artifact}`
  const outcome = await useArtifact(search, run, artifact)
  return typeof outcome === 'string' ? `${label}: ${outcome}` : outcome
}

function skipReason(run: Run, repository: string): string | undefined {
  if (CI_EVENTS.has(run.event)) return `it was triggered by ${run.event}, a CI event, not a deploy`
  const head = run.head_repository?.full_name
  if (!head || head.toLowerCase() !== repository.toLowerCase()) {
    return `it ran on a branch of ${head ?? 'a deleted repository'} (a fork), not of ${repository}`
  }
  if (run.conclusion !== 'success') return `its conclusion is ${run.conclusion ?? 'not set yet'}`
  return undefined
}

/** The newest unexpired artifact of the configured name (reruns leave several), or why there is none. */
async function newestArtifact(search: Search, run: Run): Promise<Artifact | string> {
  const { client, settings } = search.deps
  const name = settings.artifactName
  let all: Artifact[]
  try {
    all = await client.paginate(client.rest.actions.listWorkflowRunArtifacts, { owner: search.owner, repo: search.repo, run_id: run.id, name, per_page: 100 })
  } catch (error) {
    throw accessError(error, search, `list the artifacts of run ${run.id}`, 'actions: read')
  }
  const named = all.filter(a => a.name === name).sort((a, b) => time(b) - time(a) || b.id - a.id)
  if (named.length === 0) return `it has no artifact named "${name}" (input artifact-name)`
  const usable = named.find(a => !a.expired)
  return usable ?? `its artifact "${name}" has expired (artifact id ${named[0].id})`
}

function time(artifact: Artifact): number {
  return artifact.created_at ? Date.parse(artifact.created_at) : 0
}

/** Downloads and unpacks the artifact and puts its manifest at `destDir/manifest.json`. */
async function useArtifact(search: Search, run: Run, artifact: Artifact): Promise<Baseline | string> {
  const identity = identityOf(search, run, artifact)
  const cached = join(search.deps.downloadDir, `cached-${artifact.id}.json`)
  if (await search.deps.fetched?.restore(identity, cached)) {
    try {
      return await place(search, run, artifact, cached)
    } finally {
      await rm(cached, { force: true })
    }
  }
  const placed = await downloadAndPlace(search, run, artifact)
  if (typeof placed !== 'string') await search.deps.fetched?.save(identity, placed.manifestPath)
  return placed
}

/** The identity of a baseline taken from an artifact: repository, run and artifact. */
function identityOf(search: Search, run: Run, artifact: Artifact): string {
  return `github-artifact:${search.deps.repository}:${run.id}:${artifact.id}`
}

/** Downloads the artifact, unpacks it and places its manifest. */
async function downloadAndPlace(search: Search, run: Run, artifact: Artifact): Promise<Baseline | string> {
  const { downloadDir } = search.deps
  const zipPath = join(downloadDir, `artifact-${artifact.id}.zip`)
  const unpacked = join(downloadDir, `artifact-${artifact.id}`)
  await mkdir(downloadDir, { recursive: true })
  try {
    if (!(await downloadZip(search, artifact, zipPath))) return `its artifact "${artifact.name}" has expired (artifact id ${artifact.id}, HTTP 410)`
    const files = await extractZip(zipPath, unpacked)
    const manifest = pickManifest(files)
    if (manifest.startsWith('!')) return `its artifact "${artifact.name}" (id ${artifact.id}) ${manifest.slice(1)}`
    return await place(search, run, artifact, join(unpacked, manifest))
  } finally {
    await rm(zipPath, { force: true })
    await rm(unpacked, { recursive: true, force: true })
  }
}

/**
 * Follows the artifact's 302 by hand: the signed storage URL must be fetched without the
 * GitHub token (storage refuses it, and the token must not leave GitHub). Returns false on 410.
 */
async function downloadZip(search: Search, artifact: Artifact, zipPath: string): Promise<boolean> {
  const { client } = search.deps
  let location: string | undefined
  try {
    const res = await client.rest.actions.downloadArtifact({
      owner: search.owner,
      repo: search.repo,
      artifact_id: artifact.id,
      archive_format: 'zip',
      request: { redirect: 'manual' }
    })
    location = res.headers.location
  } catch (error) {
    if (httpStatus(error) === 410) return false
    throw accessError(error, search, `download artifact ${artifact.id}`, 'actions: read')
  }
  if (!location) throw new Error(`GitHub gave no download location for artifact ${artifact.id} of ${search.deps.repository}; re-run the job, and report it if it persists.`)
  const blob = await fetch(location, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) })
  if (!blob.ok || !blob.body) {
    const detail = (await blob.text().catch(() => '')).slice(0, 300)
    throw new Error(`Downloading artifact ${artifact.id} from ${new URL(location).host} failed with HTTP ${blob.status}: ${detail}. Re-run the job; the download link GitHub hands out is short-lived.`)
  }
  await pipeline(Readable.fromWeb(blob.body as WebReadableStream<Uint8Array>), createWriteStream(zipPath))
  return true
}

/** `manifest.json` at the root or the single nested one; a `!`-prefixed reason otherwise. */
function pickManifest(files: string[]): string {
  if (files.includes('manifest.json')) return 'manifest.json'
  const nested = files.filter(f => f.endsWith('/manifest.json'))
  if (nested.length === 1) return nested[0]
  if (nested.length > 1) return `!holds several manifest.json files (${nested.join(', ')}) and none at its root`
  const listing = files.length ? files.slice(0, 5).join(', ') + (files.length > 5 ? ', ...' : '') : 'nothing'
  return `!holds no manifest.json (it has ${listing})`
}

async function place(search: Search, run: Run, artifact: Artifact, manifestPath: string): Promise<Baseline | string> {
  let generatedAt: string | undefined
  try {
    generatedAt = JSON.parse(await readFile(manifestPath, 'utf8'))?.metadata?.generated_at
  } catch (error) {
    return `its artifact "${artifact.name}" (id ${artifact.id}) holds a manifest.json that is not JSON (${messageOf(error)})`
  }
  await mkdir(search.destDir, { recursive: true })
  const dest = resolve(search.destDir, 'manifest.json')
  await copyFile(manifestPath, dest)
  const { deps } = search
  const location = `artifact "${artifact.name}" of workflow ${search.workflow}, run ${run.id} on ${run.head_branch ?? '?'}`
  deps.log.info(`Baseline of ${search.env}: ${location} (${run.html_url})`)
  return {
    env: search.env,
    source: 'github-artifact',
    runId: String(run.id),
    runUrl: run.html_url,
    sha: run.head_sha,
    generatedAt: typeof generatedAt === 'string' ? generatedAt : undefined,
    identity: identityOf(search, run, artifact),
    location,
    manifestPath: dest
  }
}

/** Errors of listing runs: 404 means the workflow input names no workflow here. */
function listError(error: unknown, search: Search): unknown {
  if (httpStatus(error) !== 404) return accessError(error, search, `list the runs of workflow ${search.workflow}`, 'actions: read')
  const input = `${search.env}-workflow`
  return new BaselineConfigError(
    `Input ${input} is '${search.workflow}', but ${search.deps.repository} has no such workflow the token can see (GitHub answered 404). ` +
      `Give the file name of the deploy workflow under .github/workflows (e.g. deploy.yml) or its numeric id.`,
    input
  )
}

/** 403/404 become {@link BaselineAuthError} naming the permission; other errors pass through. */
function accessError(error: unknown, search: Search, what: string, permission: string): unknown {
  const status = httpStatus(error)
  if ((status !== 403 && status !== 404) || /rate limit/i.test(messageOf(error))) return error
  return new BaselineAuthError(
    `The token may not ${what} (GitHub answered ${status}: ${messageOf(error).split('\n')[0]}). ` +
      `Grant the job \`permissions: ${permission}\`, or pass a github-token that can read ${search.deps.repository}.`,
    status,
    'github-token'
  )
}
