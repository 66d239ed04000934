import { copyFile, mkdir, open, rm } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { httpStatus } from '../github/errors.js'
import type { GitHubClient, Logger } from '../github/octokit.js'
import { parseRepository } from '../github/pull-request.js'
import type { ArtifactSourceSettings, DeferredEnv } from '../settings.js'
import { displayUrl, downloadToFile, timedFetch, withDeadline, type HttpOptions } from './download.js'
import { BaselineConfigError, BaselineServiceError } from './errors.js'
import { accessError, listError, type RequestContext } from './github-api-errors.js'
import type { Baseline, BaselineSource, SearchReport } from './types.js'
import { CorruptZipError, extractZip } from './unzip.js'
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
  /** Time limits and retries of the artifact download; the GitHub API calls get the same time limits. */
  http?: HttpOptions
}

/** Events whose runs are CI checks, never deploys: their artifacts are not a baseline. */
const CI_EVENTS = new Set(['pull_request', 'pull_request_target', 'merge_group'])

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
  /** HTTP options of this search, its deadline included. */
  http: HttpOptions
  /** Request options for the GitHub client: this search's time limits. */
  request: { fetch: typeof fetch }
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
  const http = withDeadline({ ...deps.http, log: deps.http?.log ?? deps.log })
  const search: Search = {
    deps,
    owner,
    repo,
    env,
    workflow: workflowOf(deps.settings, env),
    destDir,
    http,
    request: { fetch: timedFetch(http) }
  }
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
    const { data } = await client.rest.repos.get({ owner: search.owner, repo: search.repo, request: search.request })
    return data.default_branch
  } catch (error) {
    throw accessError(
      error,
      requestContext(search),
      `read repository ${search.deps.repository} to learn its default branch (or set input baseline-branch)`,
      'metadata: read'
    )
  }
}

/**
 * Pages of successful runs of the workflow on the branch, newest first. Paged by hand: the
 * client's paginate drops per-request options, and with them this search's time limits.
 */
async function* runPages(search: Search, branch: string, perPage: number): AsyncGenerator<Run[]> {
  const { client } = search.deps
  for (let page = 1; ; page++) {
    let runs: Run[]
    let total: number
    try {
      const { data } = await client.rest.actions.listWorkflowRuns({
        owner: search.owner,
        repo: search.repo,
        workflow_id: search.workflow,
        branch,
        status: 'success',
        exclude_pull_requests: true,
        per_page: perPage,
        page,
        request: search.request
      })
      runs = data.workflow_runs as Run[]
      total = data.total_count
    } catch (error) {
      throw listError(error, requestContext(search))
    }
    yield runs
    if (runs.length < perPage || page * perPage >= total) return
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
  const all: Artifact[] = []
  try {
    for (let page = 1; ; page++) {
      const { data } = await client.rest.actions.listWorkflowRunArtifacts({
        owner: search.owner,
        repo: search.repo,
        run_id: run.id,
        name,
        per_page: 100,
        page,
        request: search.request
      })
      all.push(...data.artifacts)
      if (data.artifacts.length < 100 || all.length >= data.total_count) break
    }
  } catch (error) {
    throw accessError(error, requestContext(search), `list the artifacts of run ${run.id}`, 'actions: read')
  }
  const named = all.filter((a) => a.name === name).sort((a, b) => time(b) - time(a) || b.id - a.id)
  if (named.length === 0) return `it has no artifact named "${name}" (input artifact-name)`
  const usable = named.find((a) => !a.expired)
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
    if (!(await downloadZip(search, artifact, zipPath)))
      return `its artifact "${artifact.name}" has expired (artifact id ${artifact.id}, HTTP 410)`
    const files = await extractOrWhyNot(search, artifact, zipPath, unpacked)
    if (typeof files === 'string') return files
    const manifest = pickManifest(files)
    if (manifest.startsWith('!')) return `its artifact "${artifact.name}" (id ${artifact.id}) ${manifest.slice(1)}`
    return await place(search, run, artifact, join(unpacked, manifest))
  } finally {
    await rm(zipPath, { force: true })
    await rm(unpacked, { recursive: true, force: true })
  }
}

