/**
 * Dropping the per-PR CI schema. The drop goes through dbt itself (`dbt compile --inline` with
 * a Jinja `adapter.drop_schema`), so it works on every adapter with the user's own connection
 * and quoting rules, and nothing is added to the user's project. The guard runs first.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Manifest } from '../dbt/artifact-types.js'
import { projectArgs } from '../dbt/argv.js'
import type { DbtProcess } from '../dbt/process.js'
import { ActionError } from '../errors.js'
import type { Logger } from '../logger.js'
import { assertSafeToDrop } from './guard.js'
import type { ProfileTargets } from './profiles.js'

/** dbt ran the drop and failed. */
export class SchemaDropError extends ActionError {
  constructor(
    readonly schemas: string[],
    readonly exitCode: number,
    output: string
  ) {
    super(
      `dbt could not drop schema ${schemas.map((s) => `'${s}'`).join(', ')} (exit code ${exitCode}). ` +
        `Check that the CI target's credentials may drop schemas; dbt said:\n${output}`
    )
  }
}

/** What dropCiSchema needs. */
export interface DropCiSchemaArgs {
  /** The CI schema (from ciSchemaName). */
  schema: string
  /** The deferred environment's manifest, when one was found. */
  baseline: Manifest | null
  /**
   * This run's manifest (its sources; the custom schemas derived from the CI schema). When null
   * (cleanup mode), `dbt parse` with the same target and environment produces one first.
   */
  manifest: Manifest | null
  /** The project's profile targets (loadProfileTargets), when readable. */
  profiles: ProfileTargets | null
  /** dbt. */
  dbt: DbtProcess
  /** Absolute project directory (also dbt's working directory). */
  projectDir: string
  /** profiles.yml directory, when given. */
  profilesDir?: string
  /** The CI target, when given. */
  target?: string
  /** Environment of the dbt process (connection variables, the CI schema variable). */
  env: Record<string, string>
  /**
   * A directory of the action's own for dbt's target and log paths: the compile that drops the
   * schema must not overwrite the build's target/manifest.json and run_results.json.
   */
  scratchDir: string
  /** The log. */
  log: Logger
}

/**
 * The CI schema and the custom schemas this run's dbt derived from it (dbt's default
 * generate_schema_name makes `<ci>_<custom>`), as found in this run's manifest. Pure.
 */
export function ciSchemasToDrop(schema: string, manifest: Manifest | null): string[] {
  const prefix = `${schema.toLowerCase()}_`
  const derived = Object.values(manifest?.nodes ?? {})
    .map((node) => node.schema ?? '')
    .filter((name) => name.toLowerCase().startsWith(prefix))
  return [...new Set([schema, ...derived])]
}

/**
 * The inline SQL whose rendering drops the schemas. Names must already have passed the guard
 * (letters, digits, underscores only), so nothing can break out of the quoted Jinja string.
 * `execute` keeps the parse pass from touching the warehouse.
 */
export function dropSchemaInlineSql(schemas: string[]): string {
  for (const s of schemas) {
    if (!/^[A-Za-z0-9_]+$/.test(s)) throw new Error(`Unsafe schema name reached dropSchemaInlineSql: '${s}'.`)
  }
  const drops = schemas
    .map((s) => `{% do adapter.drop_schema(api.Relation.create(database=target.database, schema='${s}')) %}`)
    .join('')
  return `{% if execute %}${drops}{% endif %}select 1 as dropped`
}

type Where = Pick<DropCiSchemaArgs, 'projectDir' | 'profilesDir' | 'target' | 'scratchDir'>

/** Flags that keep dbt's own files of the drop out of the project's target/ and logs/. */
function scratchArgs(args: Where): string[] {
  return ['--target-path', args.scratchDir, '--log-path', args.scratchDir, ...projectArgs(args)]
}

/** The argv of the dbt command that drops the schemas. */
export function dropSchemaArgs(args: Where, schemas: string[]): string[] {
  return ['compile', '--inline', dropSchemaInlineSql(schemas), ...scratchArgs(args)]
}

/** The manifest given, or one from `dbt parse` (null, with a warning, when parsing fails). */
async function projectManifest(args: DropCiSchemaArgs): Promise<Manifest | null> {
  if (args.manifest) return args.manifest
  args.log.info('Parsing the project to learn its sources and the schemas dbt derives from the CI schema.')
  const run = await args.dbt.run(['parse', ...scratchArgs(args)], { cwd: args.projectDir, env: args.env })
  if (run.exitCode !== 0) {
    args.log.warning(`dbt parse failed (exit code ${run.exitCode}); the guard goes on without this project's sources:\n${run.output}`)
    return null
  }
  return JSON.parse(await readFile(join(args.scratchDir, 'manifest.json'), 'utf8')) as Manifest
}

/**
 * Drops the CI schema (and the custom schemas derived from it in this run's manifest) after
 * the guard has cleared every one of them.
 * @throws UnsafeDropError when the guard refuses (nothing is dropped then).
 * @throws SchemaDropError when dbt fails.
 */
export async function dropCiSchema(args: DropCiSchemaArgs): Promise<void> {
  const said = new Set<string>() // the guard runs once per schema; say each remark once
  const debug = (m: string): void => {
    if (!said.has(m)) args.log.debug(m)
    said.add(m)
  }
  const guard = (schema: string, manifest: Manifest | null): void =>
    assertSafeToDrop({ ...args, manifest, schema, ciTarget: args.target, debug })
  guard(args.schema, args.manifest) // before dbt runs at all
  const manifest = await projectManifest(args)
  const schemas = ciSchemasToDrop(args.schema, manifest)
  for (const schema of schemas) guard(schema, manifest)
  args.log.info(`Dropping CI schema ${schemas.map((s) => `'${s}'`).join(', ')} through dbt.`)
  const result = await args.dbt.run(dropSchemaArgs(args, schemas), { cwd: args.projectDir, env: args.env })
  if (result.exitCode !== 0) throw new SchemaDropError(schemas, result.exitCode, result.output)
  args.log.info(`Dropped ${schemas.map((s) => `'${s}'`).join(', ')}.`)
}
