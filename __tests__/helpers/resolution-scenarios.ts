/**
 * The resolution scenarios, defined once and run by resolution-scenarios.int.test.ts (the main
 * dbt, DuckDB and PostgreSQL) and compat-scenarios.int.test.ts (every older dbt-core).
 *
 * The resolution analysis on real dbt: production is built once, each scenario works
 * on a copy, runs dbt the way the action would, and checks the classification of every
 * (node, parent) pair twice: against an explicit expectation, and against the relation
 * strings read directly from dbt's compiled SQL (plain substring search, not the analyser).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Manifest, RunResults } from '../../src/dbt/artifact-types.js'
import Ajv2020Module from 'ajv/dist/2020.js'
import { analyzeRun } from '../../src/resolution/analyze.js'
import { buildReport } from '../../src/report/build.js'
import { renderMarkdown } from '../../src/report/render.js'
import type { AnalysisInput, NodeResolution, RefResolution } from '../../src/resolution/types.js'
import { readSqlFiles } from '../../src/dbt/compiled-sql.js'
import { FUSION_SHAPES, fusionManifest, fusionRunResults, fusionTargetFiles, type FusionShape } from '../../scripts/fusion-shape.mjs'
import { addRepeatCustomerColumn, ExampleProject, type DbtRun } from './example-project.js'
import { repoRoot } from './paths.js'
import { runInfo } from './synthetic.js'
import { adaptForDbt } from './compat.js'
import type { TestWarehouse } from './warehouses.js'

const TIMEOUT = 240_000

function readManifest(path: string): Manifest {
  return JSON.parse(readFileSync(path, 'utf8')) as Manifest
}

/**
 * The analysis of the project's last invocation. Each is also made of the same artifacts in dbt
 * Fusion's shapes (scripts/fusion-shape.mjs): without compiled_code in run_results.json, the SQL
 * is read from the files in Fusion's layout, and every classification must be the same.
 */
async function analyse(p: ExampleProject, stateDir: string | null, env: 'staging' | 'production' | null): Promise<NodeResolution[]> {
  const input = {
    manifest: p.artifact<Manifest>('manifest.json'),
    baseline: stateDir ? readManifest(join(stateDir, 'manifest.json')) : null,
    runResults: p.artifact<RunResults>('run_results.json'),
    deferredEnv: env
  }
  const nodes = analyzeRun(input)
  for (const shape of [FUSION_SHAPES['preview.150'], FUSION_SHAPES['preview.205']]) {
    const fusion = await analyseAsFusion(p, input, shape)
    expect({ shape: shape.version, pairs: pairs(fusion) }).toEqual({ shape: shape.version, pairs: pairs(nodes) })
    expect(fusion.map((n) => n.compiled)).toEqual(nodes.map((n) => n.compiled))
    // dbt-core writes no target/compiled file for some nodes (a snapshot block): their statement in target/run is read.
    const fromFiles = (n: NodeResolution) => n.sqlFrom === 'target/compiled' || n.sqlFrom === 'target/run'
    expect(fusion.filter((n) => n.compiled && !fromFiles(n)).map((n) => [n.name, n.sqlFrom])).toEqual([])
  }
  return nodes
}

/** The analysis of the invocation's artifacts in a Fusion release's shapes, the SQL read from its files. */
async function analyseAsFusion(p: ExampleProject, input: AnalysisInput, shape: FusionShape): Promise<NodeResolution[]> {
  const target = mkdtempSync(join(p.root, 'fusion-target-'))
  fusionTargetFiles(join(p.dir, 'target'), target, input.manifest, input.runResults, shape)
  const manifest = fusionManifest(input.manifest, shape)
  const runResults = fusionRunResults(input.runResults, shape)
  expect(runResults.results.filter((r) => typeof r.compiled_code === 'string').map((r) => r.unique_id)).toEqual([])
  return analyzeRun({ ...input, manifest, runResults, sqlFiles: await readSqlFiles(target, runResults, manifest) })
}

