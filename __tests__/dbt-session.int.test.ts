import { beforeAll, describe, expect, it } from '@jest/globals'
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Manifest, RunResults } from '../src/dbt/artifact-types.js'
import { execDbtProcess, type DbtProcess } from '../src/dbt/process.js'
import { readJsonFile } from '../src/dbt/json-file.js'
import { dbtRunner, type DbtRunner, type DbtStep } from '../src/dbt/runner.js'
import { dbtSession, sessionEligible, type DbtSession } from '../src/dbt/session.js'
import { actionDirs } from '../src/run/dirs.js'
import { assertNotDeployed, ciOwnedSchemas, writeSchemas, type ProbeManifest } from '../src/safety/check.js'
import { claimSchemas, runProbe } from '../src/safety/probe.js'
import { probeManifestOf } from './fakes/dbt-process.js'
import { addRepeatCustomerColumn, ExampleProject } from './helpers/example-project.js'

// The dbt session (src/dbt/session.ts) against real dbt: the steps of a run in one Python process
// on one parse, giving what dbt gives when each step is a process of its own.

const CI = 'ci_session'
const log = { info: () => undefined, warning: () => undefined, debug: () => undefined }
let stateDir: string
let pr: ExampleProject

beforeAll(async () => {
  const production = ExampleProject.create()
  stateDir = dirname(await production.deploy('prod'))
  pr = production.clone()
  addRepeatCustomerColumn(pr)
}, 240_000)

/** Every process the fallback started, by dbt command. */
function counted(executable: string): { process: DbtProcess; commands: string[] } {
  const spawned = execDbtProcess(
    executable,
    (s) => s,
    () => undefined
  )
  const commands: string[] = []
  return { process: { run: (args, opts) => (commands.push(args[0]), spawned.run(args, opts)) }, commands }
}

/** A session that shows nothing, with `fallback` for the steps it does not take. */
function quietSession(executable: string, fallback: DbtProcess): DbtSession {
  return dbtSession(
    executable,
    (s) => s,
    () => undefined,
    fallback
  )
}

function runnerOn(project: ExampleProject, process: DbtProcess, extraArgs: string[] = []): DbtRunner {
  const dirs = actionDirs(mkdtempSync(join(tmpdir(), 'dbt-defer-session-')), project.dir, project.dir, 'jaffle_shop')
  const dbt = { executable: project.dbtExecutable, projectDir: project.dir, profilesDir: project.dir, target: 'ci', extraArgs }
  return dbtRunner({ process, dbt, env: project.env({ DBT_CI_SCHEMA: CI }), dirs, log })
}

function read<T>(dir: string, file: string): T {
  return JSON.parse(readFileSync(join(dir, file), 'utf8')) as T
}

/** The probe's shape of step, then the slim build, as the build mode runs them. */
async function probeThenBuild(runner: DbtRunner): Promise<{ codes: number[]; build: string }> {
  const probe = await runner.step('probe', ['compile', '--inline', "select '{{ target.schema }}' as s"])
  const build = await runner.step('build', ['build', '-s', 'state:modified', '--defer', '--state', stateDir])
  return { codes: [probe.exit.exitCode, build.exit.exitCode], build: build.targetDir }
}

/** A run's outcome, with what differs by invocation (ids, times) left out. */
function outcome(dir: string, project: ExampleProject): unknown {
  // Paths of the project copy and of the step's own target directory differ by run.
  const read = <T>(file: string): T =>
    JSON.parse(readFileSync(join(dir, file), 'utf8').replaceAll(dir, '<target>').replaceAll(project.dir, '<project>')) as T
  const results = read<RunResults>('run_results.json')
  const manifest = read<Manifest>('manifest.json')
  const nodes = Object.fromEntries(
    Object.entries(manifest.nodes).map(([id, n]) => [id, { ...n, created_at: undefined, compiled_path: undefined }])
  )
  return {
    results: results.results
      .map((r) => ({ id: r.unique_id, status: r.status, sql: r.compiled_code, relation: r.relation_name }))
      .sort((a, b) => a.id.localeCompare(b.id)),
    nodes,
    parents: manifest.parent_map,
    version: manifest.metadata.dbt_version
  }
}

