/**
 * Synthetic dbt artifacts for unit tests of the resolution analysis and the report: small,
 * explicit manifests and run results built in code (the scenario tests use real dbt instead).
 */
import type { Manifest, ManifestNode, ManifestSource, RunResult, RunResults } from '../../src/dbt/artifact-types.js'
import type { RunInfo } from '../../src/report/types.js'

/** A node to put in a synthetic manifest. */
export interface SynthNode {
  /** unique_id, e.g. `model.shop.orders`; the resource type is its first segment. */
  id: string
  /** Relation name; null for ephemeral models. */
  relation?: string | null
  /** depends_on.nodes */
  deps?: string[]
  /** config.materialized */
  materialized?: string
  /** alias (the CTE name of an ephemeral model derives from it) */
  alias?: string
  version?: number
  file?: string
}

function nameOf(id: string): string {
  const parts = id.split('.')
  return parts[0] === 'source' ? parts[3] : parts[2]
}

function toNode(n: SynthNode): ManifestNode {
  const type = n.id.split('.')[0]
  return {
    unique_id: n.id,
    resource_type: type,
    name: nameOf(n.id),
    package_name: 'shop',
    original_file_path: n.file ?? `models/${nameOf(n.id)}.sql`,
    relation_name: n.relation === undefined ? null : n.relation,
    alias: n.alias ?? nameOf(n.id),
    version: n.version ?? null,
    config: { materialized: n.materialized ?? (type === 'test' ? 'test' : 'table') },
    depends_on: { nodes: n.deps ?? [], macros: [] }
  }
}

function toSource(n: SynthNode): ManifestSource {
  const [, , sourceName, name] = n.id.split('.')
  return {
    unique_id: n.id,
    resource_type: 'source',
    name,
    source_name: sourceName,
    relation_name: n.relation ?? null,
    original_file_path: 'models/_sources.yml'
  }
}

/** A manifest holding exactly these nodes and sources. */
export function synthManifest(nodes: SynthNode[]): Manifest {
  const m: Manifest = {
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v12.json', dbt_version: '1.11.0' },
    nodes: {},
    sources: {}
  }
  for (const n of nodes) {
    if (n.id.startsWith('source.')) m.sources[n.id] = toSource(n)
    else m.nodes[n.id] = toNode(n)
  }
  return m
}

/** A result to put in synthetic run results. */
export type SynthResult = Pick<RunResult, 'unique_id' | 'status'> & Partial<RunResult>

/** run_results.json with these results and invocation args (defer on by default). */
export function synthRunResults(results: SynthResult[], args: Record<string, unknown> = {}): RunResults {
  return {
    metadata: { dbt_schema_version: 'https://schemas.getdbt.com/dbt/run-results/v6.json', dbt_version: '1.11.0' },
    results: results.map((r) => ({ execution_time: 0.5, message: r.status === 'success' ? 'OK' : null, compiled_code: null, ...r })),
    elapsed_time: 12.5,
    args: { which: 'build', defer: true, favor_state: false, ...args }
  }
}

/** `"warehouse"."<schema>"."<name>"`, the DuckDB/PostgreSQL form of a relation name. */
export function rel(schema: string, name: string, db = 'warehouse'): string {
  return `"${db}"."${schema}"."${name}"`
}

/** The artifacts of one synthetic invocation. */
export interface SynthRun {
  manifest: Manifest
  baseline: Manifest
  runResults: RunResults
}

const J = 'model.jaffle_shop'
const JAFFLE_NODES = (schema: string): SynthNode[] => [
  { id: 'source.jaffle_shop.jaffle.raw_orders', relation: rel('prod_raw', 'raw_orders') },
  { id: 'source.jaffle_shop.jaffle.raw_payments', relation: rel('prod_raw', 'raw_payments') },
  {
    id: `${J}.stg_orders`,
    relation: rel(schema, 'stg_orders'),
    deps: ['source.jaffle_shop.jaffle.raw_orders'],
    file: 'models/staging/stg_orders.sql'
  },
  {
    id: `${J}.stg_payments`,
    relation: rel(schema, 'stg_payments'),
    deps: ['source.jaffle_shop.jaffle.raw_payments'],
    file: 'models/staging/stg_payments.sql'
  },
  { id: `${J}.stg_customers`, relation: rel(schema, 'stg_customers'), deps: [], file: 'models/staging/stg_customers.sql' },
  {
    id: `${J}.int_order_payments`,
    relation: null,
    materialized: 'ephemeral',
    deps: [`${J}.stg_payments`],
    file: 'models/intermediate/int_order_payments.sql'
  },
  {
    id: `${J}.orders`,
    relation: rel(schema, 'orders'),
    deps: [`${J}.stg_orders`, `${J}.int_order_payments`],
    file: 'models/marts/orders.sql'
  },
  { id: 'seed.jaffle_shop.country_codes', relation: rel(schema, 'country_codes'), file: 'seeds/country_codes.csv' },
  {
    id: `${J}.customers`,
    relation: rel(schema, 'customers'),
    deps: [`${J}.orders`, `${J}.stg_customers`, 'seed.jaffle_shop.country_codes'],
    file: 'models/marts/customers.sql'
  },
  { id: 'test.jaffle_shop.unique_orders_order_id.fed79b3a6e', deps: [`${J}.orders`], file: 'models/marts/_marts.yml' },
  { id: 'test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d', deps: [`${J}.customers`], file: 'models/marts/_marts.yml' }
]

const ORDERS_SQL = (stg: string, pay: string) =>
  `with __dbt__cte__int_order_payments as (\nselect order_id, sum(amount) as amount from ${rel(pay, 'stg_payments')} group by 1\n) select o.*, p.amount\nfrom ${rel(stg, 'stg_orders')} as o\nleft join __dbt__cte__int_order_payments as p using (order_id)`
