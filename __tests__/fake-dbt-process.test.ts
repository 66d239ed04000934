import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Manifest, RunResults } from '../src/dbt/artifact-types.js'
import { tempDir } from './fakes/baseline-fixtures.js'
import { fakeDbtProcess, inlineRunResults, recordedArtifacts } from './fakes/dbt-process.js'

// The fake dbt of the in-process orchestration tests: what it writes, where, and what it keeps.

function readJson<T>(path: string): T {
  return JSON.parse(readFileSync(path, 'utf8')) as T
}

function scratchProject(): { cwd: string; project: string } {
  const cwd = tempDir('fake-dbt')
  const project = join(cwd, 'project')
  mkdirSync(project)
  writeFileSync(join(project, 'dbt_project.yml'), 'name: jaffle_shop\n')
  return { cwd, project }
}

const env = { DBT_CI_SCHEMA: 'dbt_ci_pr_1' }

describe('fakeDbtProcess', () => {
  it("writes the recorded CI run's artifacts into <project>/target, stamped as this invocation's", async () => {
    const { cwd, project } = scratchProject()
    const clock = new Date('2031-05-06T07:08:09.000Z')
    const dbt = fakeDbtProcess({ now: () => clock })
    const exit = await dbt.run(['build', '-s', 'state:modified', '--defer', '--state', 'prod-state', '--project-dir', project], {
      cwd,
      env
    })
    expect(exit.exitCode).toBe(0)
    const manifest = readJson<Manifest>(join(project, 'target', 'manifest.json'))
    const results = readJson<RunResults>(join(project, 'target', 'run_results.json'))
    const recorded = recordedArtifacts()
    expect(manifest.metadata.generated_at).toBe('2031-05-06T07:08:09.000Z')
    expect(results.metadata.invocation_id).toBe(manifest.metadata.invocation_id)
    expect(manifest.metadata.invocation_id).not.toBe(recorded.manifest.metadata.invocation_id)
    // dbt's threads finish in any order, and so the recording lists them: compare as sets.
    expect(results.results.map((r) => `${r.unique_id} ${r.status}`).sort()).toEqual([
      'model.jaffle_shop.customers success',
      'test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d pass',
      'test.jaffle_shop.unique_customers_customer_id.c5af1ff4b1 pass'
    ])
    const customers = results.results.find((r) => r.unique_id === 'model.jaffle_shop.customers')
    expect(customers?.compiled_code).toContain('"warehouse"."prod"."orders"')
    expect(results.args?.project_dir).toBe(project)
    expect(Object.keys(manifest.nodes).sort()).toEqual(Object.keys(recorded.manifest.nodes).sort())
  })

  it('stamps each call afresh, and keeps the recorded stamp when asked (a file left by an earlier run)', async () => {
    const { cwd, project } = scratchProject()
    const dbt = fakeDbtProcess()
    const startedAt = Date.now()
    const stampOf = (name: string): { generated_at?: string; invocation_id?: string } =>
      readJson<Manifest>(join(project, 'target', name)).metadata
    await dbt.run(['build'], { cwd: project, env })
    const first = stampOf('manifest.json')
    await dbt.run(['build'], { cwd: project, env })
    const second = stampOf('run_results.json')
    expect(second.invocation_id).not.toBe(first.invocation_id)
    expect(Date.parse(second.generated_at ?? '')).toBeGreaterThanOrEqual(startedAt)
    dbt.enqueue({ keepMetadata: true })
    await dbt.run(['build', '--project-dir', 'project'], { cwd, env })
    expect(stampOf('manifest.json')).toEqual(recordedArtifacts().manifest.metadata)
    expect(stampOf('run_results.json').generated_at).toBe(recordedArtifacts().runResults.metadata.generated_at)
  })

  it('honours --target-path (relative to the project, absolute, or --target-path=X) and dbt_project.yml', async () => {
    const { cwd, project } = scratchProject()
    const elsewhere = tempDir('fake-dbt-target')
    const dbt = fakeDbtProcess()
    await dbt.run(['run', '--project-dir', 'project', '--target-path', 'build/dbt'], { cwd, env })
    await dbt.run(['test', `--target-path=${elsewhere}`], { cwd: project, env })
    writeFileSync(join(project, 'dbt_project.yml'), 'name: jaffle_shop\ntarget-path: out\n')
    await dbt.run(['compile', '--project-dir', project], { cwd, env })
    expect(dbt.calls.map((c) => c.targetDir)).toEqual([join(project, 'build', 'dbt'), elsewhere, join(project, 'out')])
    for (const dir of dbt.calls.map((c) => c.targetDir)) expect(existsSync(join(dir, 'run_results.json'))).toBe(true)
    expect(existsSync(join(project, 'target'))).toBe(false)
  })

  it('records every argv in order and follows the script: a failing deps writes nothing', async () => {
    const { project } = scratchProject()
    const dbt = fakeDbtProcess({
      script: (call) => (call.command === 'deps' ? { exitCode: 2, output: 'Could not reach the hub' } : undefined)
    })
    expect(await dbt.run(['deps', '--project-dir', project], { cwd: project, env })).toEqual({
      exitCode: 2,
      output: 'Could not reach the hub'
    })
    expect(existsSync(join(project, 'target'))).toBe(false)
    expect((await dbt.run(['build', '--project-dir', project], { cwd: project, env })).exitCode).toBe(0)
    expect(dbt.commands()).toEqual(['deps', 'build'])
    expect(dbt.calls.map((c) => c.args)).toEqual([
      ['deps', '--project-dir', project],
      ['build', '--project-dir', project]
    ])
    expect(dbt.calls[0].env).toEqual(env)
  })

  it('serves queued replies once each: compile --inline with given SQL, a build without a manifest', async () => {
    const { project } = scratchProject()
    const scratch = tempDir('fake-dbt-scratch')
    const dbt = fakeDbtProcess({ exitCode: 1 })
    dbt.enqueue(
      { exitCode: 0, files: { 'run_results.json': inlineRunResults('select 1 as dropped') } },
      { files: { 'manifest.json': null } }
    )
    const inline = await dbt.run(['compile', '--inline', 'select 1', '--target-path', scratch], { cwd: project, env })
    expect(inline.exitCode).toBe(0)
    const compiled = readJson<RunResults>(join(scratch, 'run_results.json')).results
    expect(compiled.map((r) => [r.unique_id, r.compiled_code])).toEqual([['sql_operation.jaffle_shop.inline_query', 'select 1 as dropped']])
    expect((await dbt.run(['build'], { cwd: project, env })).exitCode).toBe(1)
    expect(existsSync(join(project, 'target', 'run_results.json'))).toBe(true)
    expect(existsSync(join(project, 'target', 'manifest.json'))).toBe(false)
    await dbt.run(['parse', '--target-path', 'parsed'], { cwd: project, env })
    expect([existsSync(join(project, 'parsed', 'manifest.json')), existsSync(join(project, 'parsed', 'run_results.json'))]).toEqual([
      true,
      false
    ])
  })
})
