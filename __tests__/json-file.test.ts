import { afterAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs'
import { constants } from 'node:buffer'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  ArtifactChangedError,
  CHUNK_BYTES,
  entriesOf,
  INDEXED_SECTIONS,
  isIndexed,
  readArtifact,
  readBaselineJson,
  readJsonFile,
  readPickedJson,
  UNREAD_FIELDS,
  type PickedFields,
  type UnreadFields
} from '../src/dbt/json-file.js'
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

// A big baseline is held as an index of where each entry lies in the file, parsed again when
// read. It must read exactly as the eager reader's value does, stay read-only, and refuse a file
// that is not JSON or that changed under it.
describe('an indexed artifact (readBaselineJson)', () => {
  const readIndexed = (path: string, chunk = CHUNK_BYTES) => readJsonFile(path, UNREAD_FIELDS, chunk, INDEXED_SECTIONS)

  it('reads real dbt artifacts to what the eager reader gives, keys in the same order, one entry at a time', async () => {
    let sections = 0
    for (const file of recorded) {
      const eager = (await readJsonFile(file)) as Record<string, unknown>
      for (const chunk of [16, 333, 4 * 1024 * 1024]) {
        const lazy = (await readIndexed(file, chunk)) as Record<string, unknown>
        expect(lazy).toEqual(eager)
        expect(JSON.stringify(lazy)).toBe(JSON.stringify(eager))
        for (const section of Object.keys(eager)) {
          const value = lazy[section]
          if (!INDEXED_SECTIONS.includes(section) || !value || typeof value !== 'object' || Array.isArray(value)) continue
          expect(isIndexed(value)).toBe(true)
          expect([...entriesOf(value)]).toEqual(Object.entries(eager[section] as object))
          sections++
        }
      }
    }
    expect(sections).toBeGreaterThanOrEqual(2 * 3 * 8)
    const lazy = (await readIndexed(join(recordedDir, 'baseline/manifest.json'))) as { nodes: Record<string, { unique_id: string }> }
    const id = Object.keys(lazy.nodes)[0]
    expect(lazy.nodes[id]).toBe(lazy.nodes[id])
    expect(lazy.nodes[id].unique_id).toBe(id)
    expect(id in lazy.nodes && Object.hasOwn(lazy.nodes, id)).toBe(true)
    expect('model.nowhere.nothing' in lazy.nodes).toBe(false)
    expect(lazy.nodes['model.nowhere.nothing']).toBeUndefined()
    expect(isIndexed(lazy)).toBe(false)
    expect(isIndexed(lazy.nodes[id])).toBe(false)
  })

  it('gives what JSON.parse gives for any JSON, keys ordered as JSON.parse orders them', async () => {
    const entry = fc.dictionary(fc.constantFrom('raw_code', 'name', 'description', 'x', '0', '7', '"q"'), fc.jsonValue({ maxDepth: 3 }))
    const key = fc.oneof(fc.string(), fc.constantFrom('0', '1', '10', '007', '-1', '4294967294', '4294967295', '__proto__', 'toString'))
    const doc = fc.record({
      nodes: fc.dictionary(key, fc.oneof(entry, fc.jsonValue({ maxDepth: 2 }))),
      sources: fc.dictionary(key, entry),
      metadata: fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
      other: fc.jsonValue({ maxDepth: 3 })
    })
    await fc.assert(
      fc.asyncProperty(doc, fc.integer({ min: 16, max: 300 }), fc.boolean(), async (value, chunk, indented) => {
        const text = JSON.stringify(value, null, indented ? 2 : undefined)
        const want = expected(text) as Record<string, Record<string, unknown>>
        const got = (await readIndexed(fileWith(text), chunk)) as Record<string, Record<string, unknown>>
        expect(got).toEqual(want)
        for (const section of ['nodes', 'sources']) {
          expect(Object.keys(got[section])).toEqual(Object.keys(want[section]))
          for (const k of Object.keys(want[section])) expect(got[section][k]).toEqual(want[section][k])
        }
      }),
      { numRuns: 200 }
    )
    // A repeated key: the last value, at the first one's place, as JSON.parse does.
    const text = '{"nodes": {"b": {"v": 1}, "2": 2, "a": 3, "1": 4, "b": {"v": 5, "raw_code": "x"}}}'
    const got = (await readIndexed(fileWith(text))) as { nodes: Record<string, unknown> }
    expect(Object.keys(got.nodes)).toEqual(Object.keys((JSON.parse(text) as { nodes: object }).nodes))
    expect(got.nodes.b).toEqual({ v: 5 })
  })

  it('is read-only: writing, deleting or defining an entry throws and changes nothing', async () => {
    const got = (await readIndexed(fileWith('{"nodes": {"a": {"name": "a"}}}'))) as { nodes: Record<string, unknown> }
    expect(() => {
      got.nodes.a = 1
    }).toThrow(TypeError)
    expect(() => {
      got.nodes.b = 1
    }).toThrow(TypeError)
    expect(() => delete got.nodes.a).toThrow(TypeError)
    expect(() => Object.defineProperty(got.nodes, 'c', { value: 1 })).toThrow(TypeError)
    expect(got.nodes).toEqual({ a: { name: 'a' } })
  })

  it('refuses broken JSON at once, in an indexed section too, as the eager reader does', async () => {
    for (const text of [
      '{"metadata": {}, "nodes": {"a": {"name": "a" "x": 1}}}',
      '{"nodes": {"a": {"name": tru}}}',
      '{"macros": {"m": {"x": [1, 2,]}}, "nodes": {}}',
      '{"nodes": {"a": {"raw_code": "select'
    ]) {
      for (const chunk of [16, 4096]) await expect(readIndexed(fileWith(text), chunk)).rejects.toThrow(SyntaxError)
    }
  })

  it('reads a file past the size limit as an index, and a smaller one as plain values', async () => {
    const path = fileWith(readFileSync(join(recordedDir, 'baseline/manifest.json'), 'utf8'))
    const size = statSync(path).size
    const small = (await readBaselineJson(path, size + 1)) as { nodes: object }
    const big = (await readBaselineJson(path, size)) as { nodes: object }
    expect(isIndexed(small.nodes)).toBe(false)
    expect(isIndexed(big.nodes)).toBe(true)
    expect(big).toEqual(small)
    expect(isIndexed((await readArtifact(path, { index: true })) as object)).toBe(false)
    expect(isIndexed(((await readArtifact(path)) as { nodes: object }).nodes)).toBe(false)
  })

  it('fails with ArtifactChangedError when the file changed after it was read', async () => {
    const text = '{"nodes": {"a": {"name": "a"}, "b": {"name": "b"}}}'
    const path = fileWith(text)
    const got = (await readIndexed(path)) as { nodes: Record<string, unknown> }
    expect(got.nodes.a).toEqual({ name: 'a' })
    writeFileSync(path, text.replace('"b"}', '"B"]'))
    expect(() => got.nodes.b).toThrow(ArtifactChangedError)
    writeFileSync(path, '{}')
    expect(() => [...entriesOf(got.nodes)]).toThrow(/changed on disk after it was read: the entry at byte \d+ is no longer where it was/)
    // A section first read after the change: its keys are no longer found where they were.
    writeFileSync(path, text)
    const other = (await readIndexed(path)) as { nodes: Record<string, unknown>; sources?: unknown }
    writeFileSync(path, text.replace('{"a"', '["a"'))
    expect(() => Object.keys(other.nodes)).toThrow(ArtifactChangedError)
    expect(() => Object.keys(other.nodes)).toThrow(/the entry at byte 10 is not the section it was/)
  })
})

