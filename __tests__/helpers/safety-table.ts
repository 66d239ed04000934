import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { MARKER_TABLE } from '../../src/safety/marker.js'
import type { ExampleProject } from './example-project.js'
import { localProjectInputs, runAction, type ActionRun } from './run-action.js'
import type { TestWarehouse } from './warehouses.js'

// The safety promise, tried one wrong input at a time through dist/index.js with real dbt: after
// every case, the warehouse's own catalog still holds every production, staging and source
// relation with the same row count, and the step failed with a message naming the input.

/** One case of the table. */
export interface SafetyCase {
  name: string
  inputs?: Record<string, string>
  env?: Record<string, string>
  /** The branch of the run (for `{branch}` templates). */
  branch?: string
  /** The prod and staging targets' schemas written as templates in profiles.yml. */
  templatedProfile?: boolean
  /** A model that does not compile, so dbt cannot parse the project. */
  brokenProject?: boolean
  /** The customers model's schema comes from the var `landing` (the CI schema when unset). */
  varSchema?: boolean
  /** Staging configured (staging-state-path) besides production. */
  staging?: boolean
  /** The production baseline: at hand, missing (nothing at the path), or unreachable (a URL nothing answers). */
  baseline?: 'present' | 'missing' | 'unreachable'
  /** Text the failure message must contain (the input it names, at least). */
  expect: string[]
}

const PROTECTED = ['prod', 'prod_raw', 'staging']

function templateProfile(project: ExampleProject): void {
  project.edit('profiles.yml', (yaml) =>
    yaml
      .replace(/schema: prod\n/g, `schema: "{{ env_var('PROD_SCHEMA', 'prod') }}"\n`)
      .replace(/schema: staging\n/g, `schema: "{{ env_var('STAGING_SCHEMA', 'staging') }}"\n`)
  )
}

function breakProject(project: ExampleProject): void {
  writeFileSync(project.path('models/marts/broken.sql'), "select * from {{ ref('no_such_model') }}\n")
}

/** customers (changed, so built) writes to the schema the var `landing` names, as a project's generate_schema_name may allow. */
function schemaFromVar(project: ExampleProject): void {
  mkdirSync(project.path('macros'), { recursive: true })
  writeFileSync(
    project.path('macros/landing.sql'),
    "{% macro generate_schema_name(custom_schema_name, node) -%}{%- if custom_schema_name == 'landing_zone' -%}{{ var('landing', target.schema) }}" +
      '{%- else -%}{{ default__generate_schema_name(custom_schema_name, node) }}{%- endif -%}{%- endmacro %}\n'
  )
  project.edit('models/marts/customers.sql', (sql) => `{{ config(schema='landing_zone') }}\n${sql}`)
}

function pullRequestEvent(branch: string): Record<string, unknown> {
  return {
    action: 'synchronize',
    number: 5,
    pull_request: {
      number: 5,
      state: 'open',
      head: { ref: branch, sha: 'a'.repeat(40), repo: { full_name: 'octo/shop' } },
      base: { ref: 'main', repo: { full_name: 'octo/shop' } }
    },
    repository: { full_name: 'octo/shop' }
  }
}

/** Row counts of every relation in the protected schemas, from the warehouse's own catalog. */
async function snapshot(warehouse: TestWarehouse, project: ExampleProject): Promise<Record<string, number>> {
  return warehouse.rowCounts(project, PROTECTED)
}

