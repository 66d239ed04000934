/**
 * Benchmark 6's two processes, bundled by bench/lib/own-work.mjs from the action's sources and
 * the test suite's fake GitHub (bench/big-baseline.mjs runs them):
 *
 * - `serve <zip>`: publishes the zip as the artifact `dbt-manifest` of a successful deploy run of
 *   deploy.yml on the fake GitHub, prints the fake's URLs as one JSON line, and serves until its
 *   stdin closes. The fake holds the zip; this process is not the one measured.
 * - `obtain <apiUrl> <serverUrl> <workDir> <project>`: takes the production baseline the way the
 *   action does with `baseline-source: github-artifact` (the run search, the download to disk,
 *   the unzip, the placement in the state directory, the one read and the check), holds the
 *   parsed manifest as the action holds it to the end of the run, and prints one JSON line with
 *   its wall time, its peak memory, its peak before the read (the download and the unzip) and
 *   the nodes it read.
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { createGitHubArtifactSource } from '../../src/baseline/github-artifact.js'
import { readArtifact } from '../../src/dbt/json-file.js'
import { obtainBaseline } from '../../src/baseline/obtain.js'
import { createGitHubClient } from '../../src/github/octokit.js'
import type { Logger } from '../../src/logger.js'
import type { BaselineSettings } from '../../src/settings.js'
import { FakeGitHub } from '../../__tests__/fakes/github-server.js'

const REPOSITORY = 'acme/analytics'
const TOKEN = 'bench-token'
// VmHWM: this process's own peak (getrusage's maxRSS carries the parent's over the exec).
const peakMiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024
const quiet: Logger = { info: () => undefined, warning: (m) => process.stderr.write(`warning: ${m}\n`), debug: () => undefined }

async function serve(zipPath: string): Promise<void> {
  const gh = new FakeGitHub()
  await gh.start()
  gh.addRepo({ owner: 'acme', repo: 'analytics', defaultBranch: 'main' })
  gh.addToken(TOKEN, { login: 'github-actions[bot]', kind: 'installation' })
  const zip = readFileSync(zipPath)
  const run = gh.addWorkflowRun({ workflow: 'deploy.yml' })
  gh.addArtifact(run.id, { name: 'dbt-manifest', zip })
  process.stdout.write(`${JSON.stringify({ apiUrl: gh.apiUrl, serverUrl: gh.serverUrl })}\n`)
  process.stdin.resume()
  process.stdin.on('end', () => void gh.stop().then(() => process.exit(0)))
}

async function obtain(apiUrl: string, serverUrl: string, workDir: string, project: string): Promise<void> {
  const started = process.hrtime.bigint()
  const client = createGitHubClient(TOKEN, apiUrl, { retries: 0, paceWrites: false })
  const source = createGitHubArtifactSource({
    client,
    repository: REPOSITORY,
    serverUrl,
    settings: { artifactName: 'dbt-manifest', productionWorkflow: 'deploy.yml', maxRuns: 5 },
    log: quiet,
    downloadDir: join(workDir, 'downloads')
  })
  const settings = { source: 'github-artifact', deferEnv: 'production', ifNoBaseline: 'fail' } as BaselineSettings
  // The peak before the one read of the manifest: the run search, the download and the unzip.
  let fetchedMiB = 0
  const readJson = (path: string, how?: { index?: boolean }) => ((fetchedMiB = peakMiB()), readArtifact(path, how))
  const outcome = await obtainBaseline(settings, source, {
    stateDir: join(workDir, 'state'),
    project: { name: project },
    log: quiet,
    readJson
  })
  if (outcome.kind !== 'found') throw new Error(`no baseline: ${outcome.searched.join('; ')}`)
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const nodes = Object.keys(outcome.baseline.manifest.nodes).length
  process.stdout.write(`${JSON.stringify({ seconds, maxRssMiB: peakMiB(), fetchedMiB, nodes, source: outcome.baseline.source })}\n`)
}

const [mode, ...args] = process.argv.slice(2)
;(mode === 'serve' ? serve(args[0]) : obtain(args[0], args[1], args[2], args[3])).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
