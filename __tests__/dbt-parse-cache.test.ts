import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCache, parseCacheKeys, type ParseCacheScope } from '../src/dbt/parse-cache.js'
import { MemoryCacheStore } from './fakes/memory-cache-store.js'

const scope: ParseCacheScope = { projectKey: 'jaffle_shop-cdb4ee2a', target: 'ci', pr: 7, runId: '5001-1', perPrSchema: true }

describe('parseCacheKeys', () => {
  it('keys an entry by project, target and pull request, new for every run', () => {
    expect(parseCacheKeys(scope)).toEqual({
      key: 'dbt-defer-parse-v1-jaffle_shop-cdb4ee2a-ci-pr7-5001-1',
      restoreKeys: ['dbt-defer-parse-v1-jaffle_shop-cdb4ee2a-ci-pr7-']
    })
  })

  it("restores other pull requests' files only without a per-PR schema (dbt rejects them otherwise)", () => {
    expect(parseCacheKeys({ ...scope, perPrSchema: false }).restoreKeys).toEqual([
      'dbt-defer-parse-v1-jaffle_shop-cdb4ee2a-ci-pr7-',
      'dbt-defer-parse-v1-jaffle_shop-cdb4ee2a-ci-'
    ])
  })

  it('keys a run without a pull request by its branch, made safe for a key', () => {
    const keys = parseCacheKeys({ ...scope, pr: undefined, target: undefined, branch: 'Feature/New Thing' })
    expect(keys.key).toBe('dbt-defer-parse-v1-jaffle_shop-cdb4ee2a-default-ref-feature_new_thing-5001-1')
  })
})

describe('parseCache', () => {
  function setUp(holdsSecret: (bytes: Buffer) => boolean = () => false) {
    const root = mkdtempSync(join(tmpdir(), 'parse-cache-'))
    const store = new MemoryCacheStore()
    const lines: string[] = []
    const log = { info: (m: string) => lines.push(m), warning: (m: string) => lines.push(`warning: ${m}`), debug: () => {} }
    const target = join(root, 'target')
    mkdirSync(target)
    const make = (runId: string) => parseCache({ store, log, dir: join(root, 'cache'), scope: { ...scope, runId }, holdsSecret })
    return { root, store, lines, target, make }
  }

  it('saves the step file and restores it in the next run, into its own directory', async () => {
    const { store, target, make, root } = setUp()
    writeFileSync(join(target, 'partial_parse.msgpack'), 'parsed')
    expect(await make('1-1').restore()).toBeUndefined()
    await make('1-1').save(target)
    expect(store.entries.map((e) => e.key)).toEqual(['dbt-defer-parse-v1-jaffle_shop-cdb4ee2a-ci-pr7-1-1'])
    const dir = await make('2-1').restore()
    expect(dir).toBe(join(root, 'cache'))
    expect(readFileSync(join(dir!, 'partial_parse.msgpack'), 'utf8')).toBe('parsed')
  })

  it('never saves a file holding a secret of the run, and says why', async () => {
    const { store, target, make, lines } = setUp((bytes) => bytes.includes('s3cr3t-value'))
    writeFileSync(join(target, 'partial_parse.msgpack'), 'env var: s3cr3t-value')
    await make('1-1').save(target)
    expect(store.entries).toEqual([])
    expect(lines.some((l) => l.startsWith('warning: ') && l.includes('not saved'))).toBe(true)
    expect(lines.join('\n')).not.toContain('s3cr3t-value')
  })

  it('saves nothing when dbt wrote no file, and skips everything when the service is not there', async () => {
    const { store, target, make, lines } = setUp()
    await make('1-1').save(target)
    expect(store.entries).toEqual([])
    store.available = () => false
    writeFileSync(join(target, 'partial_parse.msgpack'), 'parsed')
    expect(await make('2-1').restore()).toBeUndefined()
    await make('2-1').save(target)
    expect(store.entries).toEqual([])
    expect(lines.filter((l) => l.startsWith('warning: '))).toEqual([])
    expect(existsSync(join(target, 'partial_parse.msgpack'))).toBe(true)
  })
})
