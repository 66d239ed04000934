import { appendFileSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ExampleProject } from './example-project.js'
import { repoRoot, venvBin } from './paths.js'
import { duckdbTestWarehouse, postgresTestWarehouse, type TestWarehouse } from './warehouses.js'

// The dbt-core releases of the compatibility suite: each an exact toolchain in a virtualenv of
// its own (scripts/compat/requirements-dbt-<version>.txt), which scripts/run.mjs creates and
// names in DBT_DEFER_COMPAT_VENVS. The newest release is the main virtualenv's.

/** One dbt-core release line and the bin directory of its virtualenv. */
export interface CompatDbt {
  /** The release line, e.g. `1.8`. */
  line: string
  /** The exact dbt-core version pinned for it. */
  version: string
  /** The virtualenv's bin directory. */
  bin: string
}

/** The exact dbt-core version a requirements file pins. */
function pinnedCore(file: string): string {
  const pin = /^dbt-core==(\S+)$/m.exec(readFileSync(file, 'utf8'))
  if (!pin) throw new Error(`${file} pins no dbt-core`)
  return pin[1]
}

/** Every release line of the suite, oldest first; the main virtualenv's last. Fails when one is missing. */
export function compatDbts(): CompatDbt[] {
  const named = process.env.DBT_DEFER_COMPAT_VENVS
  if (!named) throw new Error("No DBT_DEFER_COMPAT_VENVS: run the tests through 'npm test', which creates the compatibility virtualenvs.")
  const venvs = JSON.parse(named) as Record<string, string>
  const older = Object.entries(venvs).map(([line, dir]) => ({
    line,
    version: pinnedCore(join(repoRoot, 'scripts', 'compat', `requirements-dbt-${line}.txt`)),
    bin: join(dir, 'bin')
  }))
  const newest = pinnedCore(join(repoRoot, 'scripts', 'requirements.txt'))
  const main = { line: newest.split('.').slice(0, 2).join('.'), version: newest, bin: venvBin() }
  return [...older.sort((a, b) => minor(a.line) - minor(b.line)), main]
}

function minor(line: string): number {
  return Number(line.split('.')[1])
}

/** One release line of the suite (e.g. `1.8`); fails when the suite has no virtualenv for it. */
export function compatLine(line: string): CompatDbt {
  const found = compatDbts().find((d) => d.line === line)
  if (!found) throw new Error(`No dbt-core ${line} in the compatibility suite: scripts/compat/requirements-dbt-${line}.txt is missing`)
  return found
}

/** `describe.each` rows: DuckDB on every release, PostgreSQL on the ones named. */
export function compatWarehouses(prefix: string, dbts: CompatDbt[], postgresOn: string[]): Array<[string, TestWarehouse, CompatDbt]> {
  return dbts.flatMap((d): Array<[string, TestWarehouse, CompatDbt]> => [
    [`DuckDB, dbt-core ${d.version}`, duckdbTestWarehouse(d.bin), d],
    ...(postgresOn.includes(d.line)
      ? [
          [`PostgreSQL, dbt-core ${d.version}`, postgresTestWarehouse(`${prefix}_${d.line.replace('.', '_')}`, d.bin), d] as [
            string,
            TestWarehouse,
            CompatDbt
          ]
        ]
      : [])
  ])
}

/** Replaces `from` by `to` in a project file; throws when `from` is not there, so an edit cannot silently do nothing. */
function rewrite(project: ExampleProject, file: string, from: RegExp, to: string): void {
  const text = readFileSync(project.path(file), 'utf8')
  if (!from.test(text)) throw new Error(`${file} has no ${String(from)} to rewrite for an older dbt`)
  writeFileSync(project.path(file), text.replace(from, to))
}

/**
 * Writes the example project in the syntax an older dbt-core reads, meaning the same:
 * - before 1.10, a generic test's arguments sit beside its name, not under `arguments:`;
 * - before 1.9, a snapshot is a `{% snapshot %}` block, not YAML. Its schema is the target's, as
 *   the YAML snapshot's default is, set in dbt_project.yml: dbt 1.8 keeps a project config
 *   unrendered for state:modified, but renders one set in the block, which would mark the
 *   snapshot modified in every CI target.
 */
export function adaptForDbt(project: ExampleProject, line: string): void {
  if (minor(line) < 10) {
    rewrite(project, 'models/marts/_marts.yml', /\n( +)arguments:\n\1 {2}to: (.+)\n\1 {2}field: (.+)/, '\n$1to: $2\n$1field: $3')
    rewrite(project, 'models/staging/_staging.yml', /\n( +)arguments:\n\1 {2}values: (.+)/, '\n$1values: $2')
  }
  if (minor(line) < 9) {
    rmSync(project.path('snapshots/customers_snapshot.yml'))
    writeFileSync(
      project.path('snapshots/customers_snapshot.sql'),
      [
        '{% snapshot customers_snapshot %}',
        "{{ config(unique_key='customer_id', strategy='check', check_cols='all') }}",
        "select * from {{ ref('stg_customers') }}",
        '{% endsnapshot %}',
        ''
      ].join('\n')
    )
    appendFileSync(project.path('dbt_project.yml'), 'snapshots:\n  jaffle_shop:\n    +target_schema: "{{ target.schema }}"\n')
  }
}
