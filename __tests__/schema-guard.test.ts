import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Manifest } from '../src/dbt/artifact-types.js'
import { ciSchemasToDrop, dropSchemaInlineSql } from '../src/schema/drop-schema.js'
import { assertSafeToDrop, UnsafeDropError, type DropGuardInput } from '../src/schema/guard.js'
import { loadProfileTargets, parseProfileTargets, type ProfileTargets } from '../src/schema/profiles.js'
import { exampleDir } from './helpers/paths.js'

const exampleProfiles = readFileSync(join(exampleDir, 'profiles.yml'), 'utf8')

function manifest(nodeSchemas: Record<string, string>, sourceSchemas: Record<string, string> = {}): Manifest {
  const nodes = Object.fromEntries(
    Object.entries(nodeSchemas).map(([id, schema]) => [
      id,
      { unique_id: id, resource_type: id.split('.')[0], name: id.split('.').pop()!, package_name: 'p', original_file_path: 'x', schema }
    ])
  )
  const sources = Object.fromEntries(
    Object.entries(sourceSchemas).map(([id, schema]) => [
      id,
      { unique_id: id, resource_type: 'source' as const, name: id.split('.').pop()!, source_name: id.split('.')[2], original_file_path: 'y', schema }
    ])
  )
  return { metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json' }, nodes, sources }
}

const baseline = manifest({
  'model.p.customers': 'prod',
  'seed.p.country_codes': 'prod',
  'snapshot.p.customers_snapshot': 'prod_snapshots',
  'seed.p.raw_orders': 'prod_raw',
  'test.p.not_null_x': 'prod_dbt_test__audit'
})
const current = manifest({ 'model.p.customers': 'dbt_ci_pr_7' }, { 'source.p.jaffle.raw_orders': 'landing' })

function guard(schema: string, extra: Partial<DropGuardInput> = {}): { error?: UnsafeDropError; debug: string[] } {
  const debug: string[] = []
  const profiles = parseProfileTargets(exampleProfiles, 'jaffle_shop', 'profiles.yml')
  try {
    assertSafeToDrop({ schema, baseline, manifest: current, profiles, ciTarget: 'ci', debug: (m) => debug.push(m), ...extra })
    return { debug }
  } catch (err) {
    if (!(err instanceof UnsafeDropError)) throw err
    return { error: err, debug }
  }
}

describe('the drop guard', () => {
  it('lets the CI schema through', () => {
    expect(guard('dbt_ci_pr_7').error).toBeUndefined()
  })

  it('refuses any schema the baseline environment builds into, whatever the case', () => {
    for (const schema of ['prod', 'PROD', 'prod_snapshots', 'prod_dbt_test__audit']) {
      const { error } = guard(schema, { profiles: null })
      expect(error?.reason).toBe('baseline-relation')
      expect(error?.message).toContain(`Refusing to drop schema '${schema}'`)
      expect(error?.message).toContain("Set the 'ci-schema' input")
    }
    expect(guard('prod', { profiles: null }).error?.message).toMatch(/model 'model\.p\.customers' and 1 more/)
  })

  it('refuses the schema of a source of either manifest', () => {
    const { error } = guard('Landing', { baseline: null })
    expect(error?.reason).toBe('source-schema')
    expect(error?.message).toContain("source 'jaffle.raw_orders'")
    const fromBaseline = manifest({}, { 'source.p.jaffle.raw_customers': 'prod_raw' })
    expect(guard('prod_raw', { baseline: fromBaseline, manifest: null }).error?.reason).toBe('source-schema')
  })

  it('refuses the literal schema of every other target of the profile, even with no baseline', () => {
    const prod = guard('prod', { baseline: null })
    expect(prod.error?.reason).toBe('profile-target')
    expect(prod.error?.message).toContain("target 'prod' in profiles.yml, which is not the CI target ('ci')")
    expect(guard('staging', { baseline: null }).error?.reason).toBe('profile-target')
  })

  it('does not hold the CI target against itself, and says which templated schemas it could not check', () => {
    const profiles: ProfileTargets = {
      path: 'p.yml',
      profile: 'x',
      targets: [
        { name: 'ci', schema: 'shared_ci' },
        { name: 'dev', templated: "{{ env_var('DEV_SCHEMA') }}" }
      ]
    }
    const allowed = guard('shared_ci', { baseline: null, profiles })
    expect(allowed.error).toBeUndefined()
    expect(allowed.debug.join('\n')).toContain("Target 'dev' in p.yml has a templated schema")
    // With the CI target unknown, every literal target schema is protected.
    const unknown = guard('shared_ci', { baseline: null, profiles, ciTarget: undefined })
    expect(unknown.error?.reason).toBe('profile-target')
    expect(unknown.error?.message).toContain("set the action's 'target' input")
    // The profile's literal default target counts as the CI target.
    expect(guard('shared_ci', { baseline: null, profiles: { ...profiles, defaultTarget: 'ci' }, ciTarget: undefined }).error).toBeUndefined()
  })

  it('refuses system schemas, empty names and names that could inject Jinja or SQL', () => {
    for (const schema of ['public', 'PUBLIC', 'information_schema', 'pg_catalog', 'pg_toast', 'main']) {
      expect(guard(schema).error?.reason).toBe('system-schema')
    }
    for (const schema of ['', "x') %}{% do run_query('drop schema prod') %}", 'a b', 'a.b', 'ci"x']) {
      expect(guard(schema).error?.reason).toBe('invalid-name')
    }
  })

  it('says in debug lines which rules it could not apply', () => {
    const { error, debug } = guard('dbt_ci_pr_7', { baseline: null, profiles: null })
    expect(error).toBeUndefined()
    expect(debug.join('\n')).toMatch(/No baseline manifest/)
    expect(debug.join('\n')).toMatch(/No profile read/)
  })
})

describe('profile targets', () => {
  it('reads literal schemas and marks templated ones, from the example profile', () => {
    const targets = parseProfileTargets(exampleProfiles, 'jaffle_shop', 'profiles.yml')!
    const byName = Object.fromEntries(targets.targets.map((t) => [t.name, t]))
    expect(byName.prod.schema).toBe('prod')
    expect(byName.pg_staging.schema).toBe('staging')
    expect(byName.pg_ci.schema).toBeUndefined()
    expect(byName.pg_ci.templated).toContain('DBT_CI_SCHEMA')
    expect(targets.defaultTarget).toBeUndefined()
    expect(parseProfileTargets(exampleProfiles, 'other', 'profiles.yml')).toBeNull()
  })

  it('finds profiles.yml in the profiles dir, else the project dir, else ~/.dbt', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dbt-defer-profiles-'))
    const [home, explicit] = [join(root, 'home'), join(root, 'explicit')]
    mkdirSync(join(home, '.dbt'), { recursive: true })
    mkdirSync(explicit)
    writeFileSync(join(root, 'dbt_project.yml'), 'name: x\nprofile: shop\n')
    const profile = (schema: string) => `shop:\n  target: dev\n  outputs:\n    dev: {type: duckdb, schema: dev}\n    prod: {type: duckdb, dataset: ${schema}}\n`
    const load = (profilesDir?: string, debug: (m: string) => void = () => {}) =>
      loadProfileTargets({ projectDir: root, profilesDir, homeDir: home, debug })

    const debug: string[] = []
    expect(await load(undefined, (m) => debug.push(m))).toBeNull()
    expect(debug.join('\n')).toContain("No profiles.yml with profile 'shop'")

    writeFileSync(join(home, '.dbt', 'profiles.yml'), profile('from_home'))
    expect((await load())?.targets[1]).toEqual({ name: 'prod', schema: 'from_home' })

    writeFileSync(join(root, 'profiles.yml'), profile('from_project'))
    const found = await load()
    expect(found?.defaultTarget).toBe('dev')
    expect(found?.targets).toEqual([{ name: 'dev', schema: 'dev' }, { name: 'prod', schema: 'from_project' }])

    writeFileSync(join(explicit, 'profiles.yml'), profile('from_explicit'))
    expect((await load(explicit))?.targets[1].schema).toBe('from_explicit')
  })
})

describe('what is dropped', () => {
  it('adds the custom schemas dbt derived from the CI schema in this run, and nothing else', () => {
    const ci = manifest({ 'model.p.a': 'dbt_ci_pr_7', 'seed.p.r': 'dbt_ci_pr_7_raw', 'model.p.b': 'dbt_ci_pr_70', 'model.p.c': 'prod' })
    expect(ciSchemasToDrop('dbt_ci_pr_7', ci)).toEqual(['dbt_ci_pr_7', 'dbt_ci_pr_7_raw'])
    expect(ciSchemasToDrop('dbt_ci_pr_7', null)).toEqual(['dbt_ci_pr_7'])
  })

  it('never renders a name outside [A-Za-z0-9_] into Jinja', () => {
    expect(dropSchemaInlineSql(['dbt_ci_pr_7'])).toBe(
      "{% if execute %}{% do adapter.drop_schema(api.Relation.create(database=target.database, schema='dbt_ci_pr_7')) %}{% endif %}select 1 as dropped"
    )
    expect(() => dropSchemaInlineSql(["x'"])).toThrow(/Unsafe schema name/)
  })
})
