/**
 * When the baseline lags the pull request: the deployed commit is not the PR's merge base
 * (production has not deployed what the base branch has, or the base moved on), some nodes are
 * selected only because of that. From git: the baseline commit, the merge base, the files the PR
 * itself changed; mapped to nodes by their files. A shallow checkout is deepened when it lacks a
 * commit, or the report says which `fetch-depth` to set.
 */
import { getExecOutput } from '@actions/exec'
import type { Manifest, ManifestNode } from '../dbt/artifact-types.js'
import type { NodeWhy } from './why.js'

/** Runs git in the repository. */
export interface Git {
  run(args: string[]): Promise<{ code: number; stdout: string }>
}

/** git in `dir`, with an argv (no shell), through @actions/exec; never prompts, prints nothing. */
export function gitIn(dir: string, env: Record<string, string>): Git {
  return {
    async run(args) {
      try {
        const r = await getExecOutput('git', args, {
          cwd: dir,
          env: { ...env, GIT_TERMINAL_PROMPT: '0' },
          silent: true,
          ignoreReturnCode: true
        })
        return { code: r.exitCode, stdout: r.stdout }
      } catch {
        return { code: 127, stdout: '' }
      }
    }
  }
}

/** What git says about the baseline's lag. */
export interface Lag {
  /** The deployed commit the baseline was built from. */
  baselineSha: string
  /** The merge base of the PR's head and its base. */
  mergeBase: string
  headSha: string
  /** Commits the base branch has that the baseline does not (production has not deployed them). */
  behind: number
  /** Commits the baseline has that the PR's merge base does not (the base moved on since the PR branched). */
  ahead: number
  /** Files the PR itself changed, relative to the repository root. */
  prFiles: string[]
  /** Files that differ between the baseline's commit and the PR's head, relative to the repository root. */
  sinceBaseline: string[]
  /** Files that differ between the baseline's commit and the merge base: what the lag itself changed. */
  lagFiles: string[]
  /** Link comparing the baseline with the PR's head. */
  compareUrl?: string
}

/** The lag, or why it is not known. */
export type LagOutcome = { kind: 'known'; lag: Lag } | { kind: 'unknown'; why: string }

/** The commits the lag needs. */
export interface LagCommits {
  baselineSha?: string
  baseSha?: string
  headSha?: string
  /** owner/repo and the web base URL, for the compare link. */
  repository?: string
  serverUrl?: string
}

async function has(git: Git, sha: string): Promise<boolean> {
  return (await git.run(['cat-file', '-e', `${sha}^{commit}`])).code === 0
}

/** Fetches what a shallow or partial checkout lacks: the history (trees only), then the commits by name. */
async function fetchMissing(git: Git, shas: string[]): Promise<void> {
  const shallow = (await git.run(['rev-parse', '--is-shallow-repository'])).stdout.trim() === 'true'
  if (shallow) await git.run(['fetch', '--no-tags', '--quiet', '--filter=blob:none', '--unshallow', 'origin'])
  const missing = []
  for (const sha of shas) if (!(await has(git, sha))) missing.push(sha)
  if (missing.length > 0) await git.run(['fetch', '--no-tags', '--quiet', '--filter=blob:none', 'origin', ...missing])
}

async function lines(git: Git, args: string[]): Promise<string[]> {
  const r = await git.run(args)
  return r.code === 0 ? r.stdout.split('\n').filter((l) => l.trim() !== '') : []
}

async function count(git: Git, range: string): Promise<number> {
  const r = await git.run(['rev-list', '--count', range])
  return r.code === 0 ? Number(r.stdout.trim()) : 0
}

/** Finds the lag from git, fetching what a shallow checkout lacks. */
export async function findLag(git: Git, c: LagCommits): Promise<LagOutcome> {
  if (!c.baselineSha) return { kind: 'unknown', why: "the baseline's commit is not known (its source gives none)" }
  if (!c.baseSha || !c.headSha) return { kind: 'unknown', why: 'the run has no pull request base to compare with' }
  if ((await git.run(['rev-parse', '--git-dir'])).code !== 0) return { kind: 'unknown', why: 'the workspace is not a git checkout' }
  const needed = [c.baselineSha, c.baseSha, c.headSha]
  if (!(await Promise.all(needed.map((s) => has(git, s)))).every(Boolean)) await fetchMissing(git, needed)
  for (const sha of needed) {
    if (!(await has(git, sha))) {
      return {
        kind: 'unknown',
        why: `commit ${sha.slice(0, 12)} is not in this checkout and could not be fetched: set \`fetch-depth: 0\` on actions/checkout`
      }
    }
  }
  const base = (await git.run(['merge-base', c.baseSha, c.headSha])).stdout.trim()
  if (!base)
    return { kind: 'unknown', why: 'the pull request has no merge base with its base branch in this checkout (set `fetch-depth: 0`)' }
  const lag: Lag = {
    baselineSha: c.baselineSha,
    mergeBase: base,
    headSha: c.headSha,
    behind: await count(git, `${c.baselineSha}..${base}`),
    ahead: await count(git, `${base}..${c.baselineSha}`),
    prFiles: await lines(git, ['diff', '--name-only', '--no-renames', base, c.headSha]),
    sinceBaseline: await lines(git, ['diff', '--name-only', '--no-renames', c.baselineSha, c.headSha]),
    lagFiles: await lines(git, ['diff', '--name-only', '--no-renames', c.baselineSha, base])
  }
  if (c.repository && c.serverUrl) lag.compareUrl = `${c.serverUrl}/${c.repository}/compare/${c.baselineSha}...${c.headSha}`
  return { kind: 'known', lag }
}

