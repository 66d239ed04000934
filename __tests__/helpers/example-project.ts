import { spawn } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dbtExecutable, exampleDir, venvBin } from './paths.js'

/** What a dbt invocation printed and how it ended. */
export interface DbtRun {
  code: number
  output: string
}

/** Adapter-specific settings of a copy of the example project. */
export interface Warehouse {
  /** Target names for production, staging and CI. */
  targets: { prod: string; staging: string; ci: string }
  /** Extra environment for dbt (connection variables). */
  env: Record<string, string>
  /** The bin directory of the dbt that runs on this copy; default: the main virtualenv's. */
  bin?: string
}

/** The embedded DuckDB warehouse: one file inside the project copy. */
export const duckdb: Warehouse = { targets: { prod: 'prod', staging: 'staging', ci: 'ci' }, env: {} }

const skipCopy = new Set(['target', 'logs', 'dbt_packages', 'warehouse.duckdb', 'warehouse.duckdb.wal'])

/**
 * A private copy of example/ in a temp directory, with its own DuckDB file, on which tests run
 * real dbt. Nothing here pretends: every artifact comes from dbt itself.
 */
export class ExampleProject {
  private constructor(
    readonly root: string,
    readonly dir: string,
    readonly warehouse: Warehouse
  ) {}

  /** Copies example/ (or another project copy) into a fresh temp directory. */
  static create(warehouse: Warehouse = duckdb, from: string = exampleDir): ExampleProject {
    const root = mkdtempSync(join(tmpdir(), 'dbt-defer-test-'))
    const dir = join(root, 'project')
    cpSync(from, dir, { recursive: true, filter: (src) => !skipCopy.has(src.split('/').pop() ?? '') || src === from })
    return new ExampleProject(root, dir, warehouse)
  }

  /** A full copy of this project, its DuckDB file and target/ included. */
  clone(): ExampleProject {
    const root = mkdtempSync(join(tmpdir(), 'dbt-defer-test-'))
    const dir = join(root, 'project')
    cpSync(this.dir, dir, { recursive: true })
    return new ExampleProject(root, dir, this.warehouse)
  }

  /** The bin directory of this copy's dbt. */
  get bin(): string {
    return this.warehouse.bin ?? venvBin()
  }

  /** The dbt executable that runs on this copy. */
  get dbtExecutable(): string {
    return this.warehouse.bin ? join(this.warehouse.bin, 'dbt') : dbtExecutable()
  }

  /** Environment every dbt run of this copy gets. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      ...(process.env as Record<string, string>),
      PATH: `${this.bin}:${process.env.PATH ?? ''}`,
      DBT_PROFILES_DIR: this.dir,
      DBT_DUCKDB_PATH: join(this.dir, 'warehouse.duckdb'),
      DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
      DBT_PARTIAL_PARSE: 'false',
      ...this.warehouse.env,
      ...extra
    }
  }

  /** Runs dbt with an argv in the project directory. */
  dbt(args: string[], extraEnv: Record<string, string> = {}): Promise<DbtRun> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.dbtExecutable, args, { cwd: this.dir, env: this.env(extraEnv) })
      let output = ''
      child.stdout.on('data', (d) => (output += d))
      child.stderr.on('data', (d) => (output += d))
      child.on('error', reject)
      child.on('close', (code) => resolve({ code: code ?? 1, output }))
    })
  }

  /** Runs dbt and throws with its output when it fails. */
  async dbtOk(args: string[], extraEnv: Record<string, string> = {}): Promise<DbtRun> {
    const run = await this.dbt(args, extraEnv)
    if (run.code !== 0) throw new Error(`dbt ${args.join(' ')} failed (${run.code}):\n${run.output}`)
    return run
  }

  /**
   * A deploy: loads the raw data, builds everything into the given environment's target and
   * returns the path of a copy of its manifest (as a deploy job would publish it).
   */
  async deploy(env: 'prod' | 'staging' = 'prod'): Promise<string> {
    const target = this.warehouse.targets[env]
    await this.dbtOk(['seed', '--target', target, '--select', 'path:seeds/raw'])
    await this.dbtOk(['build', '--target', target])
    const out = join(this.root, `${env}-state`)
    mkdirSync(out, { recursive: true })
    cpSync(join(this.dir, 'target', 'manifest.json'), join(out, 'manifest.json'))
    return join(out, 'manifest.json')
  }

  /** Path of a file inside the project. */
  path(relative: string): string {
    return join(this.dir, relative)
  }

  /** Rewrites a project file. */
  edit(relative: string, change: (text: string) => string): void {
    const file = this.path(relative)
    writeFileSync(file, change(readFileSync(file, 'utf8')))
  }

  /** Reads a JSON artifact of target/. */
  artifact<T = unknown>(name: 'manifest.json' | 'run_results.json'): T {
    return JSON.parse(readFileSync(join(this.dir, 'target', name), 'utf8')) as T
  }
}

/** The sample PR edit used by the demo and the tests: a new column in the customers mart. */
export function addRepeatCustomerColumn(project: ExampleProject): void {
  project.edit('models/marts/customers.sql', (sql) =>
    sql.replace(
      'coalesce(t.lifetime_value, 0) as lifetime_value',
      'coalesce(t.lifetime_value, 0) as lifetime_value,\n    coalesce(t.order_count, 0) > 1 as is_repeat_customer'
    )
  )
}