/** "node > parent" (and "node > ephemeral > parent") → classification, for every pair. */
function pairs(nodes: NodeResolution[]): Record<string, string> {
  const out: Record<string, string> = {}
  const add = (path: string, refs: RefResolution[]): void => {
    for (const r of refs) {
      out[`${path} > ${r.name}`] = r.classification
      add(`${path} > ${r.name}`, r.children)
    }
  }
  for (const n of nodes) add(n.name, n.refs)
  return out
}

function statuses(p: ExampleProject): Record<string, string> {
  const m = p.artifact<Manifest>('manifest.json')
  const named = (id: string) => (m.nodes[id]?.version ? `${m.nodes[id].name}.v${m.nodes[id].version}` : (m.nodes[id]?.name ?? id))
  return Object.fromEntries(p.artifact<RunResults>('run_results.json').results.map((r) => [named(r.unique_id), r.status]))
}

/** The schema each classification must show in the compiled SQL. */
function schemaOf(classification: string, ciSchema: string): string {
  const fixed: Record<string, string> = { production: 'prod', staging: 'staging', source: 'prod_raw' }
  return fixed[classification] ?? ciSchema
}

/**
 * Checks every classification against dbt's own output: the compiled SQL (run_results
 * compiled_code) must contain the relation string of the claimed environment and not that of
 * the other; this-run parents must have succeeded in the run; unknown refs must come from nodes
 * dbt did not compile. Returns the disagreements.
 */
function disagreements(
  w: TestWarehouse,
  ciSchema: string,
  p: ExampleProject,
  nodes: NodeResolution[],
  envSchema: 'prod' | 'staging'
): string[] {
  const rr = p.artifact<RunResults>('run_results.json')
  const m = p.artifact<Manifest>('manifest.json')
  const status = new Map(rr.results.map((r) => [r.unique_id, r.status]))
  const problems: string[] = []
  const relationIn = (schema: string, id: string): string => {
    const n = m.nodes[id] ?? m.sources[id]
    return w.relation(schema, (n.alias as string | undefined) ?? n.identifier ?? n.name)
  }
  const check = (node: string, sql: string, r: RefResolution): void => {
    const where = `${node} > ${r.name} (${r.classification})`
    if (r.classification === 'unknown') {
      if (sql.trim() !== '' || r.reason !== 'not-compiled') problems.push(`${where}: unknown although dbt compiled the node`)
      return
    }
    if (r.classification === 'inlined') {
      if (!sql.includes(`__dbt__cte__${m.nodes[r.uniqueId].alias}`)) problems.push(`${where}: no CTE in the SQL`)
      r.children.forEach((c) => check(`${node} > ${r.name}`, sql, c))
      return
    }
    const schema = schemaOf(r.classification, ciSchema)
    const expected = relationIn(schema, r.uniqueId)
    if (!sql.includes(expected)) problems.push(`${where}: SQL does not contain ${expected}`)
    if (r.relation !== expected) problems.push(`${where}: relation ${r.relation} is not ${expected}`)
    for (const other of r.classification === 'source' ? [] : [ciSchema, envSchema].filter((s) => s !== schema)) {
      if (sql.includes(relationIn(other, r.uniqueId))) problems.push(`${where}: SQL also contains the ${other} relation`)
    }
    const built = status.get(r.uniqueId) === 'success'
    if (r.classification === 'this-run' && !built) problems.push(`${where}: parent did not succeed in this run`)
    if (r.classification === 'dev' && built) problems.push(`${where}: parent was built in this run`)
  }
  for (const n of nodes) {
    const sql = rr.results.find((r) => r.unique_id === n.uniqueId)?.compiled_code ?? ''
    n.refs.forEach((r) => check(n.name, sql, r))
  }
  return problems
}

// ajv is CommonJS: imported from ESM, its class is the module's `default` property.
const Ajv2020 = Ajv2020Module.default
const validateReport = new Ajv2020({ strict: true, allErrors: true, validateFormats: false }).compile(
  JSON.parse(readFileSync(join(repoRoot, 'docs', 'report-schema.json'), 'utf8')) as object
)

