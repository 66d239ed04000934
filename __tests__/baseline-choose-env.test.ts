import { describe, expect, it } from '@jest/globals'
import { chooseEnv, decideEnv } from '../src/baseline/choose-env.js'

describe('decideEnv', () => {
  it.each([
    ['auto', true, 'staging'],
    ['auto', false, 'production'],
    ['staging', false, 'staging'],
    ['staging', true, 'staging'],
    ['production', true, 'production'],
    ['production', false, 'production']
  ] as const)('%s with staging configured=%s defers to %s', (choice, staging, env) => {
    expect(decideEnv(choice, staging)).toBe(env)
  })
})

describe('chooseEnv', () => {
  const broken = { stagingConfigured: async (): Promise<boolean> => Promise.reject(new Error('service down')) }

  it('needs no answer from the source for an explicit choice', async () => {
    await expect(chooseEnv('production', broken)).resolves.toBe('production')
    await expect(chooseEnv('staging', broken)).resolves.toBe('staging')
  })

  it('asks the source for auto', async () => {
    await expect(chooseEnv('auto', { stagingConfigured: async () => true })).resolves.toBe('staging')
    await expect(chooseEnv('auto', { stagingConfigured: async () => false })).resolves.toBe('production')
    await expect(chooseEnv('auto', broken)).rejects.toThrow('service down')
  })
})