// A step that needs a few fields of a big artifact reads only those: the picked sections, each
// entry with only its picked fields (nested ones too), the rest skipped without being decoded.
describe('readPickedJson', () => {
  type Picks = Record<string, true | PickedFields>
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
  const pickObject = (entry: Record<string, unknown>, fields: PickedFields): Record<string, unknown> =>
    Object.fromEntries(
      Object.entries(entry)
        .filter(([f]) => Object.hasOwn(fields, f))
        .map(([f, v]) => {
          const inner = fields[f]
          return [f, inner === true || !isObject(v) ? v : pickObject(v, inner)]
        })
    )
  /** What JSON.parse gives, cut down to the picks. */
  const picked = (text: string, picks: Picks): unknown => {
    const value = JSON.parse(text) as unknown
    if (!isObject(value)) return value
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k]) => Object.hasOwn(picks, k))
        .map(([k, v]) => {
          const pick = picks[k]
          if (pick === true || !isObject(v)) return [k, v]
          return [k, Object.fromEntries(Object.entries(v).map(([id, e]) => [id, isObject(e) ? pickObject(e, pick) : e]))]
        })
    )
  }
  const probe: Picks = {
    metadata: true,
    nodes: { unique_id: true, resource_type: true, schema: true, config: { materialized: true } },
    sources: { unique_id: true, name: true, source_name: true, schema: true }
  }

  it('reads real dbt manifests to what JSON.parse gives, cut down to the fields picked, at any chunk size', async () => {
    for (const file of recorded.filter((f) => f.endsWith('manifest.json'))) {
      const text = readFileSync(file, 'utf8')
      for (const chunk of [16, 333, 4 * 1024 * 1024]) expect(await readPickedJson(file, probe, chunk)).toEqual(picked(text, probe))
      const got = (await readPickedJson(file, probe)) as { nodes: Record<string, Record<string, unknown>>; macros?: unknown }
      const model = Object.values(got.nodes).find((n) => n.resource_type === 'model')
      expect(model).toEqual({
        unique_id: expect.any(String),
        resource_type: 'model',
        schema: expect.any(String),
        config: { materialized: expect.any(String) }
      })
      expect(got).not.toHaveProperty('macros')
    }
  })

  it('gives what JSON.parse gives, cut down, for any JSON and any picks', async () => {
    const field = fc.constantFrom('a', 'b', 'config', 'materialized', '"q"', 'é🙂', '__proto__')
    const fields: fc.Arbitrary<PickedFields> = fc.letrec<{ f: PickedFields }>((tie) => ({
      f: fc.dictionary(field, fc.oneof({ depthSize: 'small' }, fc.constant(true as const), tie('f')), { maxKeys: 4 })
    })).f
    const entry = fc.dictionary(field, fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.dictionary(field, fc.jsonValue({ maxDepth: 2 }))))
    const doc = fc.dictionary(
      fc.constantFrom('nodes', 'sources', 'metadata', 'macros', 'x'),
      fc.oneof(fc.dictionary(fc.string(), fc.oneof(entry, fc.jsonValue({ maxDepth: 1 }))), fc.jsonValue({ maxDepth: 2 }))
    )
    const picks = fc.dictionary(fc.constantFrom('nodes', 'sources', 'metadata', 'y'), fc.oneof(fc.constant(true as const), fields))
    await fc.assert(
      fc.asyncProperty(doc, picks, fc.integer({ min: 16, max: 200 }), fc.boolean(), async (value, p, chunk, indented) => {
        const text = JSON.stringify(value, null, indented ? 2 : undefined)
        expect(await readPickedJson(fileWith(text), p, chunk)).toEqual(picked(text, p))
      }),
      { numRuns: 300 }
    )
  })

  it('skips what is not picked without decoding it, and still refuses a file that does not balance', async () => {
    expect(
      await readPickedJson(fileWith('{"macros": {"m": {"x": tru}}, "nodes": {"a": {"b": 1, "c": 2}}}'), { nodes: { b: true } })
    ).toEqual({
      nodes: { a: { b: 1 } }
    })
    await expect(readPickedJson(fileWith('{"macros": {"m": {"x": [}}, "nodes": {}}'), { nodes: true })).rejects.toThrow(SyntaxError)
    await expect(readPickedJson(fileWith('{"nodes": {"a": {"b": tru}}}'), { nodes: { b: true } })).rejects.toThrow(SyntaxError)
    await expect(readPickedJson(fileWith('{"nodes": {"a": {"b": 1}'), { nodes: { b: true } })).rejects.toThrow(
      /Unexpected end of JSON input/
    )
  })
})
