import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { readSqlFiles, runFileCandidates, sqlFileCandidates } from '../src/dbt/compiled-sql.js'
import { synthManifest, synthRunResults } from './helpers/synthetic.js'

const model = {
  package_name: 'jaffle_shop',
  original_file_path: 'models/marts/customers.sql',
  path: 'marts/customers.sql',
  alias: 'customers',
  name: 'customers'
}
// A generic test defined in a YAML file: dbt writes it under a directory named after that file.
const yamlTest = {
  package_name: 'jaffle_shop',
  original_file_path: 'models/marts/_marts.yml',
  path: 'unique_customers_customer_id.sql',
  alias: 'unique_customers_customer_id',
  name: 'unique_customers_customer_id'
}

describe('sqlFileCandidates and runFileCandidates', () => {
  it("try dbt-core's layout (under the package) before Fusion's (without it)", () => {
    expect(sqlFileCandidates(model)).toEqual(['jaffle_shop/models/marts/customers.sql', 'models/marts/customers.sql'])
  })

  it('put a node that shares its file under a directory named after that file', () => {
    expect(sqlFileCandidates(yamlTest)).toEqual([
      'jaffle_shop/models/marts/_marts.yml/unique_customers_customer_id.sql',
      'models/marts/_marts.yml/unique_customers_customer_id.sql'
    ])
  })

  it("put a YAML snapshot under its file's path joined with its own, as dbt-core writes it", () => {
    const snapshot = {
      package_name: 'jaffle_shop',
      original_file_path: 'snapshots/customers_snapshot.yml',
      path: 'customers_snapshot.yml/customers_snapshot.sql',
      alias: 'customers_snapshot',
      name: 'customers_snapshot'
    }
    expect(sqlFileCandidates(snapshot)).toEqual([
      'jaffle_shop/snapshots/customers_snapshot.yml/customers_snapshot.yml/customers_snapshot.sql',
      'snapshots/customers_snapshot.yml/customers_snapshot.yml/customers_snapshot.sql'
    ])
  })

  it('also try the run file named after the alias, and the flat <name>.sql of early Fusion releases', () => {
    expect(runFileCandidates({ ...model, alias: 'dim_customers' })).toEqual([
      'jaffle_shop/models/marts/customers.sql',
      'models/marts/customers.sql',
      'jaffle_shop/models/marts/dim_customers.sql',
      'models/marts/dim_customers.sql',
      'customers.sql',
      'dim_customers.sql'
    ])
  })

  it('refuse a path that leaves the SQL directory, from any field of the artifact', () => {
    expect(sqlFileCandidates({ ...model, original_file_path: '../../etc/passwd' })).toEqual([])
    expect(sqlFileCandidates({ ...model, package_name: '..', original_file_path: 'models/a.sql', path: 'a.sql' })).toEqual(['models/a.sql'])
    expect(sqlFileCandidates({ ...model, original_file_path: '/etc/passwd' })).toEqual([])
    expect(runFileCandidates({ ...model, original_file_path: '/x.sql', alias: '../escape', name: '..' })).toEqual([])
  })
})

describe('readSqlFiles', () => {
  const ids = {
    customers: 'model.shop.customers',
    orders: 'model.shop.orders',
    segments: 'model.shop.customer_segments',
    skipped: 'model.shop.skipped_one',
    reused: 'model.shop.reused_one',
    carried: 'model.shop.carried',
    escape: 'model.shop.escape'
  }
  const manifest = synthManifest(Object.values(ids).map((id) => ({ id })))
  manifest.nodes[ids.escape].original_file_path = '../outside.sql'

  function target(files: Record<string, string>): string {
    const root = mkdtempSync(join(tmpdir(), 'compiled-sql-'))
    const dir = join(root, 'target')
    for (const [path, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, path)), { recursive: true })
      writeFileSync(join(dir, path), text)
    }
    return dir
  }

  const runResults = synthRunResults([
    { unique_id: ids.customers, status: 'success', execution_time: 1, compiled_code: null },
    { unique_id: ids.orders, status: 'success', execution_time: 1, compiled_code: null },
    { unique_id: ids.segments, status: 'error', execution_time: 1, compiled_code: null },
    { unique_id: ids.skipped, status: 'skipped', execution_time: 0, compiled_code: null },
    { unique_id: ids.reused, status: 'reused', execution_time: 0, compiled_code: null },
    { unique_id: ids.carried, status: 'success', execution_time: 1, compiled_code: 'select 1' },
    { unique_id: ids.escape, status: 'success', execution_time: 1, compiled_code: null }
  ])

  it('reads target/compiled first, target/run when compiled is missing, and either layout', async () => {
    const node = (id: string) => manifest.nodes[id]
    const dir = target({
      [`compiled/shop/${node(ids.customers).original_file_path}`]: 'select * from "prod"."orders"',
      [`run/shop/${node(ids.customers).original_file_path}`]: 'create table x as (select * from "prod"."orders")',
      [`run/${node(ids.orders).name}.sql`]: 'create table orders as (select 2)',
      [`compiled/${node(ids.segments).original_file_path}`]: 'select 3',
      [`compiled/shop/${node(ids.skipped).original_file_path}`]: 'select old',
      [`compiled/shop/${node(ids.reused).original_file_path}`]: 'select old',
      [`compiled/shop/${node(ids.carried).original_file_path}`]: 'select from a file',
      '../outside.sql': 'select secret'
    })
    const found = await readSqlFiles(dir, runResults, manifest)
    expect(Object.fromEntries(found)).toEqual({
      [ids.customers]: { code: 'select * from "prod"."orders"', from: 'target/compiled' },
      [ids.orders]: { code: 'create table orders as (select 2)', from: 'target/run' },
      [ids.segments]: { code: 'select 3', from: 'target/compiled' }
    })
  })

  it('reads nothing when dbt wrote no files, and skips empty ones', async () => {
    const dir = target({ [`compiled/shop/${manifest.nodes[ids.customers].original_file_path}`]: '  \n' })
    expect((await readSqlFiles(dir, runResults, manifest)).size).toBe(0)
    expect((await readSqlFiles(join(dir, 'missing'), runResults, manifest)).size).toBe(0)
  })
})
