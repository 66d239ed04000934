import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { SetupError } from '../src/errors.js'
import { describeSignal, execDbtProcess } from '../src/dbt/process.js'

let dir: string
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'dbt-process-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

/** Writes a shell script standing in for dbt; `mode` 0o644 leaves it without the x bit. */
function script(name: string, lines: string[], mode = 0o755): string {
  const path = join(dir, name)
  writeFileSync(path, ['#!/bin/sh', ...lines, ''].join('\n'))
  chmodSync(path, mode)
  return path
}

const env = () => ({ PATH: process.env.PATH ?? '/usr/bin:/bin' })
const runIn = (executable: string, scrub?: (text: string) => string) => execDbtProcess(executable, scrub).run([], { cwd: dir, env: env() })

/** What the process printed to its stdout while `work` ran. */
async function printed<T>(work: () => Promise<T>): Promise<{ result: T; text: string }> {
  const chunks: string[] = []
  const write = process.stdout.write
  process.stdout.write = ((chunk: string | Uint8Array) => {
    chunks.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'))
    return true
  }) as typeof process.stdout.write
  try {
    return { result: await work(), text: chunks.join('') }
  } finally {
    process.stdout.write = write
  }
}

describe('execDbtProcess exit status', () => {
  it("passes dbt's own exit code through, without a signal", async () => {
    const { result } = await printed(() => runIn(script('fails.sh', ['echo "1 of 2 ERROR"', 'exit 1'])))
    expect(result).toEqual({ exitCode: 1, output: '1 of 2 ERROR' })
  })

  it('names the signal that killed dbt and reports 128 + its number', async () => {
    const { result } = await printed(() => runIn(script('killed.sh', ['echo "building 2000 models"', 'kill -9 $$'])))
    expect(result).toEqual({ exitCode: 137, signal: 'SIGKILL', output: 'building 2000 models' })
    expect(describeSignal(result.signal as string)).toBe('dbt was killed by SIGKILL (out of memory or cancelled?)')
  })

  it('names SIGTERM as a cancellation or timeout', async () => {
    const { result } = await printed(() => runIn(script('terminated.sh', ['kill -TERM $$'])))
    expect(result).toMatchObject({ exitCode: 143, signal: 'SIGTERM' })
    expect(describeSignal('SIGTERM')).toMatch(/^dbt was stopped by SIGTERM \(the job was cancelled or timed out\?\)$/)
    expect(describeSignal('SIGUSR1')).toBe('dbt was killed by SIGUSR1')
  })
})

describe('execDbtProcess refuses an executable it cannot run, saying why', () => {
  it('a file without the x bit: exists but is not executable, with chmod +x and dbt-executable', async () => {
    const path = script('no-x-bit', ['echo never'], 0o644)
    const attempt = runIn(path)
    await expect(attempt).rejects.toBeInstanceOf(SetupError)
    await expect(attempt).rejects.toThrow(
      `The dbt executable '${path}' exists but is not executable. Make it executable ('chmod +x ${path}') in an earlier step, ` +
        "or point the input 'dbt-executable' at the right file (e.g. the virtualenv's bin/dbt)."
    )
  })

  it('a name on PATH whose file lacks the x bit: says where it is', async () => {
    const bin = join(dir, 'path-bin')
    mkdirSync(bin)
    writeFileSync(join(bin, 'dbt-no-x'), '#!/bin/sh\n', { mode: 0o644 })
    const attempt = execDbtProcess('dbt-no-x').run([], { cwd: dir, env: { PATH: `${bin}:${env().PATH}` } })
    await expect(attempt).rejects.toThrow(`The dbt executable 'dbt-no-x' (${join(bin, 'dbt-no-x')}) exists but is not executable.`)
  })

  it('a directory: says it is one and asks for the program inside', async () => {
    const venv = join(dir, 'venv')
    mkdirSync(venv)
    const attempt = runIn(venv)
    await expect(attempt).rejects.toBeInstanceOf(SetupError)
    await expect(attempt).rejects.toThrow(
      `The dbt executable '${venv}' is a directory, not a program. Set the input 'dbt-executable' to the dbt program itself, e.g. '${join(venv, 'bin', 'dbt')}'`
    )
  })

  it('a path that does not exist: not found, with how to install dbt', async () => {
    await expect(runIn(join(dir, 'nowhere', 'dbt'))).rejects.toThrow(/^The dbt executable '.*nowhere\/dbt' was not found\. Install dbt/)
  })

  it('a name that is not on PATH: not found on PATH', async () => {
    await expect(runIn('dbt-surely-not-installed')).rejects.toThrow("The dbt executable 'dbt-surely-not-installed' was not found on PATH.")
  })

  it('takes a relative path from the workspace (the current directory)', async () => {
    const path = script('relative.sh', ['echo from a relative path'])
    const { result } = await printed(() => runIn(relative(process.cwd(), path)))
    expect(result).toEqual({ exitCode: 0, output: 'from a relative path' })
  })

  it('a script whose interpreter is missing: could not be started, and why', async () => {
    const path = join(dir, 'moved-venv-dbt')
    writeFileSync(path, '#!/nonexistent/venv/bin/python\nprint(1)\n', { mode: 0o755 })
    await expect(runIn(path)).rejects.toThrow(/could not be started .*the interpreter on its first line \(#!\) is missing/)
  })
})

describe('execDbtProcess scrubs secrets from the streamed output', () => {
  const SECRET = 'hunter2-very-secret-password'
  const scrub = (text: string) => text.split(SECRET).join('***')

  it('prints and keeps whole lines, so a secret written in two pieces is still replaced', async () => {
    const path = script('leaks.sh', [
      'echo "connecting"',
      `printf 'password=${SECRET.slice(0, 9)}'`,
      'sleep 0.2',
      `printf '${SECRET.slice(9)} in profile\\n'`,
      `echo "stderr: ${SECRET}" >&2`,
      `printf 'last line without newline ${SECRET}'`
    ])
    const { result, text } = await printed(() => runIn(path, scrub))
    expect(text).not.toContain(SECRET)
    expect(text).not.toContain(SECRET.slice(0, 9))
    expect(text.split('\n')).toEqual(
      expect.arrayContaining(['connecting', 'password=*** in profile', 'stderr: ***', 'last line without newline ***'])
    )
    expect(result.output).not.toContain(SECRET)
    expect(result.output).toContain('password=*** in profile')
    expect(result.exitCode).toBe(0)
  })

  it('keeps a character of several bytes whole when it is cut between two writes', async () => {
    // "é" is 0xC3 0xA9 in UTF-8: the two bytes arrive in separate chunks.
    const path = script('utf8.sh', [`printf 'caf\\303'`, 'sleep 0.2', `printf '\\251\\n'`])
    const { result, text } = await printed(() => runIn(path))
    expect(text).toBe('café\n')
    expect(result.output).toBe('café')
  })
})