/** The table, on one warehouse. */
export function describeSafetyTable(warehouse: TestWarehouse, cases: SafetyCase[]): void {
  describe(`the safety check on ${warehouse.name}`, () => {
    let deployed: ExampleProject
    let prodState: string
    let stagingState: string
    let before: Record<string, number>

    beforeAll(async () => {
      await warehouse.setUp()
      deployed = warehouse.project()
      // Production first: it loads the raw data (prod_raw) that staging's sources read too.
      prodState = await deployed.deploy('prod')
      stagingState = await deployed.deploy('staging')
      before = await snapshot(warehouse, deployed)
    }, 300_000)

    afterAll(() => warehouse.tearDown())

    function act(c: SafetyCase, project: ExampleProject): Promise<ActionRun> {
      const baseline = c.baseline ?? 'present'
      const inputs: Record<string, string> = {
        ...localProjectInputs(project, prodState),
        'ci-schema': 'dbt_ci_pr_{pr}',
        'github-token': ''
      }
      if (baseline === 'missing') inputs['state-path'] = `${dirname(prodState)}/nowhere/manifest.json`
      if (baseline === 'unreachable')
        Object.assign(inputs, { 'state-path': '', 'baseline-source': 'url', 'production-url': 'http://127.0.0.1:9/manifest.json' })
      if (c.staging) inputs['staging-state-path'] = stagingState
      return runAction({
        inputs: { ...inputs, ...c.inputs },
        workspace: project.dir,
        eventName: 'pull_request',
        event: pullRequestEvent(c.branch ?? 'feature/x'),
        env: {
          ...warehouse.actionEnv(project),
          GITHUB_REPOSITORY: 'octo/shop',
          GITHUB_HEAD_REF: c.branch ?? 'feature/x',
          GITHUB_API_URL: 'http://127.0.0.1:9',
          ...c.env
        }
      })
    }

    it('has production, staging and the source schema deployed before any case runs', () => {
      for (const schema of PROTECTED) expect(Object.keys(before).some((k) => k.startsWith(`${schema}.`))).toBe(true)
      expect(before['prod_raw.raw_customers']).toBeGreaterThan(0)
    })

    it.each(cases.map((c) => [c.name, c] as const))(
      'refuses: %s',
      async (_name, c) => {
        const project = deployed.clone()
        if (c.templatedProfile) templateProfile(project)
        if (c.brokenProject) breakProject(project)
        if (c.varSchema) schemaFromVar(project)
        const run = await act(c, project)
        expect(run.code).toBe(1)
        const errors = run.log.split('\n').filter((line) => line.startsWith('::error::'))
        expect(errors).toHaveLength(1)
        for (const text of c.expect) expect(errors[0]).toContain(text)
        expect(run.log).not.toMatch(/^\s+at .*\.(js|ts):\d+/m)
        expect(await snapshot(warehouse, project)).toEqual(before)
      },
      120_000
    )

    it('builds a model whose schema comes from a var into the CI schema when extra-args leave the var unset', async () => {
      const project = deployed.clone()
      schemaFromVar(project)
      const built = await act({ name: 'var unset', expect: [], inputs: { 'extra-args': "--vars '{other: 1}'" } }, project)
      expect(built.code).toBe(0)
      expect(await warehouse.catalog(project).relations('dbt_ci_pr_5')).toContain('customers')
      expect(await snapshot(warehouse, project)).toEqual(before)
    }, 300_000)

    it('lets a correct configuration through, marks the CI schema, and cleanup drops it; production unchanged', async () => {
      const project = deployed.clone()
      const c: SafetyCase = { name: 'ok', staging: true, templatedProfile: true, inputs: { 'clean-slate': 'true' }, expect: [] }
      templateProfile(project)
      const built = await act(c, project)
      expect(built.code).toBe(0)
      expect(built.log).toContain("Safety check passed: dbt writes only to 'dbt_ci_pr_5'")
      expect(await snapshot(warehouse, project)).toEqual(before)
      const kept = await act({ ...c, inputs: {} }, project)
      expect(kept.code).toBe(0)
      expect(await warehouse.catalog(project).relations('dbt_ci_pr_5')).toContain(MARKER_TABLE)
      const cleaned = await act({ ...c, inputs: { mode: 'cleanup' } }, project)
      expect(cleaned.code).toBe(0)
      expect(cleaned.log).toContain("Dropped 'dbt_ci_pr_5'")
      expect(await warehouse.catalog(project).schemas()).not.toContain('dbt_ci_pr_5')
      expect(await snapshot(warehouse, project)).toEqual(before)
    }, 300_000)
  })
}