describe('the dbt session', () => {
  it('builds what dbt builds as a process per step, on one parse in one process, and stamps the invocation', async () => {
    const [inSession, alone] = [pr.clone(), pr.clone()]
    const fallback = counted(inSession.dbtExecutable)
    const session = quietSession(inSession.dbtExecutable, fallback.process)
    let sessionRun
    try {
      // Started early, as the build mode starts it while the baseline is fetched.
      session.warm?.({ cwd: inSession.dir, env: inSession.env({ DBT_CI_SCHEMA: CI }) })
      sessionRun = await probeThenBuild(runnerOn(inSession, session))
    } finally {
      await session.close()
    }
    const separate = await probeThenBuild(runnerOn(alone, counted(alone.dbtExecutable).process))
    expect(sessionRun.codes).toEqual([0, 0])
    expect(separate.codes).toEqual([0, 0])
    expect(fallback.commands).toEqual([])
    const built = outcome(sessionRun.build, inSession) as { results: Array<{ id: string; sql: string }> }
    expect(built.results.map((r) => r.id)).toEqual([
      'model.jaffle_shop.customers',
      'test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d',
      'test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1'
    ])
    // The PR's model reads its unchanged parents from production, as the separate build does.
    expect(built.results.find((r) => r.id === 'model.jaffle_shop.customers')?.sql).toMatch(/"prod"\."stg_customers"/)
    expect(outcome(sessionRun.build, inSession)).toEqual(outcome(separate.build, alone))
    // The session's process ended as dbt's does: its exit handlers closed DuckDB, which checkpointed.
    for (const project of [inSession, alone]) expect(existsSync(project.path('warehouse.duckdb.wal'))).toBe(false)
    for (const dir of [sessionRun.build, separate.build]) {
      const ids = [read<Manifest>(dir, 'manifest.json'), read<RunResults>(dir, 'run_results.json')].map((a) => a.metadata.invocation_id)
      expect(ids[0]).toBe(ids[1])
    }
  }, 180_000)

  it('fails a step on a project dbt cannot parse as dbt does, with its error', async () => {
    const broken = pr.clone()
    broken.edit('models/marts/customers.sql', (sql) => `{{ config(materialized= }}\n${sql}`)
    const fallback = counted(broken.dbtExecutable)
    const session = quietSession(broken.dbtExecutable, fallback.process)
    try {
      const step = await runnerOn(broken, session).step('probe', ['compile', '--inline', 'select 1'])
      expect(step.exit.exitCode).toBe(2)
      expect(step.exit.output).toMatch(/Compilation Error|Syntax error|expected/i)
      expect(fallback.commands).toEqual([])
    } finally {
      await session.close()
    }
    const alone = await runnerOn(broken, counted(broken.dbtExecutable).process).step('probe', ['compile', '--inline', 'select 1'])
    expect(alone.exit.exitCode).toBe(2)
  }, 120_000)

  it('runs a step whose own flags shape the parse, and a command that takes none, as processes of their own, after closing the session', async () => {
    const project = pr.clone()
    const fallback = counted(project.dbtExecutable)
    const session = quietSession(project.dbtExecutable, fallback.process)
    const runner = runnerOn(project, session)
    try {
      expect((await runner.step('one', ['seed', '-s', 'country_codes'])).exit.exitCode).toBe(0)
      // The session held the DuckDB file: a process of its own can write to it only once the session is closed.
      expect((await runner.step('two', ['seed', '-s', 'raw_customers', '--no-partial-parse'])).exit.exitCode).toBe(0)
      expect((await runner.step('three', ['debug'])).exit.exitCode).toBe(0)
      expect((await runner.step('four', ['seed', '-s', 'country_codes'])).exit.exitCode).toBe(0)
    } finally {
      await session.close()
    }
    expect(fallback.commands).toEqual(['seed', 'debug'])
  }, 180_000)

  it('fails the step its process died in with the signal, and runs later steps as processes of their own', async () => {
    const project = pr.clone()
    writeFileSync(project.path('macros/nap.sql'), '{% macro nap() %}{% do modules.time.sleep(60) %}{% endmacro %}\n')
    const fallback = counted(project.dbtExecutable)
    const session = quietSession(project.dbtExecutable, fallback.process)
    const runner = runnerOn(project, session)
    try {
      let started: () => void = () => undefined
      const running = new Promise<void>((resolve) => (started = resolve))
      const napping = runner.step('nap', ['run-operation', 'nap'], { onLine: (line) => /Running with dbt/.test(line) && started() })
      await running
      killSessionProcess()
      const step = await napping
      expect(step.exit).toMatchObject({ exitCode: 137, signal: 'SIGKILL' })
      expect((await runner.step('after', ['seed', '-s', 'country_codes'])).exit.exitCode).toBe(0)
    } finally {
      await session.close()
    }
    expect(fallback.commands).toEqual(['seed'])
  }, 180_000)

  it('ends a session that warm started when the run closes it before any step, so the action can exit', async () => {
    const project = pr.clone()
    const session = quietSession(project.dbtExecutable, counted(project.dbtExecutable).process)
    session.warm?.({ cwd: project.dir, env: project.env({ DBT_CI_SCHEMA: CI }) })
    await session.close()
    // Long enough for a start that close did not wait for to have spawned its process.
    await new Promise((resolve) => setTimeout(resolve, 3000))
    expect(sessionProcesses()).toEqual([])
  }, 60_000)

  it('takes a dbt that is no Python program (as dbt Fusion, a binary) as a process per step', async () => {
    const project = pr.clone()
    const wrapper = join(mkdtempSync(join(tmpdir(), 'dbt-defer-wrapper-')), 'dbt')
    writeFileSync(wrapper, `#!/bin/sh\nexec '${project.dbtExecutable}' "$@"\n`)
    chmodSync(wrapper, 0o755)
    const fallback = counted(wrapper)
    const session = quietSession(wrapper, fallback.process)
    try {
      const { codes } = await probeThenBuild(runnerOn(project, session))
      expect(codes).toEqual([0, 0])
    } finally {
      await session.close()
    }
    expect(fallback.commands).toEqual(['compile', 'build'])
  }, 180_000)
})

