import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { checkManifest } from '../src/baseline/manifest-check.js'
import { ArtifactCheckError, checkRunManifest, checkRunResults } from '../src/dbt/artifact-check.js'
import { readRunArtifacts } from '../src/dbt/artifacts.js'
import { repoRoot } from './helpers/paths.js'

const recorded = join(repoRoot, '__tests__', 'fixtures', 'recorded')
const manifestText = readFileSync(join(recorded, 'ci', 'manifest.json'), 'utf8')
const runResultsText = readFileSync(join(recorded, 'ci', 'run_results.json'), 'utf8')
const baselineText = readFileSync(join(recorded, 'baseline', 'manifest.json'), 'utf8')
const CUSTOMERS = 'model.jaffle_shop.customers'

function edited<T>(text: string, edit: (value: T) => void): T {
  const value = JSON.parse(text) as T
  edit(value)
  return value
}

type Doc = Record<string, Record<string, Record<string, unknown>>>
type Results = { results: Array<Record<string, unknown>> }

describe('the check of the artifacts dbt wrote', () => {
  it('accepts the artifacts of real dbt as they are', () => {
    expect(() => checkRunManifest(JSON.parse(manifestText))).not.toThrow()
    expect(() => checkRunResults(JSON.parse(runResultsText))).not.toThrow()
  })

  it('names the file and the field of a value of the wrong type, and the types accepted', () => {
    const manifest = edited<Doc>(manifestText, (m) => (m.nodes[CUSTOMERS].relation_name = 5))
    expect(() => checkRunManifest(manifest)).toThrow(
      new ArtifactCheckError(
        'manifest.json',
        `nodes["${CUSTOMERS}"].relation_name`,
        'is a number; when present it must be a string or null'
      )
    )
    const parents = edited<Doc>(manifestText, (m) => ((m.nodes[CUSTOMERS].depends_on as { nodes: unknown[] }).nodes[1] = null))
    expect(() => checkRunManifest(parents)).toThrow(`\`nodes["${CUSTOMERS}"].depends_on.nodes[1]\` is null; it must be a string`)
    const results = edited<Results>(runResultsText, (r) => delete r.results[2].status)
    expect(() => checkRunResults(results)).toThrow('run_results.json is not usable: `results[2].status` is missing; it must be a string')
  })

  it('reads an inherited key such as constructor as missing, not as Object', () => {
    const results = edited<Results>(runResultsText, (r) => (r.results = [{ status: 'success', constructor: 'x' }]))
    expect(() => checkRunResults(results)).toThrow('`results[0].unique_id` is missing')
  })

  it('reports an artifact that fails the check as a problem of the run, and keeps the other', async () => {
    const broken = JSON.stringify(edited<Results>(runResultsText, (r) => (r.results[0].message = ['no'])))
    const artifacts = await readRunArtifacts(
      '/t',
      async (path) => JSON.parse(path.endsWith('manifest.json') ? manifestText : broken) as unknown
    )
    expect(artifacts.runResults).toBeUndefined()
    expect(artifacts.manifest?.nodes[CUSTOMERS].name).toBe('customers')
    expect(artifacts.problems).toEqual([
      'run_results.json is not usable: `results[0].message` is an array; when present it must be a string or null. It may be truncated, edited or written by an unsupported dbt version.'
    ])
  })

  it('refuses a baseline whose relation names the analysis could not read', () => {
    const baseline = edited<Doc>(baselineText, (m) => (m.sources['source.jaffle_shop.jaffle.raw_orders'].relation_name = { a: 1 }))
    expect(() => checkManifest(baseline, { projectName: 'jaffle_shop' }, 'prod-state/manifest.json')).toThrow(
      /from prod-state\/manifest.json is not a usable dbt manifest: `sources\["source.jaffle_shop.jaffle.raw_orders"\].relation_name` is an object/
    )
  })
})