/** The cases every warehouse runs. */
export function safetyCases(targets: { prod: string }): SafetyCase[] {
  const cases: SafetyCase[] = []
  const schemas: Array<[string, Partial<SafetyCase>]> = [
    ['prod', {}],
    ['PROD', {}],
    ['prod_raw', {}],
    ['staging', { staging: true }],
    ['{branch}', { branch: 'prod' }]
  ]
  const modes: Array<[string, Record<string, string>]> = [
    ['build', {}],
    ['build with clean-slate', { 'clean-slate': 'true' }],
    ['cleanup', { mode: 'cleanup' }]
  ]
  for (const [schema, extra] of schemas) {
    for (const [mode, modeInputs] of modes) {
      for (const templatedProfile of [false, true]) {
        cases.push({
          name: `${mode}, ci-schema ${schema}${extra.branch ? ` on branch ${extra.branch}` : ''}, ${templatedProfile ? 'templated' : 'literal'} profile${extra.staging ? ', staging configured' : ''}`,
          ...extra,
          templatedProfile,
          inputs: { 'ci-schema': schema, ...modeInputs },
          expect: ["Refusing to use schema '", "'ci-schema'"]
        })
      }
    }
  }
  cases.push(
    {
      name: 'build, ci-schema prod, baseline missing, if-no-baseline build-all',
      baseline: 'missing',
      inputs: { 'ci-schema': 'prod', 'if-no-baseline': 'build-all' },
      expect: ["Refusing to use schema 'prod'", "target 'prod'"]
    },
    {
      name: 'build, ci-schema prod, templated profile, staging configured, baseline missing',
      baseline: 'missing',
      staging: true,
      templatedProfile: true,
      inputs: { 'ci-schema': 'prod', 'if-no-baseline': 'build-all', 'defer-env': 'staging' },
      expect: ["Refusing to use schema 'prod'"]
    },
    {
      name: 'cleanup of a correct CI schema, production baseline unreachable',
      baseline: 'unreachable',
      inputs: { mode: 'cleanup' },
      expect: ['production baseline', 'not at hand', 'production-url']
    },
    {
      name: 'cleanup of a correct CI schema, production baseline missing',
      baseline: 'missing',
      inputs: { mode: 'cleanup' },
      expect: ['production baseline', 'not at hand', 'if-no-baseline']
    },
    {
      name: 'cleanup, ci-schema prod_raw, dbt parse failing',
      brokenProject: true,
      inputs: { mode: 'cleanup', 'ci-schema': 'prod_raw' },
      expect: ['safety check could not ask dbt', 'nothing was written or dropped']
    },
    {
      name: 'cleanup of a correct CI schema, dbt parse failing, no baseline at hand',
      brokenProject: true,
      baseline: 'unreachable',
      inputs: { mode: 'cleanup' },
      // The probe (which needs dbt to parse) refuses before the missing baseline is even weighed.
      expect: ['safety check could not ask dbt', 'nothing was written or dropped']
    },
    {
      name: 'build with clean-slate, dbt parse failing',
      brokenProject: true,
      inputs: { 'clean-slate': 'true' },
      expect: ['safety check could not ask dbt']
    },
    {
      name: 'build, the prod target as the CI target (input target)',
      inputs: { target: targets.prod },
      expect: ['does not take its schema from DBT_CI_SCHEMA', "'target'"]
    }
  )
  const owned: Array<[string, string]> = [
    [`--target ${targets.prod}`, "the input 'target'"],
    [`--target=${targets.prod}`, "the input 'target'"],
    [`-t${targets.prod}`, "the input 'target'"],
    ['--target-path out', 'directory of its own'],
    ['--profiles-dir /tmp', "the input 'profiles-dir'"],
    ['--project-dir /tmp', "the input 'project-dir'"],
    ['--state /tmp', 'the baseline inputs'],
    ['--defer-state /tmp', 'the baseline inputs'],
    ['--defer', "the input 'defer'"],
    ['--no-defer', "the input 'defer'"],
    ['--favor-state', "the input 'favor-state'"],
    ['--no-favor-state', "the input 'favor-state'"],
    ['--profile other', "the project's own 'profile:'"],
    ['--profile=other', "the project's own 'profile:'"]
  ]
  for (const [args, instead] of owned)
    cases.push({ name: `extra-args: ${args}`, inputs: { 'extra-args': args }, expect: ["Input 'extra-args'", instead] })
  cases.push(
    { name: 'DBT_TARGET in the environment', env: { DBT_TARGET: targets.prod }, expect: ['DBT_TARGET', "the input 'target'"] },
    { name: 'DBT_ENGINE_TARGET in the environment', env: { DBT_ENGINE_TARGET: targets.prod }, expect: ['DBT_ENGINE_TARGET'] },
    {
      name: "a model's schema from --vars in extra-args naming production: the probe parses with the build's vars",
      varSchema: true,
      inputs: { 'extra-args': "--vars '{landing: prod}'" },
      expect: ["Refusing to use schema 'prod'"]
    },
    { name: 'DBT_PROFILE in the environment', env: { DBT_PROFILE: 'other' }, expect: ['DBT_PROFILE', "the project's own 'profile:'"] },
    { name: 'DBT_STATE in the environment', env: { DBT_STATE: '/tmp' }, expect: ['DBT_STATE', 'baseline inputs'] },
    { name: 'DBT_TARGET_PATH in the environment', env: { DBT_TARGET_PATH: 'out' }, expect: ['DBT_TARGET_PATH', 'directory of its own'] },
    {
      name: 'DBT_FAVOR_STATE in the environment',
      env: { DBT_FAVOR_STATE: 'true' },
      expect: ['DBT_FAVOR_STATE', "the input 'favor-state'"]
    },
    { name: 'select starting with -', inputs: { select: '--target prod' }, expect: ["input 'select'", "'--target'"] },
    { name: 'exclude starting with -', inputs: { exclude: '-t prod' }, expect: ["input 'exclude'"] }
  )
  return cases
}
