import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { repoRoot } from './helpers/paths.js'

describe('README and action.yml', () => {
  it('has the inputs and outputs tables exactly as action.yml generates them', () => {
    const check = spawnSync(process.execPath, [join(repoRoot, 'scripts', 'docs.mjs'), '--check'], { encoding: 'utf8' })
    expect(check.stderr).toBe('')
    expect(check.status).toBe(0)
  })

  it('documents every input and output, and describes each with a string default', () => {
    const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8'))
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
    for (const [name, spec] of Object.entries<{ description?: string; default?: unknown }>(action.inputs)) {
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      expect(spec.description?.length).toBeGreaterThan(10)
      expect(typeof spec.default).toBe('string')
      expect(readme).toContain(`| \`${name}\` |`)
    }
    for (const [name, spec] of Object.entries<{ description?: string }>(action.outputs)) {
      expect(name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/)
      expect(spec.description?.length).toBeGreaterThan(10)
      expect(readme).toContain(`| \`${name}\` |`)
    }
    expect(action.runs).toEqual({ using: 'node24', main: 'dist/index.js' })
  })

  it('shows the two commands', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
    expect(readme).toContain('npm run demo')
    expect(readme).toContain('npm test')
  })
})
