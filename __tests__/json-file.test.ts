import { afterAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { constants } from 'node:buffer'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readJsonFile, UNREAD_FIELDS, type UnreadFields } from '../src/dbt/json-file.js'
import { recordedDir } from './fakes/dbt-process.js'

// The reader cuts each entry of a top-level section out of the file's bytes and parses it on its
// own, with the unread fields blanked out. Whatever the chunk size, it must give exactly what
// JSON.parse of the whole file gives, less those fields.

const recorded = ['baseline/manifest.json', 'ci/manifest.json', 'ci/run_results.json'].map((f) => join(recordedDir, f))
const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-json-'))
let files = 0
afterAll(() => rmSync(dir, { recursive: true, force: true }))
function fileWith(text: string): string {
  const path = join(dir, `${files++}.json`)
  writeFileSync(path, text)
  return path
}

/** What JSON.parse gives, less the unread fields of each section's entries. */
function expected(text: string, unread: UnreadFields = UNREAD_FIELDS): unknown {
  const value = JSON.parse(text) as unknown
  if (!value || typeof value !== 'object' || Array.isArray(value)) return value
  for (const [section, fields] of Object.entries(unread)) {
    const entries = (value as Record<string, unknown>)[section]
    if (!entries || typeof entries !== 'object' || Array.isArray(entries)) continue
    for (const entry of Object.values(entries)) {
      if (entry && typeof entry === 'object' && !Array.isArray(entry)) for (const f of fields) delete (entry as Record<string, unknown>)[f]
    }
  }
  return value
}

