/**
 * The tool's commands: a dbt command with defer added, `status` and `clean`. Each is the
 * action's steps on a developer's machine: the same baseline sources and environment rules, the
 * same safety check before dbt writes or drops, the same resolution analysis after it ran.
 */
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { constants } from 'node:os'
import { resolve } from 'node:path'
import { readRunArtifacts } from '../dbt/artifacts.js'
import { readJsonFile } from '../dbt/json-file.js'
import { makeReport } from '../report/publish.js'
import type { Report, RunInfo } from '../report/types.js'
import { ciOwnedSchemas, proveDroppable, proveWritable } from '../safety/check.js'
import { claimSchemas, dropSchemas } from '../safety/probe.js'
import { gatherEvidence } from '../safety/step.js'
import type { DeferredEnv } from '../settings.js'
import { Input } from '../constants.js'
import { envVarOf, readCliConfig } from './config.js'
import { projectDirOf } from './settings.js'
import { defersFor, reportsFor, withDefer, writesFor, type DbtInvocation } from './args.js'
import { colour, plain, renderTerminalReport, wantsColour, ageText } from './terminal-report.js'
import { deferredEnv, evidenceOf, holdBaseline, openTool, toolSafetyDeps, type CliIo, type HeldBaseline, type Tool } from './tool.js'

/**
 * A dbt command that takes no defer: handed to dbt as it is, with the terminal's stdio (`spawn`
 * with `stdio: 'inherit'`, argv and no shell), so interactive commands such as `dbt init` can ask
 * their questions; dbt's exit status is returned unchanged. @actions/exec cannot do this: it
 * gives the child no terminal stdin and drops the signal that ended it.
 */
export function passThrough(executable: string, args: string[], io: CliIo): Promise<number> {
  return new Promise((done) => {
    const child = spawn(executable, args, { cwd: io.cwd, env: io.env as NodeJS.ProcessEnv, stdio: 'inherit' })
    child.on('error', (error) => {
      io.err.write(
        `dbt-defer: could not start '${executable}': ${error.message}. Is dbt installed and on PATH (or set DBT_DEFER_DBT_EXECUTABLE)?\n`
      )
      done(2)
    })
    // Killed by a signal: the shell's status for it, 128 + its number (137 for SIGKILL).
    child.on('close', (code, signal) => done(code ?? (signal ? 128 + (constants.signals[signal] ?? 15) : 1)))
  })
}

/** The dbt executable setting, for a command that needs nothing else (outside a project too: `dbt init`). */
function executableOf(inv: DbtInvocation, io: CliIo): string {
  try {
    return readCliConfig(projectDirOf(inv, io.env, io.cwd), io.env, io.cwd).values[Input.DbtExecutable] ?? 'dbt'
  } catch {
    return io.env[envVarOf(Input.DbtExecutable)] || 'dbt'
  }
}

/** The schemas dbt will write to are proven not a deployed environment's; new ones get the marker `clean` needs. */
async function proveAndClaim(tool: Tool, known: { env: DeferredEnv; held?: HeldBaseline } | undefined): Promise<void> {
  const deps = await toolSafetyDeps(tool, await evidenceOf(tool, known))
  const evidence = await gatherEvidence(deps)
  const schemas = proveWritable(evidence)
  tool.log.info(`Safety check passed: dbt writes only to ${schemas.map((s) => `'${s}'`).join(', ')} (target '${evidence.target.name}').`)
  const absent = new Set(evidence.schemas.filter((s) => !s.exists).map((s) => s.schema.toLowerCase()))
  const toClaim = ciOwnedSchemas(evidence.target.schema, evidence.manifest).filter((s) => absent.has(s.toLowerCase()))
  if (toClaim.length === 0) return
  await claimSchemas(tool.runner, toClaim, tool.owner, tool.io.now())
  tool.log.info(
    `Created ${toClaim.map((s) => `'${s}'`).join(', ')} with dbt-defer's ownership marker, so 'dbt-defer clean' can drop it later.`
  )
}

function runInfo(tool: Tool, inv: DbtInvocation, env: DeferredEnv, held: HeldBaseline | undefined, code: number, startedAt: Date): RunInfo {
  const b = held?.baseline
  const defer = Boolean(b) && !inv.noDefer
  return {
    command: inv.command ?? '',
    select: inv.select,
    exclude: inv.exclude,
    defer,
    favorState: defer && inv.favorState,
    deferredEnv: defer ? env : null,
    baseline:
      b && defer
        ? { source: b.source, runId: b.runId, runUrl: b.runUrl, sha: b.sha, generatedAt: b.generatedAt, location: b.location }
        : null,
    builtAll: !b && !inv.noDefer,
    success: code === 0,
    elapsed: (tool.io.now().getTime() - startedAt.getTime()) / 1000,
    repository: tool.cli.settings.context.repository || undefined,
    serverUrl: tool.cli.settings.context.serverUrl,
    projectDir: '.',
    now: tool.io.now()
  }
}

/** The report of what dbt just ran, from the artifacts it wrote in this invocation. */
async function reportOf(
  tool: Tool,
  inv: DbtInvocation,
  info: RunInfo,
  held: HeldBaseline | undefined,
  startedAt: Date
): Promise<Report | undefined> {
  const artifacts = await readRunArtifacts(tool.project.targetDir, readJsonFile)
  const written = artifacts.runResults?.metadata?.generated_at
  if (!artifacts.runResults || !artifacts.manifest || !written || Date.parse(written) < startedAt.getTime() - 2000) {
    tool.log.info(`No resolution report: dbt wrote no new run_results.json and manifest.json in ${tool.project.targetDir}.`)
    return undefined
  }
  return makeReport({ info, baseline: info.defer && held ? held.baseline.manifest : null, artifacts })
}

