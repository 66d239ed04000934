import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Manifest } from '../src/dbt/artifact-types.js'
import { isIndexed, readBaselineJson, readJsonFile } from '../src/dbt/json-file.js'
import { ciOwnedSchemas, proveDroppable, proveWritable, UnsafeSchemaError, writeSchemas, type SafetyEvidence } from '../src/safety/check.js'
import { markerSelect, ownerMatches, type SchemaMarker } from '../src/safety/marker.js'
import { claimSql, dropSql, probeSql } from '../src/safety/probe.js'
import { loadProfileTargets, parseProfileTargets, ProfileUnreadableError } from '../src/safety/profiles.js'
import { probeManifestOf, recordedDir } from './fakes/dbt-process.js'
import { exampleDir } from './helpers/paths.js'

const exampleProfiles = readFileSync(join(exampleDir, 'profiles.yml'), 'utf8')

function manifest(
  nodeSchemas: Record<string, string>,
  sourceSchemas: Record<string, string> = {},
  config: Record<string, string> = {}
): Manifest {
  const nodes = Object.fromEntries(
    Object.entries(nodeSchemas).map(([id, schema]) => [
      id,
      {
        unique_id: id,
        resource_type: id.split('.')[0],
        name: id.split('.').pop()!,
        package_name: 'p',
        original_file_path: 'x',
        schema,
        config: { materialized: config[id] ?? 'table' }
      }
    ])
  )
  const sources = Object.fromEntries(
    Object.entries(sourceSchemas).map(([id, schema]) => [
      id,
      {
        unique_id: id,
        resource_type: 'source' as const,
        name: id.split('.').pop()!,
        source_name: id.split('.')[2],
        original_file_path: 'y',
        schema
      }
    ])
  )
  return { metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json' }, nodes, sources }
}

const production = manifest({
  'model.p.customers': 'prod',
  'seed.p.country_codes': 'prod',
  'snapshot.p.customers_snapshot': 'prod_snapshots',
  'seed.p.raw_orders': 'prod_raw',
  'test.p.not_null_x': 'prod_dbt_test__audit'
})
const staging = manifest({ 'model.p.customers': 'staging' })
const ci = manifest(
  { 'model.p.customers': 'dbt_ci_pr_7', 'seed.p.raw_orders': 'dbt_ci_pr_7_raw', 'model.p.eph': 'elsewhere' },
  { 'source.p.jaffle.raw_orders': 'landing' },
  { 'model.p.eph': 'ephemeral' }
)
const owner = { repository: 'octo/shop', project: 'jaffle_shop', pr: 7 }
const marker: SchemaMarker = { repository: 'octo/shop', project: 'jaffle_shop', pr: '7', run_id: '', created_at: '2026-12-01T00:00:00Z' }

function evidence(overrides: Partial<SafetyEvidence> = {}): SafetyEvidence {
  const targets = parseProfileTargets(exampleProfiles, 'jaffle_shop', 'profiles.yml')!
  return {
    target: { name: 'ci', schema: 'dbt_ci_pr_7' },
    ciSchema: { name: 'dbt_ci_pr_7', envVar: 'DBT_CI_SCHEMA' },
    profileTargets: targets.targets.map((t) => ({
      name: t.name,
      schema: t.schema ?? 'dbt_ci_pr_7',
      followsCiSchema: Boolean(t.templated?.includes('DBT_CI_SCHEMA'))
    })),
    profilePath: 'profiles.yml',
    manifest: ci,
    baselines: [
      { env: 'production', manifest: production },
      { env: 'staging', manifest: staging }
    ],
    schemas: [
      { schema: 'dbt_ci_pr_7', exists: true, marker },
      { schema: 'dbt_ci_pr_7_raw', exists: false }
    ],
    ...overrides
  }
}

/** The refusal a write of this CI schema meets, with the CI target rendering it. */
function writeRefusal(schema: string, overrides: Partial<SafetyEvidence> = {}): UnsafeSchemaError | undefined {
  const e = evidence({
    target: { name: 'ci', schema },
    ciSchema: { name: schema, envVar: 'DBT_CI_SCHEMA' },
    manifest: manifest({ 'model.p.customers': schema }),
    ...overrides
  })
  try {
    proveWritable(e)
    return undefined
  } catch (error) {
    if (!(error instanceof UnsafeSchemaError)) throw error
    return error
  }
}

describe('what the run writes to', () => {
  it('is the target schema and every schema a materialised node resolves to, ephemerals left out', () => {
    expect(writeSchemas(evidence())).toEqual(['dbt_ci_pr_7', 'dbt_ci_pr_7_raw'])
    expect(
      ciOwnedSchemas(
        'dbt_ci_pr_7',
        manifest({ 'model.p.a': 'dbt_ci_pr_7', 'seed.p.r': 'dbt_ci_pr_7_raw', 'model.p.b': 'dbt_ci_pr_70', 'model.p.c': 'prod' })
      )
    ).toEqual(['dbt_ci_pr_7', 'dbt_ci_pr_7_raw'])
  })
})

describe('the write check', () => {
  it('lets the CI schema and its derived schemas through', () => {
    expect(proveWritable(evidence())).toEqual(['dbt_ci_pr_7', 'dbt_ci_pr_7_raw'])
  })

  it('refuses any schema of either baseline, whichever is deferred to, whatever the case', () => {
    for (const schema of ['prod', 'PROD', 'prod_snapshots', 'prod_dbt_test__audit', 'staging']) {
      const error = writeRefusal(schema, { profileTargets: [] })
      expect(error?.reason).toBe('baseline-relation')
      expect(error?.message).toContain(`Refusing to use schema '${schema}'`)
      expect(error?.message).toContain("Set the 'ci-schema' input")
    }
    expect(writeRefusal('staging', { profileTargets: [] })?.message).toContain('the staging baseline manifest')
  })

  it('refuses the same, naming the same node, when a big baseline is held as an index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-safety-index-'))
    const indexed = async (m: Manifest, name: string) => {
      writeFileSync(join(dir, name), JSON.stringify(m))
      return (await readBaselineJson(join(dir, name), 0)) as Manifest
    }
    const withSource = manifest({ 'model.p.other': 'prod' }, { 'source.p.jaffle.raw_customers': 'prod_raw' })
    const plain = [
      { env: 'production' as const, manifest: production },
      { env: 'staging' as const, manifest: staging },
      { env: 'production' as const, manifest: withSource }
    ]
    const held = [
      { env: 'production' as const, manifest: await indexed(production, 'p.json') },
      { env: 'staging' as const, manifest: await indexed(staging, 's.json') },
      { env: 'production' as const, manifest: await indexed(withSource, 'w.json') }
    ]
    expect(isIndexed(held[0].manifest.nodes)).toBe(true)
    for (const schema of ['prod', 'PROD', 'prod_snapshots', 'prod_raw', 'staging', 'dbt_ci_pr_7']) {
      // Twice: the second check of an indexed baseline reads what the first one found.
      for (let round = 0; round < 2; round++) {
        const want = writeRefusal(schema, { profileTargets: [], baselines: plain })
        const got = writeRefusal(schema, { profileTargets: [], baselines: held })
        expect(got?.reason).toBe(want?.reason)
        expect(got?.message).toBe(want?.message)
      }
    }
    expect(writeRefusal('prod_raw', { profileTargets: [], baselines: held })?.message).toContain("'seed.p.raw_orders'")
    expect(writeRefusal('dbt_ci_pr_7', { profileTargets: [], baselines: held })).toBeUndefined()
  })

  it('decides the same from the first node and source of each schema, as the probe gives them, as from the whole manifest', async () => {
    const whole = (await readJsonFile(join(recordedDir, 'ci', 'manifest.json'))) as Manifest
    // A schema in two cases, and an ephemeral alone in its schema, on top of a real manifest.
    const nodes = {
      ...whole.nodes,
      'model.p.upper': { ...whole.nodes['model.jaffle_shop.customers'], unique_id: 'model.p.upper', schema: 'DBT_CI_PR_7' },
      'model.p.eph': {
        ...whole.nodes['model.jaffle_shop.customers'],
        unique_id: 'model.p.eph',
        schema: 'only_ephemeral',
        config: { materialized: 'ephemeral' }
      }
    } as Manifest['nodes']
    const full = { ...whole, nodes }
    const probed = probeManifestOf(full)
    expect(Object.keys(probed.nodes).length).toBeLessThan(Object.keys(full.nodes).length / 4)
    const target = { name: 'ci', schema: 'dbt_ci_pr_7' }
    expect(writeSchemas({ target, manifest: probed })).toEqual(writeSchemas({ target, manifest: full }))
    expect(writeSchemas({ target, manifest: probed }).length).toBeGreaterThan(2)
    const schemas = [
      ...writeSchemas({ target, manifest: full }),
      ...Object.values(full.sources ?? {}).map((s) => s.schema ?? ''),
      'DBT_CI_PR_7',
      'only_ephemeral',
      'prod',
      'elsewhere'
    ]
    expect(schemas.some((schema) => writeRefusal(schema, { manifest: full, baselines: [] })?.reason === 'source-schema')).toBe(true)
    for (const schema of schemas) {
      const want = writeRefusal(schema, { manifest: full, baselines: [] })
      const got = writeRefusal(schema, { manifest: probed, baselines: [] })
      expect([got?.reason, got?.message]).toEqual([want?.reason, want?.message])
      expect(ciOwnedSchemas(schema, probed)).toEqual(ciOwnedSchemas(schema, full))
    }
  })

  it('refuses a source schema of this project or of a baseline', () => {
    expect(
      writeRefusal('landing', {
        baselines: [],
        manifest: manifest({ 'model.p.customers': 'landing' }, { 'source.p.jaffle.raw_orders': 'landing' })
      })?.reason
    ).toBe('source-schema')
    const withSource = manifest({}, { 'source.p.jaffle.raw_customers': 'prod_raw' })
    expect(writeRefusal('prod_raw', { baselines: [{ env: 'production', manifest: withSource }] })?.message).toContain(
      "source 'jaffle.raw_customers'"
    )
  })

  it('refuses the schema of every other target as dbt rendered it, even with no baseline', () => {
    const error = writeRefusal('prod', {
      baselines: [],
      profileTargets: [
        { name: 'prod', schema: 'prod' },
        { name: 'ci', schema: 'prod' }
      ]
    })
    expect(error?.reason).toBe('profile-target')
    expect(error?.message).toContain("target 'prod' in profiles.yml (as dbt renders it), and the CI target is 'ci'")
    // The CI target itself does not count against its own schema.
    expect(writeRefusal('shared_ci', { baselines: [], profileTargets: [{ name: 'ci', schema: 'shared_ci' }] })).toBeUndefined()
  })

  it('refuses when the CI target does not write into the CI schema (--target prod, a literal schema)', () => {
    const error = (() => {
      try {
        proveWritable(evidence({ target: { name: 'prod', schema: 'prod' } }))
      } catch (e) {
        return e as UnsafeSchemaError
      }
    })()
    expect(error?.reason).toBe('ci-target-schema')
    expect(error?.message).toContain("dbt renders the schema of target 'prod' as 'prod'")
    expect(error?.message).toContain('DBT_CI_SCHEMA')
  })

  it('refuses system schemas and names that could inject Jinja or SQL', () => {
    for (const schema of ['public', 'PUBLIC', 'information_schema', 'pg_catalog', 'pg_toast', 'main']) {
      expect(writeRefusal(schema, { baselines: [] })?.reason).toBe('system-schema')
    }
    for (const schema of ["x') %}{% do run_query('drop schema prod') %}", 'a b', 'a.b', 'ci"x']) {
      expect(writeRefusal(schema, { baselines: [] })?.reason).toBe('invalid-name')
    }
  })

  it('fails closed when a baseline the inputs point to is not at hand, unless build-all allows a missing one', () => {
    const unreachable = evidence({
      baselines: [{ env: 'production', missing: { why: 'fetching it failed: connection refused', allowed: false } }]
    })
    expect(() => proveWritable(unreachable)).toThrow(
      /the production baseline, which the inputs point to, is not at hand \(fetching it failed: connection refused\)/
    )
    const none = evidence({ baselines: [{ env: 'staging', missing: { why: 'no staging baseline was found', allowed: true } }] })
    expect(proveWritable(none)).toEqual(['dbt_ci_pr_7', 'dbt_ci_pr_7_raw'])
  })
})