describe("the safety probe's answer", () => {
  /** The runner's steps, each with its target directory. */
  function recorded(runner: DbtRunner): { runner: DbtRunner; steps: Map<string, DbtStep> } {
    const steps = new Map<string, DbtStep>()
    return {
      runner: { ...runner, step: async (name, args, opts) => steps.set(name, await runner.step(name, args, opts)).get(name)! },
      steps
    }
  }

  it("decides as dbt's whole manifest does; in the session dbt writes no manifest for it, and the schemas it claims exist", async () => {
    const project = pr.clone()
    // A node alone in a schema of its own, and the project's sources, among what the probe lists.
    project.edit('models/staging/stg_orders.sql', (sql) => `{{ config(schema='extra') }}\n${sql}`)
    const fallback = counted(project.dbtExecutable)
    const session = quietSession(project.dbtExecutable, fallback.process)
    const artifacts = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith('.json') || f.endsWith('.gpickle'))
    let picked, whole
    const written: string[][] = []
    try {
      const { runner, steps } = recorded(runnerOn(project, session))
      picked = await runProbe(runner, {}, (path) => readJsonFile(path))
      written.push(artifacts(steps.get('probe')!.targetDir))
      await claimSchemas(runner, [`${CI}_extra`], { repository: 'o/r', project: 'jaffle_shop', pr: 7 }, new Date())
      expect(steps.get('claim')!.exit.exitCode).toBe(0)
      written.push(artifacts(steps.get('claim')!.targetDir))
      whole = await runProbe(runner, {}, (path) => readJsonFile(path), true)
      written.push(artifacts(steps.get('probe')!.targetDir))
    } finally {
      await session.close()
    }
    expect(fallback.commands).toEqual([])
    // Only what is read was written: the probe's run results, nothing for the claim, and all of
    // dbt's artifacts for a probe whose manifest a later step reads whole.
    const heavy = ['manifest.json', 'graph.gpickle', 'run_results.json']
    expect(heavy.filter((f) => written[0].includes(f))).toEqual(['run_results.json'])
    expect(heavy.filter((f) => written[1].includes(f))).toEqual([])
    expect(written[2]).toEqual(expect.arrayContaining(['graph.gpickle', 'manifest.json', 'run_results.json']))
    const full = whole.wholeManifest!
    expect(Object.keys(full.nodes).length).toBeGreaterThan(20)
    // The probe lists the first node of each schema and the first source of each, from dbt's graph.
    expect(picked.manifest).toEqual(probeManifestOf(full))
    expect(whole.manifest).toEqual(picked.manifest)
    expect(Object.keys(picked.manifest.nodes).length).toBeLessThan(6)
    const target = { name: 'ci', schema: CI }
    expect(writeSchemas({ target, manifest: picked.manifest })).toEqual(writeSchemas({ target, manifest: full }))
    expect(writeSchemas({ target, manifest: full })).toContain(`${CI}_extra`)
    expect(ciOwnedSchemas(CI, picked.manifest)).toEqual(ciOwnedSchemas(CI, full))
    const sourceSchemas = Object.values(full.sources ?? {}).map((s) => s.schema ?? '')
    expect(sourceSchemas.length).toBeGreaterThan(0)
    const refusals = [...writeSchemas({ target, manifest: full }), ...sourceSchemas, 'elsewhere'].map((schema) => {
      const refusal = (manifest: ProbeManifest): string | undefined => {
        try {
          assertNotDeployed(schema, { target, profileTargets: [], profilePath: 'profiles.yml', manifest, baselines: [], schemas: [] })
          return undefined
        } catch (error) {
          return (error as Error).message
        }
      }
      expect(refusal(picked.manifest)).toEqual(refusal(full))
      return refusal(full)
    })
    expect(refusals.some((message) => message?.includes('reads from it'))).toBe(true)
    // The claim created the schema it was asked for, with the marker the action reads back.
    const probedAgain = await runProbe(runnerOn(project, counted(project.dbtExecutable).process), {}, (path) => readJsonFile(path))
    expect(probedAgain.schemas.find((s) => s.schema === `${CI}_extra`)).toMatchObject({ exists: true, marker: { project: 'jaffle_shop' } })
    // A probe run as a process of its own answers the same.
    expect(probedAgain.manifest).toEqual(picked.manifest)
  }, 240_000)
})