/** The unpacked files, or why the artifact is passed over: a corrupt zip is skipped like one without a manifest. */
async function extractOrWhyNot(search: Search, artifact: Artifact, zipPath: string, unpacked: string): Promise<string[] | string> {
  try {
    return await extractZip(zipPath, unpacked)
  } catch (error) {
    if (!(error instanceof CorruptZipError)) throw error
    const why = `its artifact "${artifact.name}" (id ${artifact.id}) is a corrupt or truncated zip (${error.detail}), so an older run is tried`
    search.deps.log.warning(
      `Baseline search: artifact "${artifact.name}" (id ${artifact.id}) is a corrupt or truncated zip (${error.detail}); trying an older deploy run.`
    )
    return why
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
      request: { ...search.request, redirect: 'manual' }
    })
    location = res.headers.location
  } catch (error) {
    if (httpStatus(error) === 410) return false
    throw accessError(error, requestContext(search), `download artifact ${artifact.id}`, 'actions: read')
  }
  if (!location) {
    throw new BaselineServiceError(
      `GitHub gave no download location for artifact ${artifact.id} of ${search.deps.repository} (HTTP 302 without Location); re-run the job, and report it if it persists.`
    )
  }
  return fetchBlob(search, artifact, location, zipPath)
}

/** Downloads the signed blob (retried like any download), without the GitHub token. */
async function fetchBlob(search: Search, artifact: Artifact, location: string, zipPath: string): Promise<boolean> {
  const what = `Downloading the zip of artifact ${artifact.id} ("${artifact.name}") from ${displayUrl(location)}`
  const result = await downloadToFile(location, zipPath, {}, what, search.http)
  if (result.ok) return true
  throw new BaselineServiceError(
    `Downloading artifact ${artifact.id} from ${new URL(location).host} failed with HTTP ${result.status}: ${result.body.slice(0, 300)}. ` +
      'Re-run the job; the download link GitHub hands out is short-lived.',
    result.status
  )
}

/** `manifest.json` at the root or the single nested one; a `!`-prefixed reason otherwise. */
function pickManifest(files: string[]): string {
  if (files.includes('manifest.json')) return 'manifest.json'
  const nested = files.filter((f) => f.endsWith('/manifest.json'))
  if (nested.length === 1) return nested[0]
  if (nested.length > 1) return `!holds several manifest.json files (${nested.join(', ')}) and none at its root`
  const listing = files.length ? files.slice(0, 5).join(', ') + (files.length > 5 ? ', ...' : '') : 'nothing'
  return `!holds no manifest.json (it has ${listing})`
}

/**
 * A look at the file's edges, not a read of the manifest (the one full read and check are
 * obtain.ts's): whether its first and last non-blank bytes are `{` and `}` (so a truncated upload
 * still falls back to an older run here), and `metadata.generated_at`, which dbt writes first.
 */
async function sniffManifest(path: string): Promise<{ whole: boolean; generatedAt?: string }> {
  const file = await open(path, 'r')
  try {
    const { size } = await file.stat()
    const head = Buffer.alloc(Math.min(size, 4096))
    const tail = Buffer.alloc(Math.min(size, 256))
    await file.read(head, 0, head.length, 0)
    await file.read(tail, 0, tail.length, size - tail.length)
    const start = head.toString('utf8')
    const whole = start.trimStart().startsWith('{') && tail.toString('latin1').trimEnd().endsWith('}')
    const metadata = /^\s*\{\s*"metadata"\s*:\s*\{[^{}]*?"generated_at"\s*:\s*"([^"\\]+)"/.exec(start)
    return { whole, generatedAt: metadata?.[1] }
  } finally {
    await file.close()
  }
}

async function place(search: Search, run: Run, artifact: Artifact, manifestPath: string): Promise<Baseline | string> {
  const { whole, generatedAt } = await sniffManifest(manifestPath)
  if (!whole) {
    return `its artifact "${artifact.name}" (id ${artifact.id}) holds a manifest.json that is not a whole JSON object (truncated, or not JSON)`
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
    identity: identityOf(search, run, artifact),
    location,
    generatedAt,
    manifestPath: dest
  }
}

/** What the error explanations need of a search. */
function requestContext(search: Search): RequestContext {
  return { repository: search.deps.repository, workflow: search.workflow, env: search.env, deadline: search.http.deadline }
}
