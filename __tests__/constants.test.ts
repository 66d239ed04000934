import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { Input, Output } from '../src/constants.js'
import { repoRoot } from './helpers/paths.js'

// The names the code uses are exactly the ones action.yml declares, so a rename cannot drift.

const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as {
  inputs: Record<string, unknown>
  outputs: Record<string, unknown>
}

describe('input and output names', () => {
  it('Input lists every input of action.yml and nothing else', () => {
    expect(Object.values(Input).sort()).toEqual(Object.keys(action.inputs).sort())
  })

  it('Output lists every output of action.yml and nothing else', () => {
    expect(Object.values(Output).sort()).toEqual(Object.keys(action.outputs).sort())
  })

  it('no source file names an input or output by a string literal where the constant belongs', () => {
    const offenders: string[] = []
    for (const file of [
      'src/modes/build.ts',
      'src/modes/cleanup.ts',
      'src/modes/publish.ts',
      'src/report/publish.ts',
      'src/run/prepare.ts'
    ]) {
      const text = readFileSync(join(repoRoot, file), 'utf8')
      if (/outputs\.set\('/.test(text)) offenders.push(file)
    }
    expect(offenders).toEqual([])
  })
})