describe('which steps a session takes', () => {
  const shared = { parse: ['--project-dir', '/p', '--vars', '{a: 1}'], targetDir: '/t' }
  it('takes commands on a parsed project whose own flags leave the parse alone', () => {
    expect(sessionEligible(['build', '-s', 'state:modified', ...shared.parse], { shared })).toBe(true)
    expect(sessionEligible(['show', '--inline', 'select 1', ...shared.parse], { shared })).toBe(true)
    expect(sessionEligible(['build', '--no-partial-parse', ...shared.parse], { shared })).toBe(false)
    expect(sessionEligible(['build', '--vars={b: 2}', ...shared.parse], { shared })).toBe(false)
    expect(sessionEligible(['deps', ...shared.parse], { shared })).toBe(false)
    expect(sessionEligible(['build', ...shared.parse], {})).toBe(false)
  })
})

/** This process's children that run the session's Python program. */
function sessionProcesses(): string[] {
  return readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      try {
        const stat = readFileSync(`/proc/${p}/stat`, 'utf8')
        const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
        return ppid === process.pid && readFileSync(`/proc/${p}/cmdline`, 'utf8').includes('dbtRunner')
      } catch {
        return false
      }
    })
}

/** Kills this process's child that runs the session's Python program with SIGKILL. */
function killSessionProcess(): void {
  const [child] = sessionProcesses()
  if (!child) throw new Error('no session process is running')
  process.kill(Number(child), 'SIGKILL')
}
