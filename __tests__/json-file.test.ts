import { describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readJsonFile, STREAM_ABOVE_BYTES } from '../src/dbt/json-file.js'
import { recordedDir } from './fakes/dbt-process.js'

// Files above the threshold are parsed as a token stream (never one string, so any size the
// machine can hold works); below it, by JSON.parse. Both must give the same value.

const files = ['baseline/manifest.json', 'ci/manifest.json', 'ci/run_results.json'].map((f) => join(recordedDir, f))

describe('readJsonFile', () => {
  it('parses real dbt artifacts as a stream to exactly what JSON.parse gives', async () => {
    for (const file of files) {
      const streamed = await readJsonFile(file, 0)
      expect(streamed).toEqual(JSON.parse(readFileSync(file, 'utf8')))
    }
  })

  it('streams only above 256 MiB by default', () => {
    expect(STREAM_ABOVE_BYTES).toBe(256 * 1024 * 1024)
  })

  it('rejects broken or truncated JSON in either path with a SyntaxError naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-json-'))
    const broken = join(dir, 'broken.json')
    writeFileSync(broken, '{"metadata": {"x": 1}, "nodes": {')
    await expect(readJsonFile(broken)).rejects.toThrow(SyntaxError)
    await expect(readJsonFile(broken, 0)).rejects.toThrow(SyntaxError)
    writeFileSync(broken, '{"a": tru}')
    await expect(readJsonFile(broken, 0)).rejects.toThrow(SyntaxError)
    await expect(readJsonFile(join(dir, 'absent.json'), 0)).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
