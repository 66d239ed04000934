import { describe, expect, it } from '@jest/globals'
import { resolveDeferEnvId } from '../src/baseline/dbt-cloud-env-id.js'
import { BaselineConfigError } from '../src/baseline/errors.js'

describe('resolveDeferEnvId', () => {
  const projectYml = "name: jaffle_shop\ndbt-cloud:\n  project-id: 7\n  defer-env-id: '222'\n"
  const cloudYml = "version: '1'\ncontext:\n  active-project: '7'\n  defer-env-id: '333'\n"

  it('prefers the input, then the variable, then dbt_project.yml, then dbt_cloud.yml', () => {
    const all = { input: '111', envVar: '444', dbtProjectYml: projectYml, dbtCloudYml: cloudYml }
    expect(resolveDeferEnvId(all)).toEqual({ id: '111', origin: 'input' })
    expect(resolveDeferEnvId({ ...all, input: '' })).toEqual({ id: '444', origin: 'DBT_CLOUD_DEFER_ENV_ID' })
    expect(resolveDeferEnvId({ ...all, input: undefined, envVar: undefined })).toEqual({ id: '222', origin: 'dbt_project.yml' })
    expect(resolveDeferEnvId({ dbtProjectYml: 'name: jaffle_shop\n', dbtCloudYml: cloudYml })).toEqual({
      id: '333',
      origin: 'dbt_cloud.yml'
    })
    expect(resolveDeferEnvId({ dbtProjectYml: 'name: jaffle_shop\n' })).toEqual({})
  })

  it('reads an unquoted YAML number as the id', () => {
    expect(resolveDeferEnvId({ dbtProjectYml: 'dbt-cloud:\n  defer-env-id: 98765\n' })).toEqual({ id: '98765', origin: 'dbt_project.yml' })
  })

  it.each([
    [{ input: 'prod' }, 'defer-env-id', /'prod' in the input `defer-env-id`/],
    [{ envVar: '12a' }, 'DBT_CLOUD_DEFER_ENV_ID', /environment variable DBT_CLOUD_DEFER_ENV_ID/],
    [{ dbtProjectYml: 'dbt-cloud:\n  defer-env-id: staging\n' }, 'dbt_project.yml', /dbt_project.yml/],
    [{ dbtCloudYml: 'context:\n  defer-env-id: "-5"\n' }, 'dbt_cloud.yml', /dbt_cloud.yml/]
  ])('refuses a non-numeric id and names where it came from (%#)', (candidates, input, message) => {
    let error: unknown
    try {
      resolveDeferEnvId(candidates)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(BaselineConfigError)
    expect((error as BaselineConfigError).input).toBe(input)
    expect((error as Error).message).toMatch(message)
  })
})