function sayBaseline(tool: Tool, env: DeferredEnv, held: HeldBaseline | undefined): void {
  if (!held) return
  const b = held.baseline
  const age = ageText((tool.io.now().getTime() - Date.parse(held.fetchedAt)) / 1000)
  const what = [b.runId ? `run ${b.runId}` : b.location, b.sha ? `commit ${b.sha.slice(0, 7)}` : undefined].filter(Boolean).join(', ')
  tool.log.info(
    held.fetched
      ? `Fetched the ${env} baseline (${what}).`
      : `Using the ${env} baseline fetched ${age} ago (${what}); --refresh-baseline fetches it again.`
  )
}

/** `dbt-defer <dbt command> ...`: dbt with `--defer --state <the environment's baseline>` added. */
export async function runDbtCommand(inv: DbtInvocation, refresh: boolean, reportJson: string | undefined, io: CliIo): Promise<number> {
  if (!defersFor(inv.command)) return passThrough(executableOf(inv, io), inv.args, io)
  const tool = await openTool(inv, io)
  const { env } = await deferredEnv(tool)
  const held = inv.noDefer ? undefined : await holdBaseline(tool, env, refresh)
  sayBaseline(tool, env, held)
  if (!inv.noDefer && !held) tool.log.warning(`No ${env} baseline was found: dbt runs without defer (if-no-baseline: build-all).`)
  if (writesFor(inv.command)) await proveAndClaim(tool, inv.noDefer ? undefined : { env, held })
  const args = withDefer(inv, held ? tool.local.stateDir(env) : undefined)
  const startedAt = tool.io.now()
  tool.log.info(`Running: ${tool.cli.settings.dbt.executable} ${args.join(' ')}`)
  const ignoreInterrupt = (): void => undefined
  process.on('SIGINT', ignoreInterrupt)
  const exit = await tool.dbt.run(args, { cwd: io.cwd, env: tool.cli.dbtEnv }).finally(() => process.off('SIGINT', ignoreInterrupt))
  if (reportsFor(inv.command)) {
    const report = await reportOf(tool, inv, runInfo(tool, inv, env, held, exit.exitCode, startedAt), held, startedAt)
    if (report) {
      io.out.write(tool.redactor.scrub(renderTerminalReport(report, wantsColour(io.out.isTTY, io.env) ? colour : plain)))
      if (reportJson) writeFileSync(resolve(io.cwd, reportJson), tool.redactor.scrub(`${JSON.stringify(report, null, 2)}\n`))
    }
  }
  return exit.exitCode
}

/** `dbt-defer status`: the baseline the next command would defer to, without running dbt. */
export async function status(inv: DbtInvocation, refresh: boolean, io: CliIo): Promise<number> {
  const tool = await openTool(inv, io)
  const { env, why } = await deferredEnv(tool)
  const held = await holdBaseline(tool, env, refresh)
  const b = held?.baseline
  const now = tool.io.now()
  const lines = [
    `project      ${tool.project.name} (${tool.cli.projectDir})`,
    `environment  ${env} (${why})`,
    `source       ${tool.cli.settings.baseline.source}${tool.cli.settings.context.repository ? ` (${tool.cli.settings.context.repository})` : ''}`
  ]
  if (b && held) {
    const fetchedAgo = (now.getTime() - Date.parse(held.fetchedAt)) / 1000
    const left = tool.cli.maxAgeSeconds - fetchedAgo
    lines.push(
      `baseline     ${b.location}`,
      ...(b.runId ? [`run          ${b.runId}${b.runUrl ? ` ${b.runUrl}` : ''}`] : []),
      ...(b.sha ? [`commit       ${b.sha}`] : []),
      `generated    ${b.generatedAt ?? 'unknown'}${b.generatedAt ? ` (${ageText((now.getTime() - Date.parse(b.generatedAt)) / 1000)} ago)` : ''}${b.dbtVersion ? `, dbt ${b.dbtVersion}` : ''}`,
      `fetched      ${held.fetched ? 'just now' : `${ageText(fetchedAgo)} ago`}; used without asking the source for ${ageText(Math.max(0, left))} more (max-age ${tool.cli.maxAgeSeconds} s)`,
      `state        ${tool.local.stateDir(env)}`
    )
  } else {
    lines.push(`baseline     none: the next command runs dbt without defer (if-no-baseline: build-all)`)
  }
  io.out.write(tool.redactor.scrub(`${lines.join('\n')}\n`))
  return 0
}

/**
 * `dbt-defer clean`: drops the development schemas of the target (its schema and those derived
 * from it) through the action's guarded drop: only schemas holding dbt-defer's marker naming
 * this user, project and repository, and never one a deployed environment, a source or another
 * target uses.
 */
export async function clean(inv: DbtInvocation, io: CliIo): Promise<number> {
  const tool = await openTool(inv, io)
  const { env } = await deferredEnv(tool)
  const held = await holdBaseline(tool, env, false)
  const deps = await toolSafetyDeps(tool, await evidenceOf(tool, { env, held }))
  const evidence = await gatherEvidence(deps)
  const dev = { name: evidence.target.schema, envVar: `the schema of target '${evidence.target.name}'` }
  const drop = proveDroppable({ ...evidence, ciSchema: dev }, tool.owner)
  if (drop.length === 0) {
    tool.log.info(`Nothing to drop: '${dev.name}' does not exist.`)
    return 0
  }
  await dropSchemas(tool.runner, 'drop', drop)
  tool.log.info(`Dropped ${drop.map((s) => `'${s}'`).join(', ')}.`)
  return 0
}
