import { describe, expect, it } from '@jest/globals'
import type { Manifest, ManifestNode } from '../src/dbt/artifact-types.js'
import { baselineCommit } from '../src/selection/lag.js'
import { explainSelection, idOfLine, lsArgs, PARTS, type Part, type PartSets } from '../src/selection/why.js'

function node(id: string, extra: Partial<ManifestNode> = {}): ManifestNode {
  const [type, , name] = id.split('.')
  return { unique_id: id, resource_type: type, name, package_name: 'shop', original_file_path: `models/${name}.sql`, ...extra }
}

function manifest(nodes: ManifestNode[], macros: Record<string, unknown> = {}): Manifest {
  return { metadata: { dbt_schema_version: 'v12' }, nodes: Object.fromEntries(nodes.map((n) => [n.unique_id, n])), sources: {}, macros }
}

function sets(over: Partial<Record<Part, string[]>>): PartSets {
  return Object.fromEntries(PARTS.map((p) => [p, new Set(over[p] ?? [])])) as unknown as PartSets
}

describe('why each node was selected, from dbt’s answers', () => {
  it('reads dbt ls’s JSON lines and nothing else, and asks for one part without tests by indirect selection', () => {
    expect(idOfLine('{"unique_id": "model.shop.a"}')).toBe('model.shop.a')
    expect(idOfLine('12:00:01  Running with dbt=1.11.16')).toBeUndefined()
    expect(idOfLine('{"unique_id": ')).toBeUndefined()
    expect(lsArgs('macros', '/state')).toEqual([
      'ls',
      '--quiet',
      '--select',
      'state:modified.macros',
      '--state',
      '/state',
      '--indirect-selection',
      'empty',
      '--output',
      'json',
      '--output-keys',
      'unique_id'
    ])
    expect(lsArgs('new', '/s')[3]).toBe('state:new')
  })

  it('counts a new node as new only, follows tests and downstream nodes to what fired, and flags the noise', () => {
    const macro = {
      'macro.shop.m': { macro_sql: 'new', depends_on: { macros: [] } },
      'macro.shop.outer': { macro_sql: 'same', depends_on: { macros: ['macro.shop.m'] } }
    }
    const current = manifest(
      [
        node('model.shop.fresh'),
        node('model.shop.a'),
        node('model.shop.b', { depends_on: { nodes: ['model.shop.a'] } }),
        node('test.shop.t', { depends_on: { nodes: ['model.shop.a'] } }),
        node('model.shop.m_user', { depends_on: { macros: ['macro.shop.outer'] } }),
        node('seed.shop.big', { checksum: { name: 'path', checksum: 'seeds/big.csv' } }),
        node('model.shop.env', {
          config: { materialized: 'view' },
          unrendered_config: { materialized: "{{ 'table' if target.name == 'prod' else 'view' }}" }
        }),
        node('model.shop.named')
      ],
      macro
    )
    const baseline = manifest(
      [
        node('model.shop.a'),
        node('model.shop.env', {
          config: { materialized: 'table' },
          unrendered_config: { materialized: "{{ 'table' if target.name == 'prod' else 'view' }}" }
        }),
        node('model.shop.m_user'),
        node('seed.shop.big')
      ],
      { 'macro.shop.m': { macro_sql: 'old' }, 'macro.shop.outer': { macro_sql: 'same' } }
    )
    const answer = sets({
      new: ['model.shop.fresh'],
      body: ['model.shop.fresh', 'model.shop.a'],
      configs: ['model.shop.fresh', 'model.shop.env'],
      macros: ['model.shop.m_user'],
      contract: ['model.shop.fresh'],
      relation: ['seed.shop.big']
    })
    const selected = [
      'model.shop.fresh',
      'model.shop.a',
      'model.shop.b',
      'test.shop.t',
      'model.shop.m_user',
      'seed.shop.big',
      'model.shop.env',
      'model.shop.named'
    ]
    const whys = Object.fromEntries(explainSelection(selected, answer, current, baseline).map((w) => [w.uniqueId, w]))
    expect(whys['model.shop.fresh']).toEqual({ uniqueId: 'model.shop.fresh', parts: ['new'], flags: [] })
    expect(whys['model.shop.b'].via).toEqual({ kind: 'downstream', of: 'model.shop.a' })
    expect(whys['test.shop.t'].via).toEqual({ kind: 'tests', nodes: ['model.shop.a'] })
    expect(whys['model.shop.m_user'].flags).toEqual([{ kind: 'macro-only', macros: ['macro.shop.m'] }])
    expect(whys['seed.shop.big'].flags).toEqual([{ kind: 'seed-by-path' }])
    expect(whys['model.shop.env'].flags).toEqual([{ kind: 'env-aware-config', keys: ['materialized'] }])
    expect(whys['model.shop.named'].via).toEqual({ kind: 'selection' })
  })
})

describe('the baseline’s commit', () => {
  it('is the deploy run’s, else the one the deploy recorded in the manifest’s metadata', () => {
    const m = (env: unknown): Manifest => ({ metadata: { dbt_schema_version: 'v12', env }, nodes: {}, sources: {} }) as Manifest
    expect(baselineCommit('abc1234', m({ GIT_SHA: 'def5678' }))).toBe('abc1234')
    expect(baselineCommit(undefined, m({ GIT_SHA: 'def5678' }))).toBe('def5678')
    expect(baselineCommit(undefined, m({ GITHUB_SHA: 'a'.repeat(40) }))).toBe('a'.repeat(40))
    expect(baselineCommit(undefined, m({ GIT_SHA: 'not a sha' }))).toBeUndefined()
    expect(baselineCommit(undefined, m(undefined))).toBeUndefined()
  })
})
