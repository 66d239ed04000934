import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SetupError } from '../src/errors.js'
import { dbtSession, pythonOf } from '../src/dbt/session.js'

// The dbt session with programs that are not dbt: which interpreter it finds, and a start that
// fails. dbt-session.int.test.ts runs it on real dbt.

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbt-session-'))
})
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function script(name: string, firstLine: string): string {
  const path = join(dir, name)
  writeFileSync(path, `${firstLine}\nprint("never")\n`)
  chmodSync(path, 0o755)
  return path
}

const shared = { parse: ['--project-dir', '/p'], targetDir: '/t' }

describe('the dbt session', () => {
  it('finds the Python of a console script, directly or through env, and nothing for another program', async () => {
    expect(await pythonOf(script('a', '#!/opt/venv/bin/python3.12'))).toBe('/opt/venv/bin/python3.12')
    expect(await pythonOf(script('b', '#!/usr/bin/env python3'))).toBe('python3')
    expect(await pythonOf(script('c', '#!/bin/sh'))).toBeUndefined()
    expect(await pythonOf(join(dir, 'missing'))).toBeUndefined()
  })

  it('runs the step as a process of its own, which says why, when the interpreter of dbt is missing', async () => {
    const dbt = script('dbt', '#!/nonexistent/venv/bin/python3')
    const session = dbtSession(
      dbt,
      (s) => s,
      () => undefined
    )
    const step = session.run(['build', ...shared.parse], { cwd: dir, env: { PATH: '/usr/bin:/bin' }, shared })
    await expect(step).rejects.toThrow(SetupError)
    await expect(step).rejects.toThrow(/could not be started.*interpreter on its first line/s)
    await session.close()
  })
})