/** report.json and the comment of the project's last invocation. */
function reportOf(p: ExampleProject, nodes: NodeResolution[], success: boolean) {
  const run = runInfo({ success, select: ['state:modified'] })
  const report = buildReport({
    analysis: nodes,
    runResults: p.artifact<RunResults>('run_results.json'),
    manifest: p.artifact<Manifest>('manifest.json'),
    run
  })
  const valid = validateReport(JSON.parse(JSON.stringify(report)))
  return { report, schemaErrors: valid ? [] : validateReport.errors, markdown: renderMarkdown(report, { maxChars: 60_000 }) }
}

const CUSTOMERS_TESTS_THIS_RUN = {
  'not_null_customers_customer_id > customers': 'this-run',
  'unique_customers_customer_id > customers': 'this-run'
}

/** One run of the scenarios: its title, the warehouse and, for an older dbt-core, its release line. */
export type ScenarioRow = [string, TestWarehouse, { line: string } | null]

/** Defines every scenario for each row. */
export function resolutionScenarios(rows: ScenarioRow[]): void {
  describe.each(rows)('where refs resolve, on real dbt with %s', (_name, warehouse, older) => {
    const created: ExampleProject[] = []
    const ciSchemas = new Map<ExampleProject, string>()
    let base: ExampleProject
    let prodState: string

    beforeAll(async () => {
      await warehouse.setUp()
      base = warehouse.project()
      if (older) adaptForDbt(base, older.line)
      created.push(base)
      prodState = dirname(await base.deploy('prod'))
    }, TIMEOUT)

    afterAll(async () => {
      for (const p of created) rmSync(p.root, { recursive: true, force: true })
      await warehouse.tearDown()
    })

    /** A copy of the deployed project: production built, a CI schema of its own, empty. */
    function fresh(): ExampleProject {
      const p = base.clone()
      created.push(p)
      ciSchemas.set(p, `ci_scenario_${ciSchemas.size + 1}`)
      return p
    }

    /** dbt against the CI target, in the copy's own CI schema. */
    function ci(p: ExampleProject, args: string[]): Promise<DbtRun> {
      return p.dbt([...args, '--target', p.warehouse.targets.ci], { DBT_CI_SCHEMA: ciSchemas.get(p)! })
    }

    async function ciOk(p: ExampleProject, args: string[]): Promise<DbtRun> {
      const run = await ci(p, args)
      if (run.code !== 0) throw new Error(`dbt ${args.join(' ')} failed (${run.code}):\n${run.output}`)
      return run
    }

    /** Every disagreement between the analysis and dbt's own SQL for the copy's last invocation. */
    function check(p: ExampleProject, nodes: NodeResolution[], envSchema: 'prod' | 'staging'): string[] {
      return disagreements(warehouse, ciSchemas.get(p)!, p, nodes, envSchema)
    }

    /** A relation name as the markdown escapes it. */
    function escaped(schema: string, identifier: string): string {
      return warehouse.relation(schema, identifier).replace(/"/g, '&quot;')
    }

    it(
      '(1) empty CI schema: every unmodified parent resolves to production',
      async () => {
        const p = fresh()
        addRepeatCustomerColumn(p)
        await ciOk(p, ['build', '-s', 'state:modified', '--defer', '--state', prodState])
        const nodes = await analyse(p, prodState, 'production')
        expect(statuses(p)).toEqual({ customers: 'success', not_null_customers_customer_id: 'pass', unique_customers_customer_id: 'pass' })
        expect(pairs(nodes)).toEqual({
          'customers > orders': 'production',
          'customers > stg_customers': 'production',
          'customers > country_codes': 'production',
          ...CUSTOMERS_TESTS_THIS_RUN
        })
        expect(check(p, nodes, 'prod')).toEqual([])
        const { report, schemaErrors, markdown } = reportOf(p, nodes, true)
        expect(schemaErrors).toEqual([])
        expect(report.counts).toMatchObject({
          total: 3,
          by_status: { success: 1, pass: 2 },
          by_classification: { production: 3, 'this-run': 2 }
        })
        expect(markdown).toContain(
          'Refs: <code>orders</code> → 🏭 production · <code>stg_customers</code> → 🏭 production · <code>country_codes</code> → 🏭 production'
        )
        expect(markdown).toContain(`<code>${escaped('prod', 'orders')}</code>`)
      },
      TIMEOUT
    )

    it(
      '(2) a parent already in the CI schema: dev; with --favor-state: production',
      async () => {
        const p = fresh()
        await ciOk(p, ['run', '-s', 'stg_customers'])
        addRepeatCustomerColumn(p)
        await ciOk(p, ['build', '-s', 'state:modified', '--defer', '--state', prodState])
        let nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'customers > orders': 'production',
          'customers > stg_customers': 'dev',
          'customers > country_codes': 'production',
          ...CUSTOMERS_TESTS_THIS_RUN
        })
        expect(check(p, nodes, 'prod')).toEqual([])

        await ciOk(p, ['build', '-s', 'state:modified', '--defer', '--favor-state', '--state', prodState])
        nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'customers > orders': 'production',
          'customers > stg_customers': 'production',
          'customers > country_codes': 'production',
          ...CUSTOMERS_TESTS_THIS_RUN
        })
        expect(check(p, nodes, 'prod')).toEqual([])
      },
      TIMEOUT
    )

    it(
      '(3) two modified models, one refs the other: this-run',
      async () => {
        const p = fresh()
        addRepeatCustomerColumn(p)
        p.edit('models/marts/orders.sql', (sql) => sql.replace('o.status,', 'o.status,\n    o.order_date is not null as has_date,'))
        await ciOk(p, ['build', '-s', 'state:modified', '--defer', '--state', prodState])
        const nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'orders > stg_orders': 'production',
          'orders > int_order_payments': 'inlined',
          'orders > int_order_payments > stg_payments': 'production',
          'customers > orders': 'this-run',
          'customers > stg_customers': 'production',
          'customers > country_codes': 'production',
          'not_null_orders_order_id > orders': 'this-run',
          'unique_orders_order_id > orders': 'this-run',
          'assert_order_amounts_non_negative > orders': 'this-run',
          'relationships_orders_customer_id__customer_id__ref_stg_customers_ > orders': 'this-run',
          'relationships_orders_customer_id__customer_id__ref_stg_customers_ > stg_customers': 'production',
          ...CUSTOMERS_TESTS_THIS_RUN
        })
        expect(check(p, nodes, 'prod')).toEqual([])
      },
      TIMEOUT
    )

    it(
      '(4) a staging baseline: refs read staging and are labelled staging',
      async () => {
        const p = fresh()
        const stagingState = dirname(await p.deploy('staging'))
        addRepeatCustomerColumn(p)
        await ciOk(p, ['build', '-s', 'state:modified', '--defer', '--state', stagingState])
        const nodes = await analyse(p, stagingState, 'staging')
        expect(pairs(nodes)).toEqual({
          'customers > orders': 'staging',
          'customers > stg_customers': 'staging',
          'customers > country_codes': 'staging',
          ...CUSTOMERS_TESTS_THIS_RUN
        })
        expect(check(p, nodes, 'staging')).toEqual([])
        const sql = p
          .artifact<RunResults>('run_results.json')
          .results.find((r) => r.unique_id === 'model.jaffle_shop.customers')!.compiled_code!
        expect(sql).toContain(warehouse.relation('staging', 'orders'))
        for (const parent of ['orders', 'stg_customers', 'country_codes']) expect(sql).not.toContain(warehouse.relation('prod', parent))
      },
      TIMEOUT
    )

    it(
      '(5) an ephemeral parent is inlined; its own parent resolves on its own (production, then dev)',
      async () => {
        const p = fresh()
        await ciOk(p, ['run', '-s', 'orders', '--defer', '--state', prodState])
        let nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'orders > stg_orders': 'production',
          'orders > int_order_payments': 'inlined',
          'orders > int_order_payments > stg_payments': 'production'
        })
        expect(check(p, nodes, 'prod')).toEqual([])

        await ciOk(p, ['run', '-s', 'stg_payments'])
        await ciOk(p, ['run', '-s', 'orders', '--defer', '--state', prodState])
        nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'orders > stg_orders': 'production',
          'orders > int_order_payments': 'inlined',
          'orders > int_order_payments > stg_payments': 'dev'
        })
        expect(check(p, nodes, 'prod')).toEqual([])
      },
      TIMEOUT
    )

    it(
      '(6) versioned model parents: v1 pinned and latest v2, deferred or built per version',
      async () => {
        const p = fresh()
        p.edit('models/marts/customer_segments.sql', (sql) =>
          sql.replace("else 'standard' end as segment", "else 'standard' end as segment,\n    1 as segment_version")
        )
        await ciOk(p, ['build', '-s', 'state:modified', '--defer', '--state', prodState])
        let nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'customer_segments > dim_customers.v2': 'production',
          'customer_segments > dim_customers.v1': 'production',
          'customer_segments > customers': 'production',
          'not_null_customer_segments_customer_id > customer_segments': 'this-run'
        })
        expect(check(p, nodes, 'prod')).toEqual([])

        await ciOk(p, ['build', '-s', 'dim_customers.v1', 'customer_segments', '--defer', '--state', prodState])
        nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'dim_customers.v1 > stg_customers': 'production',
          'unique_dim_customers_v1_customer_id > dim_customers.v1': 'this-run',
          'customer_segments > dim_customers.v2': 'production',
          'customer_segments > dim_customers.v1': 'this-run',
          'customer_segments > customers': 'production',
          'not_null_customer_segments_customer_id > customer_segments': 'this-run'
        })
        expect(check(p, nodes, 'prod')).toEqual([])
      },
      TIMEOUT
    )

    it(
      '(7) seed, snapshot and source parents',
      async () => {
        const p = fresh()
        await ciOk(p, ['build', '-s', 'country_codes', 'customers', 'customer_history', 'stg_customers', '--defer', '--state', prodState])
        let nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'stg_customers > raw_customers': 'source',
          'customers > orders': 'production',
          'customers > stg_customers': 'this-run',
          'customers > country_codes': 'this-run',
          'customer_history > customers_snapshot': 'production',
          'relationships_orders_customer_id__customer_id__ref_stg_customers_ > orders': 'production',
          'relationships_orders_customer_id__customer_id__ref_stg_customers_ > stg_customers': 'this-run',
          'not_null_stg_customers_customer_id > stg_customers': 'this-run',
          'unique_stg_customers_customer_id > stg_customers': 'this-run',
          'not_null_country_codes_country_code > country_codes': 'this-run',
          'unique_country_codes_country_code > country_codes': 'this-run',
          ...CUSTOMERS_TESTS_THIS_RUN
        })
        expect(check(p, nodes, 'prod')).toEqual([])

        await ciOk(p, ['build', '-s', 'customers_snapshot', 'customer_history', '--defer', '--state', prodState])
        nodes = await analyse(p, prodState, 'production')
        expect(pairs(nodes)).toEqual({
          'customers_snapshot > stg_customers': 'dev',
          'customer_history > customers_snapshot': 'this-run'
        })
        expect(check(p, nodes, 'prod')).toEqual([])
      },
      TIMEOUT
    )

    it(
      '(8) a failed node keeps its evidence; its skipped children are unknown (not compiled)',
      async () => {
        const p = fresh()
        p.edit('models/marts/orders.sql', (sql) => `${sql}\nwhere not_a_function(`)
        const run = await ci(p, ['build', '-s', 'orders+', '--defer', '--state', prodState])
        expect(run.code).toBe(1)
        const nodes = await analyse(p, prodState, 'production')
        const st = statuses(p)
        expect(st.orders).toBe('error')
        expect(
          Object.entries(st)
            .filter(([name]) => name !== 'orders')
            .every(([, s]) => s === 'skipped')
        ).toBe(true)
        expect(pairs(nodes)).toEqual({
          'orders > stg_orders': 'production',
          'orders > int_order_payments': 'inlined',
          'orders > int_order_payments > stg_payments': 'production',
          'customers > orders': 'unknown',
          'customers > stg_customers': 'unknown',
          'customers > country_codes': 'unknown',
          'customer_segments > dim_customers.v2': 'unknown',
          'customer_segments > dim_customers.v1': 'unknown',
          'customer_segments > customers': 'unknown',
          'daily_revenue > orders': 'unknown',
          'not_null_orders_order_id > orders': 'unknown',
          'unique_orders_order_id > orders': 'unknown',
          'assert_order_amounts_non_negative > orders': 'unknown',
          'relationships_orders_customer_id__customer_id__ref_stg_customers_ > orders': 'unknown',
          'relationships_orders_customer_id__customer_id__ref_stg_customers_ > stg_customers': 'unknown',
          'not_null_customer_segments_customer_id > customer_segments': 'unknown',
          'not_null_customers_customer_id > customers': 'unknown',
          'unique_customers_customer_id > customers': 'unknown'
        })
        const customers = nodes.find((n) => n.name === 'customers')!
        expect(customers.refs.every((r) => r.reason === 'not-compiled' && r.evidence.includes('skipped'))).toBe(true)
        expect(nodes.find((n) => n.name === 'orders')!.message).toMatch(/syntax error/i)
        expect(check(p, nodes, 'prod')).toEqual([])
        const { schemaErrors, markdown } = reportOf(p, nodes, false)
        expect(schemaErrors).toEqual([])
        expect(markdown).toContain('### ❌ dbt build failed')
        expect(markdown).toMatch(/<pre>(Runtime|Database) Error in model orders \(models\/marts\/orders\.sql\)\n[^<]*syntax error/)
      },
      TIMEOUT
    )

    it(
      '(8b) a node that fails while compiling has no SQL: its refs are unknown',
      async () => {
        const p = fresh()
        p.edit(
          'models/marts/customers.sql',
          (sql) => `${sql}\n{% if execute %}{{ exceptions.raise_compiler_error('stop here') }}{% endif %}`
        )
        const run = await ci(p, ['build', '-s', 'customers', '--defer', '--state', prodState])
        expect(run.code).toBe(1)
        const nodes = await analyse(p, prodState, 'production')
        const customers = nodes.find((n) => n.name === 'customers')!
        expect(customers).toMatchObject({ status: 'error', compiled: false })
        expect(customers.refs.map((r) => [r.name, r.classification, r.reason])).toEqual([
          ['orders', 'unknown', 'not-compiled'],
          ['stg_customers', 'unknown', 'not-compiled'],
          ['country_codes', 'unknown', 'not-compiled']
        ])
        expect(customers.refs[0].evidence).toContain('failed before compiling')
        expect(check(p, nodes, 'prod')).toEqual([])
      },
      TIMEOUT
    )

    it(
      '(9) --no-defer: refs read the CI schema; dbt fails while the parents are missing there',
      async () => {
        const p = fresh()
        addRepeatCustomerColumn(p)
        const failed = await ci(p, ['build', '-s', 'state:modified', '--no-defer', '--state', prodState])
        expect(failed.code).toBe(1)
        expect(p.artifact<RunResults>('run_results.json').args?.defer).toBe(false)
        let nodes = await analyse(p, prodState, null)
        expect(statuses(p)).toEqual({
          customers: 'error',
          not_null_customers_customer_id: 'skipped',
          unique_customers_customer_id: 'skipped'
        })
        expect(nodes.find((n) => n.name === 'customers')!.message).toMatch(/does not exist/)
        expect(pairs(nodes)).toEqual({
          'customers > orders': 'dev',
          'customers > stg_customers': 'dev',
          'customers > country_codes': 'dev',
          'not_null_customers_customer_id > customers': 'unknown',
          'unique_customers_customer_id > customers': 'unknown'
        })
        expect(check(p, nodes, 'prod')).toEqual([])

        await ciOk(p, ['build', '-s', '+customers', '--exclude', 'customers'])
        await ciOk(p, ['build', '-s', 'state:modified', '--no-defer', '--state', prodState])
        nodes = await analyse(p, prodState, null)
        expect(pairs(nodes)).toEqual({
          'customers > orders': 'dev',
          'customers > stg_customers': 'dev',
          'customers > country_codes': 'dev',
          ...CUSTOMERS_TESTS_THIS_RUN
        })
        expect(check(p, nodes, 'prod')).toEqual([])
      },
      TIMEOUT
    )
  })
}
