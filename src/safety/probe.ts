/**
 * What the warehouse and dbt say, asked through dbt itself before dbt writes anything: one
 * `dbt compile --inline` under the CI target renders the schema of every profile target the way
 * dbt renders it, parses the project (its sources, and the schema each node resolves to under
 * the CI target), and asks the adapter which of those schemas exist and which hold the action's
 * ownership marker. Two more inline compiles create claimed schemas with their marker and drop
 * proven ones. Every name that reaches the Jinja has passed the check's name rule or is escaped.
 */
import { join } from 'node:path'
import type { Manifest, RunResults } from '../dbt/artifact-types.js'
import type { DbtRunner } from '../dbt/runner.js'
import { ActionError } from '../errors.js'
import type { ProbeManifest, SchemaState } from './check.js'
import { jinjaString, MARKER_COLUMNS, MARKER_TABLE, markerSelect, type OwnerIdentity, type SchemaMarker } from './marker.js'

/** A dbt step the safety check depends on failed: the run stops before touching the warehouse. */
export class SafetyProbeError extends ActionError {}

/** What the probe learned. */
export interface ProbeResult {
  /** The target dbt uses, as rendered. */
  target: { name: string; schema: string; database: string; type: string }
  /** Rendered schemas of the templated targets, by target name. */
  rendered: Record<string, string>
  /** Each schema the project's nodes (and the target) resolve to, as the warehouse has it. */
  schemas: SchemaState[]
  /** The project parsed under the CI target: what the check reads of it. */
  manifest: ProbeManifest
  /** The same manifest whole, when it was asked for. */
  wholeManifest?: Manifest
}

const BEGIN = '/*DBT_DEFER_PROBE'
const END = 'DBT_DEFER_PROBE*/'
const WRITING = "['model', 'seed', 'snapshot', 'test', 'function']"

function renderTemplates(templates: Record<string, string>): string {
  return Object.entries(templates)
    .map(([name, raw], i) => `{%- set t${i} -%}${raw}{%- endset -%}{%- do rendered.update({${jinjaString(name)}: t${i} | trim}) -%}`)
    .join('')
}

const MARKER_READ =
  `{%- set rel = adapter.get_relation(database=db, schema=s, identifier='${MARKER_TABLE}') -%}` +
  `{%- if rel is not none -%}{%- set res = run_query('select ${MARKER_COLUMNS.join(', ')} from ' ~ rel) -%}` +
  `{%- if res.rows | length > 0 -%}{%- set row = res.rows[0] -%}{%- set marker = {} -%}` +
  MARKER_COLUMNS.map((c, i) => `{%- do marker.update({'${c}': '' if row[${i}] is none else row[${i}] | string}) -%}`).join('') +
  `{%- endif -%}{%- endif -%}`

/**
 * One walk over dbt's graph: each (database, schema) pair a materialised node writes to, for the
 * warehouse to be asked about, and the check's fields of the first node of each schema and of the
 * first source of each schema, in the order dbt lists them: all the check reads of the project
 * (see ProbeManifest), so that dbt need not write the whole manifest for it.
 */
const WALK_GRAPH =
  `{%- set pairs = [[target.database, target.schema]] -%}` +
  `{%- set picked = {'metadata': {'dbt_version': dbt_version}, 'nodes': {}, 'sources': {}} -%}{%- set seen = [] -%}` +
  `{%- for n in graph.nodes.values() -%}{%- if n.resource_type in ${WRITING} and n.config.materialized != 'ephemeral' and n.schema -%}` +
  `{%- if [n.database, n.schema] not in pairs -%}{%- do pairs.append([n.database, n.schema]) -%}{%- endif -%}` +
  `{%- if n.schema not in seen -%}{%- do seen.append(n.schema) -%}` +
  `{%- do picked.nodes.update({n.unique_id: {'unique_id': n.unique_id, 'resource_type': n.resource_type, 'schema': n.schema, 'config': {'materialized': n.config.materialized}}}) -%}` +
  `{%- endif -%}{%- endif -%}{%- endfor -%}{%- set seen = [] -%}` +
  `{%- for s in graph.sources.values() -%}{%- if s.schema not in seen -%}{%- do seen.append(s.schema) -%}` +
  `{%- do picked.sources.update({s.unique_id: {'unique_id': s.unique_id, 'name': s.name, 'source_name': s.source_name, 'schema': s.schema}}) -%}` +
  `{%- endif -%}{%- endfor -%}`

/** The inline SQL of the probe. `templates` maps target names to their raw templated schema. */
export function probeSql(templates: Record<string, string>): string {
  return (
    `{% if execute %}{%- set rendered = {} -%}${renderTemplates(templates)}` +
    WALK_GRAPH +
    `{%- set states = [] -%}{%- for p in pairs -%}{%- set db = p[0] -%}{%- set s = p[1] -%}{%- set marker = none -%}` +
    `{%- set exists = adapter.check_schema_exists(db, s) -%}{%- if exists -%}${MARKER_READ}{%- endif -%}` +
    `{%- do states.append({'schema': s, 'exists': exists, 'marker': marker}) -%}{%- endfor -%}` +
    `${BEGIN}{{ tojson({'target': {'name': target.name, 'schema': target.schema, 'database': target.database, 'type': target.type}, 'rendered': rendered, 'schemas': states, 'manifest': picked}) }}${END}` +
    `{% endif %}select 1 as probed`
  )
}

