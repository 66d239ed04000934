import { describe, expect, it } from '@jest/globals'
import {
  buildCloneArgs,
  buildDbtArgs,
  buildDepsArgs,
  CLONE_INCREMENTAL_FILTER,
  isParseFlag,
  projectArgs,
  splitParseFlags
} from '../src/dbt/argv.js'
import { dbtRunner } from '../src/dbt/runner.js'
import type { StateMode } from '../src/dbt/argv.js'
import type { DbtSettings } from '../src/settings.js'
import { dbtSettings } from './helpers/settings.js'

const settings = dbtSettings

const baseline = { kind: 'baseline', stateDir: '/tmp/state' } as const

/** The argv the step runner hands dbt for the main command of these settings. */
async function runnerArgv(dbt: DbtSettings, state: StateMode): Promise<string[]> {
  const seen: string[][] = []
  const runner = dbtRunner({
    process: { run: async (args) => (seen.push(args), { exitCode: 0, output: '' }) },
    dbt,
    env: {},
    dirs: { dbtTarget: (step) => `/tmp/action/dbt/${step}` },
    log: { info: () => {}, warning: () => {}, debug: () => {} }
  })
  await runner.step('build', buildDbtArgs(dbt, state))
  return seen[0]
}

describe('buildDbtArgs', () => {
  it('builds the default slim CI command', () => {
    expect(buildDbtArgs(settings(), baseline)).toEqual(['build', '--select', 'state:modified', '--state', '/tmp/state', '--defer'])
  })

  it('passes --favor-state only together with --defer', () => {
    expect(buildDbtArgs(settings({ favorState: true }), baseline)).toContain('--favor-state')
    const noDefer = buildDbtArgs(settings({ favorState: true, defer: false }), baseline)
    expect(noDefer).toContain('--no-defer')
    expect(noDefer).not.toContain('--favor-state')
    expect(noDefer).not.toContain('--defer')
  })

  it('keeps several selection values, exclusions, target, profiles and extra args in order', async () => {
    const args = await runnerArgv(
      settings({
        command: 'run',
        select: ['state:modified+', 'tag:pr'],
        exclude: ['tag:slow'],
        target: 'ci',
        profilesDir: '/ws/profiles',
        extraArgs: ['--vars', '{"a": 1}', '--fail-fast']
      }),
      baseline
    )
    expect(args).toEqual([
      'run',
      '--target-path',
      '/tmp/action/dbt/build',
      '--select',
      'state:modified+',
      'tag:pr',
      '--exclude',
      'tag:slow',
      '--state',
      '/tmp/state',
      '--defer',
      '--fail-fast',
      '--project-dir',
      '/ws/project',
      '--profiles-dir',
      '/ws/profiles',
      '--target',
      'ci',
      '--vars',
      '{"a": 1}'
    ])
  })

  it('gives every step the flags of extra-args that shape the parse, and the main command alone the rest', async () => {
    const extraArgs = [
      '--vars={s: x}',
      '--full-refresh',
      '--warn-error-options',
      '{"error": "all"}',
      '--no-partial-parse',
      '--threads',
      '8'
    ]
    expect(splitParseFlags(extraArgs)).toEqual({
      parse: ['--vars={s: x}', '--warn-error-options', '{"error": "all"}', '--no-partial-parse'],
      rest: ['--full-refresh', '--threads', '8']
    })
    const dbt = settings({ extraArgs })
    expect(projectArgs(dbt)).toEqual([
      '--project-dir',
      '/ws/project',
      '--vars={s: x}',
      '--warn-error-options',
      '{"error": "all"}',
      '--no-partial-parse'
    ])
    const build = buildDbtArgs(dbt, baseline)
    expect(build.filter(isParseFlag)).toEqual([])
    expect(build.slice(-3)).toEqual(['--full-refresh', '--threads', '8'])
    expect(splitParseFlags(['--vars', '{a: 1}', '--vars'])).toEqual({ parse: ['--vars', '{a: 1}', '--vars'], rest: [] })
  })

  it('uses --selector instead of --select when a selector is named', () => {
    const args = buildDbtArgs(settings({ selector: 'pr_nodes', select: [] }), baseline)
    expect(args.slice(0, 3)).toEqual(['build', '--selector', 'pr_nodes'])
    expect(args).not.toContain('--select')
  })

  it('builds everything without state or selection when there is no baseline', () => {
    const args = buildDbtArgs(settings({ exclude: ['tag:slow'], favorState: true }), { kind: 'build-all' })
    expect(args).toEqual(['build', '--exclude', 'tag:slow', '--no-defer'])
  })
})

describe('other dbt commands', () => {
  it('clones modified incremental models from the state', () => {
    expect(buildCloneArgs(settings(), '/tmp/state')).toEqual([
      'clone',
      '--select',
      `state:modified,${CLONE_INCREMENTAL_FILTER}`,
      '--state',
      '/tmp/state'
    ])
    expect(CLONE_INCREMENTAL_FILTER).toBe('config.materialized:incremental,state:old')
  })

  it('clones only what the build selects: each selection value intersected, exclusions kept, no YAML selector', () => {
    expect(buildCloneArgs(settings({ select: ['state:modified', 'tag:pr'], exclude: ['tag:slow'] }), '/s')).toEqual([
      'clone',
      '--select',
      `state:modified,${CLONE_INCREMENTAL_FILTER}`,
      `tag:pr,${CLONE_INCREMENTAL_FILTER}`,
      '--exclude',
      'tag:slow',
      '--state',
      '/s'
    ])
    expect(buildCloneArgs(settings({ selector: 'pr_nodes', select: [] }), '/s')).toBeUndefined()
  })

  it('installs packages in the project', () => {
    expect(buildDepsArgs()).toEqual(['deps'])
  })
})

describe('semanticsWarnings', () => {
  it('warns where dbt ignores or reinterprets the flags', async () => {
    const { semanticsWarnings } = await import('../src/modes/build.js')
    expect(semanticsWarnings(settings())).toEqual([])
    expect(semanticsWarnings(settings({ favorState: true, defer: false }))[0]).toContain('ignores --favor-state without --defer')
    const test = semanticsWarnings(settings({ command: 'test', favorState: true }))
    expect(test).toHaveLength(1)
    expect(test[0]).toContain('every model ref')
    expect(semanticsWarnings(settings({ command: 'test' }))).toEqual([])
    expect(semanticsWarnings(settings({ command: 'seed' }))[0]).toContain('seeds read no refs')
  })
})