const CUSTOMERS_SQL = `select c.*, t.n from ${rel('ci', 'stg_customers')} as c\nleft join (select customer_id, count(*) as n from ${rel('ci', 'orders')} group by 1) t using (customer_id)\nleft join ${rel('prod', 'country_codes')} as cc using (country_code)`

/**
 * A PR build of a jaffle-shop-like project: orders and customers rebuilt, stg_customers already
 * in the CI schema, the rest deferred to the baseline. `fail` makes orders fail to build.
 */
export function jaffleRun(kind: 'pass' | 'fail'): SynthRun {
  const ok = kind === 'pass'
  const results: SynthResult[] = [
    ok
      ? { unique_id: `${J}.orders`, status: 'success', execution_time: 0.41, compiled_code: ORDERS_SQL('prod', 'prod') }
      : {
          unique_id: `${J}.orders`,
          status: 'error',
          execution_time: 0.12,
          message:
            'Runtime Error in model orders (models/marts/orders.sql)\n  Parser Error: syntax error at or near "where"\n\n  LINE 9: where not_a_function(\n          ^',
          compiled_code: `${ORDERS_SQL('prod', 'prod')}\nwhere not_a_function(`
        },
    ok
      ? { unique_id: `${J}.customers`, status: 'success', execution_time: 0.36, compiled_code: CUSTOMERS_SQL }
      : { unique_id: `${J}.customers`, status: 'skipped', execution_time: 0, compiled_code: null },
    ok
      ? {
          unique_id: 'test.jaffle_shop.unique_orders_order_id.fed79b3a6e',
          status: 'pass',
          execution_time: 0.05,
          compiled_code: `select order_id from ${rel('ci', 'orders')} group by 1 having count(*) > 1`
        }
      : { unique_id: 'test.jaffle_shop.unique_orders_order_id.fed79b3a6e', status: 'skipped', execution_time: 0, compiled_code: null },
    ok
      ? {
          unique_id: 'test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d',
          status: 'fail',
          failures: 2,
          message: 'Got 2 results, configured to fail if != 0',
          execution_time: 0.04,
          compiled_code: `select * from ${rel('ci', 'customers')} where customer_id is null`
        }
      : {
          unique_id: 'test.jaffle_shop.not_null_customers_customer_id.5c9bf9911d',
          status: 'skipped',
          execution_time: 0,
          compiled_code: null
        }
  ]
  return {
    manifest: synthManifest(JAFFLE_NODES('ci')),
    baseline: synthManifest(JAFFLE_NODES('prod')),
    runResults: synthRunResults(results)
  }
}

/**
 * A very large invocation: `models` models, each reading two parents deferred to the baseline
 * and the model before it (built in this run), and a test per model. The last `failures`
 * models fail (and read no failed model).
 */
export function hugeRun(models: number, failures: number): SynthRun {
  const firstFailure = models - failures
  const readsPrevious = (i: number): boolean => i > 0 && i - 1 < firstFailure
  const nodes = (schema: string): SynthNode[] => {
    const out: SynthNode[] = [
      { id: 'model.big.upstream_a', relation: rel(schema, 'upstream_a') },
      { id: 'model.big.upstream_b', relation: rel(schema, 'upstream_b') }
    ]
    for (let i = 0; i < models; i++) {
      const deps = ['model.big.upstream_a', 'model.big.upstream_b', ...(readsPrevious(i) ? [`model.big.m${i - 1}`] : [])]
      out.push({ id: `model.big.m${i}`, relation: rel(schema, `m${i}`), deps, file: `models/m${i}.sql` })
      out.push({ id: `test.big.not_null_m${i}_id.${i}`, deps: [`model.big.m${i}`], file: 'models/schema.yml' })
    }
    return out
  }
  const results: SynthResult[] = []
  for (let i = 0; i < models; i++) {
    const failed = i >= firstFailure
    const prev = readsPrevious(i) ? ` join ${rel('ci', `m${i - 1}`)} using (id)` : ''
    results.push({
      unique_id: `model.big.m${i}`,
      status: failed ? 'error' : 'success',
      execution_time: 0.25,
      message: failed ? `Database Error in model m${i}\n  division by zero` : 'OK',
      compiled_code: `select * from ${rel('prod', 'upstream_a')} join ${rel('prod', 'upstream_b')} using (id)${prev}`
    })
    results.push({
      unique_id: `test.big.not_null_m${i}_id.${i}`,
      status: 'pass',
      execution_time: 0.01,
      compiled_code: `select * from ${rel('ci', `m${i}`)} where id is null`
    })
  }
  return { manifest: synthManifest(nodes('ci')), baseline: synthManifest(nodes('prod')), runResults: synthRunResults(results) }
}

/** The fixed clock of report tests. */
export const NOW = new Date('2025-03-01T12:00:00Z')

/** Run facts of a PR build deferring to a production baseline three hours old. */
export function runInfo(over: Partial<RunInfo> = {}): RunInfo {
  return {
    command: 'build',
    select: ['state:modified+'],
    exclude: [],
    defer: true,
    favorState: false,
    deferredEnv: 'production',
    baseline: {
      source: 'github-artifact',
      runId: '123456789',
      runUrl: 'https://github.com/acme/analytics/actions/runs/123456789',
      sha: 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
      generatedAt: '2025-03-01T09:00:00Z',
      location: 'artifact dbt-manifest of deploy.yml'
    },
    builtAll: false,
    success: true,
    repository: 'acme/analytics',
    serverUrl: 'https://github.com',
    headSha: 'f00dfeedf00dfeedf00dfeedf00dfeedf00dfeed',
    projectDir: 'transform',
    now: NOW,
    ...over
  }
}