/** The inline SQL that creates each schema and its ownership marker. Names must have passed the check. */
export function claimSql(schemas: string[], owner: OwnerIdentity, now: Date): string {
  const select = jinjaString(markerSelect(owner, now))
  const each = schemas
    .map(
      (s) =>
        `{%- do adapter.create_schema(api.Relation.create(database=target.database, schema=${jinjaString(s)})) -%}` +
        `{%- do run_query(get_create_table_as_sql(False, api.Relation.create(database=target.database, schema=${jinjaString(s)}, identifier='${MARKER_TABLE}', type='table'), ${select})) -%}`
    )
    .join('')
  return `{% if execute %}${each}{% endif %}select 1 as claimed`
}

/** The inline SQL that drops the schemas. Names must have passed the check. */
export function dropSql(schemas: string[]): string {
  const each = schemas
    .map((s) => `{%- do adapter.drop_schema(api.Relation.create(database=target.database, schema=${jinjaString(s)})) -%}`)
    .join('')
  return `{% if execute %}${each}{% endif %}select 1 as dropped`
}

function tail(output: string): string {
  return output.split('\n').slice(-20).join('\n')
}

async function readJson<T>(read: (path: string) => Promise<unknown>, path: string): Promise<T> {
  return (await read(path)) as T
}

/** Runs the probe. Throws SafetyProbeError (nothing touched) when dbt cannot parse, render or connect. */
export async function runProbe(
  runner: DbtRunner,
  templates: Record<string, string>,
  read: (path: string) => Promise<unknown>,
  whole = false
): Promise<ProbeResult> {
  const step = await runner.step('probe', ['compile', '--inline', probeSql(templates)], {
    logAs: 'compile --inline <safety probe: targets, schemas, ownership markers>',
    reads: whole ? 'all' : 'run-results'
  })
  if (step.exit.exitCode !== 0) {
    throw new SafetyProbeError(
      `The safety check could not ask dbt which schemas the run would use (dbt compile exited ${step.exit.exitCode}), so nothing was written or dropped. ` +
        `dbt must be able to parse the project and connect with the CI target; and every target's schema in profiles.yml must render in this job (set the variables it reads). dbt said:\n${tail(step.exit.output)}`
    )
  }
  const results = await readJson<RunResults>(read, join(step.targetDir, 'run_results.json'))
  const code = results.results?.[0]?.compiled_code ?? ''
  const start = code.indexOf(BEGIN)
  const end = code.indexOf(END, start)
  if (start < 0 || end < 0)
    throw new SafetyProbeError(
      'The safety probe ran, but dbt reported no probe result; nothing was written or dropped. Re-run with debug logging and report it.'
    )
  const parsed = JSON.parse(code.slice(start + BEGIN.length, end)) as Omit<ProbeResult, 'wholeManifest'> & {
    schemas: Array<SchemaState & { marker: SchemaMarker | null }>
  }
  if (typeof parsed.manifest?.nodes !== 'object' || parsed.manifest.nodes === null)
    throw new SafetyProbeError(
      "The safety probe ran, but dbt's answer lists none of the project's nodes; nothing was written or dropped. Re-run with debug logging and report it."
    )
  // The manifest dbt wrote whole only when a later step reads more of it than the check.
  const wholeManifest = whole ? ((await read(join(step.targetDir, 'manifest.json'))) as Manifest) : undefined
  const schemas = parsed.schemas.map((s) => ({ schema: s.schema, exists: Boolean(s.exists), marker: s.marker ?? undefined }))
  return { target: parsed.target, rendered: parsed.rendered, schemas, manifest: parsed.manifest, wholeManifest }
}

/** Creates the schemas with their markers. */
export async function claimSchemas(runner: DbtRunner, schemas: string[], owner: OwnerIdentity, now: Date): Promise<void> {
  if (schemas.length === 0) return
  const step = await runner.step('claim', ['compile', '--inline', claimSql(schemas, owner, now)], {
    logAs: `compile --inline <create ${schemas.join(', ')} with the ownership marker>`,
    reads: 'nothing'
  })
  if (step.exit.exitCode !== 0) {
    throw new SafetyProbeError(
      `Could not create the CI schema ${schemas.map((s) => `'${s}'`).join(', ')} with its ownership marker (dbt exited ${step.exit.exitCode}); the CI role needs the right to create schemas. dbt said:\n${tail(step.exit.output)}`
    )
  }
}

/** Drops the schemas. */
export async function dropSchemas(runner: DbtRunner, step: string, schemas: string[]): Promise<void> {
  const run = await runner.step(step, ['compile', '--inline', dropSql(schemas)], {
    logAs: `compile --inline <drop ${schemas.join(', ')}>`,
    reads: 'nothing'
  })
  if (run.exit.exitCode !== 0) {
    throw new SafetyProbeError(
      `dbt could not drop schema ${schemas.map((s) => `'${s}'`).join(', ')} (exit code ${run.exit.exitCode}). Check that the CI target's credentials may drop schemas; dbt said:\n${tail(run.exit.output)}`
    )
  }
}
