import { describe, expect, it } from '@jest/globals'
import { buildCloneArgs, buildDbtArgs, buildDepsArgs, CLONE_INCREMENTAL_SELECTION } from '../src/dbt/argv.js'
import type { DbtSettings } from '../src/settings.js'

function settings(overrides: Partial<DbtSettings> = {}): DbtSettings {
  return {
    executable: 'dbt',
    projectDir: '/ws/project',
    command: 'build',
    select: ['state:modified'],
    exclude: [],
    defer: true,
    favorState: false,
    extraArgs: [],
    deps: 'auto',
    cloneIncremental: false,
    ...overrides
  }
}

const baseline = { kind: 'baseline', stateDir: '/tmp/state' } as const

describe('buildDbtArgs', () => {
  it('builds the default slim CI command', () => {
    expect(buildDbtArgs(settings(), baseline)).toEqual([
      'build', '--select', 'state:modified', '--state', '/tmp/state', '--defer', '--project-dir', '/ws/project'
    ])
  })

  it('passes --favor-state only together with --defer', () => {
    expect(buildDbtArgs(settings({ favorState: true }), baseline)).toContain('--favor-state')
    const noDefer = buildDbtArgs(settings({ favorState: true, defer: false }), baseline)
    expect(noDefer).toContain('--no-defer')
    expect(noDefer).not.toContain('--favor-state')
    expect(noDefer).not.toContain('--defer')
  })

  it('keeps several selection values, exclusions, target, profiles and extra args in order', () => {
    const args = buildDbtArgs(
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
      'run', '--select', 'state:modified+', 'tag:pr', '--exclude', 'tag:slow', '--state', '/tmp/state', '--defer',
      '--project-dir', '/ws/project', '--profiles-dir', '/ws/profiles', '--target', 'ci', '--vars', '{"a": 1}', '--fail-fast'
    ])
  })

  it('uses --selector instead of --select when a selector is named', () => {
    const args = buildDbtArgs(settings({ selector: 'pr_nodes', select: [] }), baseline)
    expect(args.slice(0, 3)).toEqual(['build', '--selector', 'pr_nodes'])
    expect(args).not.toContain('--select')
  })

  it('builds everything without state or selection when there is no baseline', () => {
    const args = buildDbtArgs(settings({ exclude: ['tag:slow'], favorState: true }), { kind: 'build-all' })
    expect(args).toEqual(['build', '--exclude', 'tag:slow', '--no-defer', '--project-dir', '/ws/project'])
  })
})

describe('other dbt commands', () => {
  it('clones modified incremental models from the state', () => {
    expect(buildCloneArgs(settings({ target: 'ci' }), '/tmp/state')).toEqual([
      'clone', '--select', CLONE_INCREMENTAL_SELECTION, '--state', '/tmp/state', '--project-dir', '/ws/project', '--target', 'ci'
    ])
    expect(CLONE_INCREMENTAL_SELECTION).toBe('state:modified+,config.materialized:incremental,state:old')
  })

  it('installs packages in the project', () => {
    expect(buildDepsArgs(settings({ profilesDir: '/p' }))).toEqual(['deps', '--project-dir', '/ws/project', '--profiles-dir', '/p'])
  })
})

describe('semanticsWarnings', () => {
  it('warns where dbt ignores or reinterprets the flags', async () => {
    const { semanticsWarnings } = await import('../src/build.js')
    expect(semanticsWarnings(settings())).toEqual([])
    expect(semanticsWarnings(settings({ favorState: true, defer: false }))[0]).toContain('ignores --favor-state without --defer')
    const test = semanticsWarnings(settings({ command: 'test', favorState: true }))
    expect(test).toHaveLength(1)
    expect(test[0]).toContain('every model ref')
    expect(semanticsWarnings(settings({ command: 'test' }))).toEqual([])
    expect(semanticsWarnings(settings({ command: 'seed' }))[0]).toContain('seeds read no refs')
  })
})