/** Keys of a manifest's `metadata.env` (dbt's DBT_ENV_CUSTOM_ENV_ variables, prefix removed) that name the deployed commit. */
const COMMIT_KEYS = ['GIT_SHA', 'GITHUB_SHA', 'GIT_COMMIT', 'COMMIT_SHA', 'CI_COMMIT_SHA']

/**
 * The commit the baseline was built from: the deploy run's, else one the deploy recorded in the
 * manifest's metadata (`DBT_ENV_CUSTOM_ENV_GIT_SHA` set for its dbt).
 */
export function baselineCommit(runSha: string | undefined, manifest: Manifest): string | undefined {
  if (runSha) return runSha
  const env = manifest.metadata?.env
  if (typeof env !== 'object' || env === null) return undefined
  for (const key of COMMIT_KEYS) {
    const value = (env as Record<string, unknown>)[key]
    if (typeof value === 'string' && /^[0-9a-f]{7,40}$/i.test(value.trim())) return value.trim()
  }
  return undefined
}

/** A file path of the manifest (`package://path` for patch paths) relative to the project. */
function projectFile(path: string | null | undefined): string | undefined {
  if (!path) return undefined
  const i = path.indexOf('://')
  return i >= 0 ? path.slice(i + 3) : path
}

export function filesOf(node: ManifestNode | undefined): string[] {
  return [projectFile(node?.original_file_path), projectFile(node?.patch_path)].filter((f): f is string => Boolean(f))
}

/** Repository paths as paths inside the project (files outside it left out). */
export function inProject(files: readonly string[], projectPath: string): Set<string> {
  const prefix = projectPath === '.' || projectPath === '' ? '' : `${projectPath.replace(/\/+$/, '')}/`
  return new Set(files.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)))
}

/**
 * The selected nodes that are there only because the baseline lags: the lag (the commits between
 * the baseline and the merge base) changed their files (or, for macro changes, the macros'
 * files; for config changes, dbt_project.yml), and the PR itself did not; a test counts with the
 * node it tests, a downstream node with the node it comes from.
 */
export function lagOnly(whys: readonly NodeWhy[], current: Manifest, lag: Lag, projectPath: string): Set<string> {
  if (lag.behind + lag.ahead === 0) return new Set()
  const pr = inProject(lag.prFiles, projectPath)
  const lagged = inProject(lag.lagFiles, projectPath)
  const macros = (current.macros ?? {}) as Record<string, ManifestNode>
  const byId = new Map(whys.map((w) => [w.uniqueId, w]))
  /** Whether the node's own change is among `files`. */
  const changedIn = (why: NodeWhy, files: ReadonlySet<string>): boolean => {
    const node = current.nodes[why.uniqueId] ?? current.unit_tests?.[why.uniqueId]
    if (filesOf(node).some((f) => files.has(f))) return true
    if (why.parts.includes('configs') && files.has('dbt_project.yml')) return true
    if (why.parts.includes('macros')) return (node?.depends_on?.macros ?? []).some((m) => filesOf(macros[m]).some((f) => files.has(f)))
    return false
  }
  const memo = new Map<string, 'pr' | 'lag' | 'neither'>()
  const origin = (id: string, depth = 0): 'pr' | 'lag' | 'neither' => {
    const known = memo.get(id)
    if (known) return known
    const why = byId.get(id)
    let result: 'pr' | 'lag' | 'neither' = 'neither'
    if (why && depth < 50) {
      if (changedIn(why, pr)) result = 'pr'
      else if (why.parts.length > 0) result = changedIn(why, lagged) ? 'lag' : 'neither'
      else if (why.via?.kind === 'tests') {
        const from = why.via.nodes.map((n) => origin(n, depth + 1))
        result = from.includes('pr') ? 'pr' : from.length > 0 && from.every((o) => o === 'lag') ? 'lag' : 'neither'
      } else if (why.via?.kind === 'downstream') result = origin(why.via.of, depth + 1)
    }
    memo.set(id, result)
    return result
  }
  return new Set(whys.filter((w) => origin(w.uniqueId) === 'lag').map((w) => w.uniqueId))
}
