/**
 * The action's own work on a run's artifacts, the way dist/index.js does it after dbt has
 * written them: the baseline placed from a
 * `path` source (copied, hashed, parsed and checked), the build's run_results.json and
 * manifest.json read and checked, then the report step (analysis, report.json, summary.md, job
 * summary, annotations). Bundled by bench/lib/own-work.mjs from the same sources as the action;
 * run as `node own-work.js <baseline> <targetDir> <workDir>`, it prints one JSON line with its
 * wall time, peak memory and the sizes it wrote. `node own-work.js --read <file>...` only reads
 * the files with the action's artifact reader, and prints the same line without the sizes.
 */
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { obtainBaseline } from '../../src/baseline/obtain.js'
import { createPathSource } from '../../src/baseline/path-source.js'
import { readRunArtifacts } from '../../src/dbt/artifacts.js'
import { readJsonFile } from '../../src/dbt/json-file.js'
import { publishReport } from '../../src/report/publish.js'
import type { BaselineSettings } from '../../src/settings.js'
import type { Logger } from '../../src/logger.js'

const [baselinePath, targetDir, workDir] = process.argv.slice(2)
const started = process.hrtime.bigint()
// VmHWM: this process's own peak (getrusage's maxRSS carries the parent's over the exec).
const peakMiB = () => Number(/VmHWM:\s+(\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024

/** The artifact reader alone on each file, all held to the end as the action holds them. */
async function readOnly(files: string[]): Promise<void> {
  const values: unknown[] = []
  for (const file of files) values.push(await readJsonFile(file))
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  process.stdout.write(`${JSON.stringify({ seconds, maxRssMiB: peakMiB(), values: values.length })}\n`)
}
const quiet: Logger = { info: () => undefined, warning: (m) => process.stderr.write(`warning: ${m}\n`), debug: () => undefined }

async function main(): Promise<void> {
  const stateDir = join(workDir, 'state')
  const reportDir = join(workDir, 'report')
  mkdirSync(reportDir, { recursive: true })
  // The safety step reads no manifest: the probe's answer, in its run_results.json, names the
  // first node of each schema the project writes to (a few kilobytes), and is left out here.
  const settings = { source: 'path', deferEnv: 'production', ifNoBaseline: 'fail' } as BaselineSettings
  const outcome = await obtainBaseline(settings, createPathSource({ production: baselinePath }, { baseDir: workDir }), {
    stateDir,
    project: { name: 'generated', targetDir },
    log: quiet
  })
  if (outcome.kind !== 'found') throw new Error('no baseline')
  const artifacts = await readRunArtifacts(targetDir)
  if (artifacts.problems.length) throw new Error(artifacts.problems.join('; '))
  const summaryFile = join(workDir, 'step-summary.md')
  const report = await publishReport(
    {
      info: {
        command: 'build',
        select: ['state:modified'],
        exclude: [],
        defer: true,
        favorState: false,
        deferredEnv: 'production',
        baseline: null,
        builtAll: false,
        success: true,
        serverUrl: 'https://github.com',
        projectDir: '.',
        now: new Date()
      },
      baseline: outcome.baseline.manifest,
      artifacts,
      exitCode: 0,
      reportDir,
      commentMarker: 'dbt-defer-action:bench',
      pr: { fromFork: false, reason: 'a benchmark' },
      comment: false
    },
    {
      github: () => {
        throw new Error('no GitHub in the benchmark')
      },
      summary: { write: async (markdown) => writeFileSync(summaryFile, markdown) },
      outputs: { set: () => undefined },
      log: quiet,
      annotate: () => undefined,
      scrub: (text) => text
    }
  )
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  process.stdout.write(
    `${JSON.stringify({
      seconds,
      maxRssMiB: peakMiB(),
      nodes: report.nodes.length,
      reportBytes: statSync(join(reportDir, 'report.json')).size,
      summaryBytes: statSync(join(reportDir, 'summary.md')).size
    })}\n`
  )
}

;(baselinePath === '--read' ? readOnly(process.argv.slice(3)) : main()).catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
