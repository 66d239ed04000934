import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertNoOwnedEnv, assertNoOwnedFlags, assertSelectionValues, OwnedSettingError, ownedEnvVars } from '../src/dbt/owned-flags.js'
import { getInputs } from '../src/inputs.js'

describe('flags the action owns', () => {
  it('are refused in extra-args in every spelling, naming the input that sets them', () => {
    for (const [args, instead] of [
      [['--target', 'prod'], "the input 'target'"],
      [['--target=prod'], "the input 'target'"],
      [['-tprod'], "the input 'target'"],
      [['-t', 'prod'], "the input 'target'"],
      [['--no-defer'], "the input 'defer'"],
      [['--defer-state', 'x'], 'baseline inputs'],
      [['--profile', 'other'], "the project's own 'profile:'"],
      [['--profile=other'], "the project's own 'profile:'"]
    ] as const) {
      expect(() => assertNoOwnedFlags(args)).toThrow(OwnedSettingError)
      expect(() => assertNoOwnedFlags(args)).toThrow(instead)
    }
    expect(() => assertNoOwnedFlags(['--vars', '{"a": 1}', '--threads', '8', '--fail-fast', '--target-x'])).not.toThrow()
  })

  it('are refused in the environment unless they name what the action passes anyway', () => {
    expect(() => assertNoOwnedEnv({ DBT_TARGET: 'prod' }, { DBT_TARGET: 'ci' })).toThrow(/DBT_TARGET is set to 'prod'/)
    expect(() => assertNoOwnedEnv({ DBT_TARGET: 'ci' }, { DBT_TARGET: 'ci' })).not.toThrow()
    expect(() => assertNoOwnedEnv({ DBT_ENGINE_TARGET: 'ci' }, { DBT_TARGET: 'ci' })).not.toThrow()
    expect(() => assertNoOwnedEnv({ DBT_DEFER: '' })).not.toThrow()
    expect(() => assertNoOwnedEnv({ DBT_PROFILE: 'other' })).toThrow(/DBT_PROFILE is set to 'other'.*the project's own 'profile:'/)
    expect(() => assertNoOwnedEnv({ DBT_ENGINE_PROFILE: 'other' })).toThrow(/DBT_ENGINE_PROFILE is set to 'other'/)
    expect(ownedEnvVars().map((v) => v.name)).toEqual(
      expect.arrayContaining(['DBT_STATE', 'DBT_ENGINE_STATE', 'DBT_DEFER_TO_STATE', 'DBT_ARTIFACT_STATE_PATH'])
    )
  })

  it('selection values starting with - are refused, naming the input', () => {
    expect(() => assertSelectionValues('exclude', ['tag:a', '-t'])).toThrow("Invalid value for input 'exclude': '-t'")
    expect(() => assertSelectionValues('select', ['state:modified+', '1+orders'])).not.toThrow()
  })
})

describe('inputs and the environment together', () => {
  const saved = { ...process.env }
  afterEach(() => {
    process.env = { ...saved }
  })

  function workspace(): string {
    const ws = mkdtempSync(join(tmpdir(), 'dbt-defer-owned-'))
    mkdirSync(join(ws, 'project'))
    writeFileSync(join(ws, 'project', 'dbt_project.yml'), 'name: shop\nprofile: shop\n')
    writeFileSync(join(ws, 'project', 'profiles.yml'), 'shop: {}\n')
    process.env.GITHUB_WORKSPACE = ws
    process.env['INPUT_PROJECT-DIR'] = 'project'
    return ws
  }

  it('takes DBT_PROFILES_DIR as the profiles directory, and refuses it when profiles-dir names another', () => {
    const ws = workspace()
    process.env.DBT_PROFILES_DIR = 'project'
    expect(getInputs().dbt.profilesDir).toBe(join(ws, 'project'))
    mkdirSync(join(ws, 'other'))
    writeFileSync(join(ws, 'other', 'profiles.yml'), 'shop: {}\n')
    process.env['INPUT_PROFILES-DIR'] = 'other'
    expect(() => getInputs()).toThrow(/DBT_PROFILES_DIR is set to 'project'/)
  })

  it('hands dbt no INPUT_ variable and none of the runner tokens, and keeps what the job set for dbt', () => {
    workspace()
    Object.assign(process.env, {
      'INPUT_GITHUB-TOKEN': 'ghs_x1234',
      ACTIONS_RUNTIME_TOKEN: 'rt_5678',
      DBT_ENV_SECRET_PW: 'kept',
      PGHOST: 'db'
    })
    const env = getInputs().dbt.env
    expect(Object.keys(env).filter((k) => k.startsWith('INPUT_') || k.startsWith('ACTIONS_RUNTIME'))).toEqual([])
    expect(env.DBT_ENV_SECRET_PW).toBe('kept')
    expect(env.PGHOST).toBe('db')
  })

  it('does not check the environment in publish mode, which runs no dbt', () => {
    workspace()
    Object.assign(process.env, { INPUT_MODE: 'publish', DBT_TARGET: 'prod', DBT_TARGET_PATH: 'out' })
    expect(getInputs().mode).toBe('publish')
  })
})
