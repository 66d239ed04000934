import { describe, expect, it } from '@jest/globals'
import { isBaseline } from '../src/baseline/types.js'

describe('toolchain', () => {
  it('runs on Node 24 with ESM TypeScript', () => {
    expect(Number(process.versions.node.split('.')[0])).toBe(24)
    expect(isBaseline({ searched: [] })).toBe(false)
  })
})