describe('readJsonFile', () => {
  it('reads real dbt artifacts, at any chunk size, to what JSON.parse gives less the SQL and the docs', async () => {
    for (const file of recorded) {
      const text = readFileSync(file, 'utf8')
      for (const chunk of [16, 333, 4096, 4 * 1024 * 1024]) {
        expect(await readJsonFile(file, UNREAD_FIELDS, chunk)).toEqual(expected(text))
        expect(await readJsonFile(file, {}, chunk)).toEqual(JSON.parse(text))
      }
    }
    const manifest = (await readJsonFile(join(recordedDir, 'ci/manifest.json'))) as { nodes: Record<string, Record<string, unknown>> }
    const model = Object.values(manifest.nodes).find((n) => n.resource_type === 'model') as Record<string, unknown>
    expect(model).not.toHaveProperty('raw_code')
    expect(model).not.toHaveProperty('compiled_code')
    expect(model).toHaveProperty('config.materialized')
    expect(model).toHaveProperty('depends_on.nodes')
    const results = (await readJsonFile(join(recordedDir, 'ci/run_results.json'))) as { results: Array<{ compiled_code?: string }> }
    expect(results.results.some((r) => typeof r.compiled_code === 'string' && r.compiled_code.length > 0)).toBe(true)
  })

  it('leaves out a field wherever it stands in an entry, and keeps the rest byte for byte', async () => {
    const cases = [
      '{"nodes": {"a": {"raw_code": "x", "name": "a"}}}',
      '{"nodes": {"a": {"name": "a", "raw_code": "x"}}}',
      '{"nodes": {"a": {"raw_code": "x"}}}',
      '{"nodes": {"a": {"name": "a", "raw_code": "x", "compiled_code": "y"}, "b": {"raw_code": "x", "description": {"deep": ["}", "\\"]"]}, "name": "b"}}}',
      '{"nodes":{"a":{"raw_code":"q\\\\","name":"\\"a\\"","raw_code":"again"}}}',
      '{\n  "nodes": {\n    "a": {\n      "x": 1,\n      "raw_code": "select 1",\n      "config": {"raw_code": "kept: not a field of the entry"}\n    }\n  }\n}\n',
      '{"nodes": {}, "sources": {"s": {"description": "é漢🙂", "name": "s🙂"}}, "__proto__": {"nodes": 1}}',
      '{"nodes": {"a": null, "b": [1, {"raw_code": 2}], "c": 3.5e-7, "d": "raw_code"}, "other": [true, false, null]}',
      '[{"nodes": {"a": {"raw_code": 1}}}]',
      '"just a string"',
      '  -12.5  '
    ]
    for (const text of cases) {
      for (const chunk of [16, 17, 23, 64, 4096]) expect(await readJsonFile(fileWith(text), UNREAD_FIELDS, chunk)).toEqual(expected(text))
    }
    const proto = (await readJsonFile(fileWith(cases[6]))) as Record<string, unknown>
    expect(Object.getPrototypeOf(proto)).toBe(Object.prototype)
    expect(Object.hasOwn(proto, '__proto__')).toBe(true)
  })

  it('gives what JSON.parse gives for any JSON, printed compact or indented, at any chunk size', async () => {
    const entry = fc.dictionary(
      fc.constantFrom('raw_code', 'name', 'description', 'config', 'x', 'é🙂', '"q"', '\\'),
      fc.jsonValue({ maxDepth: 3 })
    )
    const doc = fc.record({
      nodes: fc.dictionary(fc.string(), fc.oneof(entry, fc.jsonValue({ maxDepth: 2 }))),
      sources: fc.dictionary(fc.string(), entry),
      results: fc.array(fc.jsonValue({ maxDepth: 3 })),
      other: fc.jsonValue({ maxDepth: 3 })
    })
    await fc.assert(
      fc.asyncProperty(doc, fc.integer({ min: 16, max: 300 }), fc.boolean(), async (value, chunk, indented) => {
        const text = JSON.stringify(value, null, indented ? 2 : undefined)
        expect(await readJsonFile(fileWith(text), UNREAD_FIELDS, chunk)).toEqual(expected(text))
      }),
      { numRuns: 300 }
    )
  })

  it('reads a manifest larger than the longest string V8 can make', async () => {
    // 600 MB of nodes, each with 96 kB of SQL: one string of it is past V8's limit.
    const path = join(dir, 'huge.json')
    const fd = openSync(path, 'w')
    const sql = 'select 1 as a -- padding\n'.repeat(96 * 40)
    const nodes = 6200
    writeSync(fd, '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}, "nodes": {')
    for (let i = 0; i < nodes; i++) {
      const node = {
        unique_id: `model.p.m${i}`,
        resource_type: 'model',
        raw_code: sql,
        compiled_code: sql,
        depends_on: { nodes: [`model.p.m${i - 1}`] }
      }
      writeSync(fd, `${i ? ', ' : ''}"model.p.m${i}": ${JSON.stringify(node)}`)
    }
    writeSync(fd, '}, "parent_map": {}}')
    closeSync(fd)
    const size = statSync(path).size
    expect(size).toBeGreaterThan(constants.MAX_STRING_LENGTH)
    const manifest = (await readJsonFile(path)) as {
      nodes: Record<string, { unique_id: string; raw_code?: string; depends_on: { nodes: string[] } }>
    }
    expect(Object.keys(manifest.nodes)).toHaveLength(nodes)
    expect(manifest.nodes['model.p.m6199']).toEqual({
      unique_id: 'model.p.m6199',
      resource_type: 'model',
      depends_on: { nodes: ['model.p.m6198'] }
    })
  }, 120_000)

  it('rejects broken or truncated JSON with a SyntaxError naming the problem and the byte', async () => {
    const rejects = async (text: string, message: RegExp) => {
      for (const chunk of [16, 4096]) {
        const path = fileWith(text)
        await expect(readJsonFile(path, UNREAD_FIELDS, chunk)).rejects.toThrow(SyntaxError)
        await expect(readJsonFile(path, UNREAD_FIELDS, chunk)).rejects.toThrow(message)
      }
    }
    await rejects('{"metadata": {"x": 1}, "nodes": {', /Unexpected end of JSON input at byte \d+ of .*\.json/)
    await rejects('{"nodes": {"a": {"raw_code": "select', /Unterminated string|Unexpected end of JSON input/)
    await rejects('{"a": tru}', /in the value at byte 6 of/)
    await rejects('{"nodes": {"a": {"name": "a" "x": 1}}}', /Unexpected '"' at byte 29/)
    await rejects('{"a": 1} {"b": 2}', /Unexpected '\{' after the JSON value at byte 9/)
    await rejects('{"a" 1}', /Expected ':' but found '1' at byte 5/)
    await rejects('', /Unexpected end of JSON input at byte 0/)
    await expect(readJsonFile(join(dir, 'absent.json'))).rejects.toMatchObject({ code: 'ENOENT' })
  })
})
