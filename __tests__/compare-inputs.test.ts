import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getInputs } from '../src/inputs.js'

// The inputs of the data comparison, read as the runner hands them over (INPUT_<NAME>).

let saved: NodeJS.ProcessEnv

function given(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
}

function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

beforeEach(() => {
  saved = { ...process.env }
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  const workspace = mkdtempSync(join(tmpdir(), 'compare-inputs-'))
  mkdirSync(join(workspace, 'analytics'))
  writeFileSync(join(workspace, 'analytics', 'dbt_project.yml'), 'name: shop\n')
  Object.assign(process.env, { GITHUB_WORKSPACE: workspace, GITHUB_REPOSITORY: 'octo/shop', RUNNER_TEMP: join(workspace, 'tmp') })
  given({ 'project-dir': 'analytics' })
})

afterEach(() => {
  process.env = saved
})

describe('the comparison inputs', () => {
  it('default to on, 50 models, 10,000,000 rows, no filter, 5 example keys, no values', () => {
    expect(getInputs().compare).toEqual({
      enabled: true,
      maxModels: 50,
      keyDiffMaxRows: 10_000_000,
      where: undefined,
      exampleKeys: 5,
      valueSamples: false
    })
  })

  it('read every setting', () => {
    given({
      compare: 'false',
      'compare-max-models': '200',
      'compare-key-diff-max-rows': '1000',
      'compare-where': 'order_date >= current_date - 7',
      'compare-example-keys': '0',
      'compare-value-samples': 'true'
    })
    expect(getInputs().compare).toEqual({
      enabled: false,
      maxModels: 200,
      keyDiffMaxRows: 1000,
      where: 'order_date >= current_date - 7',
      exampleKeys: 0,
      valueSamples: true
    })
  })

  it('refuse a bad value, naming the input, the value and what is accepted', () => {
    given({ 'compare-max-models': '201' })
    expect(errorOf(() => getInputs())).toBe("Invalid value for input 'compare-max-models': '201'. Expected a whole number from 1 to 200.")
    given({ 'compare-max-models': '0' })
    expect(errorOf(() => getInputs())).toBe("Invalid value for input 'compare-max-models': '0'. Expected a whole number from 1 to 200.")
    given({ 'compare-max-models': '10', 'compare-example-keys': 'few' })
    expect(errorOf(() => getInputs())).toBe("Invalid value for input 'compare-example-keys': 'few'. Expected a whole number from 0 to 50.")
    given({ 'compare-example-keys': '5', 'compare-where': 'x > 1; drop table t' })
    expect(errorOf(() => getInputs())).toBe(
      `Invalid value for input 'compare-where': 'x > 1; drop table t'. Expected one SQL predicate such as "created_at >= current_date - 7", without semicolons or Jinja.`
    )
    given({ 'compare-where': "{{ env_var('X') }}" })
    expect(errorOf(() => getInputs())).toMatch(/^Invalid value for input 'compare-where'/)
    given({ 'compare-where': '', compare: 'maybe' })
    expect(errorOf(() => getInputs())).toBe("Invalid value for input 'compare': 'maybe'. Expected true or false.")
  })
})