describe('the drop check', () => {
  it('drops the existing schemas whose marker names this repository, project and PR', () => {
    expect(proveDroppable(evidence(), owner)).toEqual(['dbt_ci_pr_7'])
  })

  it('never drops a schema without the marker, and says how to drop it by hand', () => {
    const e = evidence({ schemas: [{ schema: 'dbt_ci_pr_7', exists: true }] })
    expect(() => proveDroppable(e, owner)).toThrow(/holds no ownership marker.*drop schema dbt_ci_pr_7 cascade/s)
  })

  it("refuses another PR's, repository's or project's marker", () => {
    const with_ = (m: Partial<SchemaMarker>) =>
      evidence({ schemas: [{ schema: 'dbt_ci_pr_7', exists: true, marker: { ...marker, ...m } }] })
    expect(() => proveDroppable(with_({ pr: '8' }), owner)).toThrow(/pull request #8, not pull request #7/)
    expect(() => proveDroppable(with_({ repository: 'other/repo' }), owner)).toThrow(/repository 'other\/repo'/)
    expect(() => proveDroppable(with_({ project: 'other' }), owner)).toThrow(/dbt project 'other'/)
  })

  it('refuses a schema the warehouse was not asked about, and one of a deployed environment even with a marker', () => {
    expect(() => proveDroppable(evidence({ schemas: [] }), owner)).toThrow(/was not asked whether it exists/)
    const prodMarked = evidence({
      target: { name: 'ci', schema: 'prod' },
      ciSchema: { name: 'prod', envVar: 'DBT_CI_SCHEMA' },
      manifest: manifest({ 'model.p.customers': 'prod' }),
      schemas: [{ schema: 'prod', exists: true, marker }]
    })
    expect(() => proveDroppable(prodMarked, owner)).toThrow(/the production baseline manifest puts model 'model.p.customers' in it/)
  })

  it('matches a run without a PR by its run id', () => {
    const runMarker = { ...marker, pr: '', run_id: '99' }
    expect(ownerMatches(runMarker, { repository: 'octo/shop', project: 'jaffle_shop', runId: '99' })).toBeUndefined()
    expect(ownerMatches(runMarker, { repository: 'octo/shop', project: 'jaffle_shop', runId: '98' })).toContain('run 99, not run 98')
    expect(ownerMatches(runMarker, owner)).toContain('run 99, not pull request #7')
  })
})

describe('the SQL handed to dbt', () => {
  it('quotes every name and value it embeds', () => {
    expect(dropSql(['dbt_ci_pr_7'])).toBe(
      "{% if execute %}{%- do adapter.drop_schema(api.Relation.create(database=target.database, schema='dbt_ci_pr_7')) -%}{% endif %}select 1 as dropped"
    )
    const select = markerSelect({ repository: "o'brien/shop", project: 'p', pr: 3 }, new Date('2026-01-02T03:04:05Z'))
    expect(select).toContain("cast('o''brien/shop' as varchar(512)) as repository")
    expect(select).toContain("cast('3' as varchar(512)) as pr")
    expect(claimSql(['s'], { repository: "o'brien/shop", project: 'p', pr: 3 }, new Date())).toContain("o\\'\\'brien/shop")
    expect(probeSql({ "we'ird": "{{ env_var('X') }}" })).toContain("rendered.update({'we\\'ird': t0 | trim})")
  })
})

describe('profile targets', () => {
  it('reads literal schemas and keeps templated ones raw, from the example profile', () => {
    const targets = parseProfileTargets(exampleProfiles, 'jaffle_shop', 'profiles.yml')!
    const byName = Object.fromEntries(targets.targets.map((t) => [t.name, t]))
    expect(byName.prod.schema).toBe('prod')
    expect(byName.pg_staging.schema).toBe('staging')
    expect(byName.pg_ci.schema).toBeUndefined()
    expect(byName.pg_ci.templated).toContain('DBT_CI_SCHEMA')
    expect(parseProfileTargets(exampleProfiles, 'other', 'profiles.yml')).toBeNull()
  })

  it('finds profiles.yml in the profiles dir, else the project dir, else ~/.dbt, and refuses when there is none', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dbt-defer-profiles-'))
    const [home, explicit] = [join(root, 'home'), join(root, 'explicit')]
    mkdirSync(join(home, '.dbt'), { recursive: true })
    mkdirSync(explicit)
    writeFileSync(join(root, 'dbt_project.yml'), 'name: x\nprofile: shop\n')
    const profile = (schema: string) =>
      `shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, schema: dev}\n    prod: {type: duckdb, dataset: ${schema}}\n`
    const load = (profilesDir?: string) => loadProfileTargets({ projectDir: root, profilesDir, homeDir: home })

    await expect(load()).rejects.toThrow(ProfileUnreadableError)
    await expect(load()).rejects.toThrow(/no profiles.yml in .* has it/)
    writeFileSync(join(home, '.dbt', 'profiles.yml'), profile('from_home'))
    expect((await load()).targets[1]).toEqual({ name: 'prod', schema: 'from_home' })
    writeFileSync(join(root, 'profiles.yml'), profile('from_project'))
    expect((await load()).targets).toEqual([
      { name: 'dev', schema: 'dev' },
      { name: 'prod', schema: 'from_project' }
    ])
    writeFileSync(join(explicit, 'profiles.yml'), profile('from_explicit'))
    expect((await load(explicit)).targets[1].schema).toBe('from_explicit')
    writeFileSync(join(explicit, 'profiles.yml'), 'shop: [unclosed')
    await expect(load(explicit)).rejects.toThrow(/is not valid YAML/)
  })
})
