/**
 * The one safety check in front of every write and every drop the action makes in the
 * warehouse. Pure: it decides from evidence gathered before dbt touches the warehouse (see
 * probe.ts) and throws UnsafeSchemaError when the evidence does not prove a schema is the run's
 * own to use. It never lets a write or a drop through for lack of information: a missing piece
 * of evidence is itself a refusal that names what is missing.
 *
 * A schema may be written when it is provably not a deployed environment's: not a schema of any
 * node or source of any baseline the inputs point to (production and staging both), not the
 * schema of any other target of the profile as dbt renders it, not a source schema of this
 * project, not a schema of the warehouse itself. A schema may be dropped when, besides, it holds
 * the action's ownership marker for this repository, project and pull request (or run), or does
 * not exist.
 */
import type { Manifest } from '../dbt/artifact-types.js'
import { entriesOf, isIndexed } from '../dbt/json-file.js'
import { ActionError } from '../errors.js'
import type { DeferredEnv } from '../settings.js'
import { ownerMatches, type OwnerIdentity, type SchemaMarker } from './marker.js'

/** Why a schema was refused. */
export type RefusalReason =
  | 'invalid-name'
  | 'system-schema'
  | 'baseline-relation'
  | 'profile-target'
  | 'source-schema'
  | 'ci-target-schema'
  | 'missing-evidence'
  | 'not-owned'

/** A write or a drop was refused: the schema may hold data that is not the run's own. */
export class UnsafeSchemaError extends ActionError {
  constructor(
    readonly schema: string,
    readonly reason: RefusalReason,
    message: string,
    /** Why, without the advice on what to do (callers outside CI give their own). */
    readonly why: string = message
  ) {
    super(message, { input: 'ci-schema' })
  }
}

/** One baseline the inputs point to, or why it is not at hand. */
export interface BaselineEvidence {
  env: DeferredEnv
  /** Its manifest, when found. */
  manifest?: Manifest
  /** Why there is none: a search that found nothing (and whether that is allowed), or an error. */
  missing?: { why: string; allowed: boolean }
}

/** A target of the profile, its schema as dbt renders it. */
export interface RenderedTarget {
  name: string
  schema?: string
  /**
   * In this run its schema cannot differ from the CI target's: it is rendered from the CI schema
   * variable, or written exactly as the CI target's schema is (a CI target per adapter, say).
   * Comparing it tells nothing; what it renders to in a deploy is covered by the baselines.
   */
  followsCiSchema?: boolean
}

/** A schema the run may write to or drop, as the warehouse has it now. */
export interface SchemaState {
  schema: string
  exists: boolean
  /** The ownership marker in it, when there is one. */
  marker?: SchemaMarker
}

/** Everything the check decides from. */
export interface SafetyEvidence {
  /** The target dbt uses, as dbt rendered it. */
  target: { name: string; schema: string }
  /** The CI schema the action hands to dbt, when `ci-schema` is set. */
  ciSchema?: { name: string; envVar: string }
  /** Every target of the profile (the CI target among them), schemas rendered by dbt. */
  profileTargets: RenderedTarget[]
  /** Where the profile was read. */
  profilePath: string
  /** This project parsed under the CI target: what the check reads of it. */
  manifest: ProbeManifest
  /** The same manifest whole, when a step after the check reads more of it (exclude-lagging). */
  wholeManifest?: Manifest
  /** Every baseline the inputs point to. */
  baselines: BaselineEvidence[]
  /** The schemas the run would touch, as they are in the warehouse. */
  schemas: SchemaState[]
}

/**
 * What the safety steps read of the project as parsed under the CI target: the fields below of
 * the first node of each schema a node writes to and of the first source of each schema, in
 * dbt's order, which decides every check as the whole manifest does. The probe takes them from
 * dbt's graph (probe.ts), so dbt need not write its manifest for the check.
 */
export interface ProbeManifest {
  metadata?: { dbt_version?: string | null }
  nodes: Record<string, { unique_id: string; resource_type: string; schema?: string | null; config?: { materialized?: string } }>
  sources?: Record<string, { unique_id: string; name: string; source_name: string; schema?: string | null }>
}

/** Schemas that belong to the warehouse itself (compared lower-case). */
export const SYSTEM_SCHEMAS = ['information_schema', 'pg_catalog', 'public', 'main', 'pg_toast', 'sys']

/** Node types dbt materialises in a schema (tests: their store_failures tables). */
const WRITING_TYPES = new Set(['model', 'seed', 'snapshot', 'test', 'function'])

const SAFE_NAME = /^[A-Za-z0-9_]+$/
const FIX =
  "Set the 'ci-schema' input to a schema no deployed environment uses, such as 'dbt_ci_pr_{pr}', and let the CI target take its schema from it."

const lower = (s: string | null | undefined): string => (s ?? '').toLowerCase()

function refuse(schema: string, reason: RefusalReason, why: string, fix = FIX): never {
  throw new UnsafeSchemaError(schema, reason, `Refusing to use schema '${schema}': ${why} ${fix}`, why)
}

/** The schemas this run's dbt writes to: the target's, and every schema a materialised node of the project resolves to. */
export function writeSchemas(evidence: Pick<SafetyEvidence, 'target' | 'manifest'>): string[] {
  const found = new Map<string, string>([[lower(evidence.target.schema), evidence.target.schema]])
  for (const node of Object.values(evidence.manifest.nodes ?? {})) {
    if (!WRITING_TYPES.has(node.resource_type) || node.config?.materialized === 'ephemeral' || !node.schema) continue
    if (!found.has(lower(node.schema))) found.set(lower(node.schema), node.schema)
  }
  return [...found.values()]
}

/** The CI schema and the schemas dbt derives from it (`<ci>_<custom>`), which the run creates and may drop. */
export function ciOwnedSchemas(ciSchema: string, manifest: ProbeManifest): string[] {
  const prefix = `${lower(ciSchema)}_`
  const derived = writeSchemas({ target: { name: '', schema: ciSchema }, manifest }).filter((s) => lower(s).startsWith(prefix))
  return [ciSchema, ...derived.sort()]
}

function checkMissing(evidence: SafetyEvidence): void {
  for (const b of evidence.baselines) {
    if (b.manifest || !b.missing || b.missing.allowed) continue
    refuse(
      evidence.ciSchema?.name ?? evidence.target.schema,
      'missing-evidence',
      `the ${b.env} baseline, which the inputs point to, is not at hand (${b.missing.why}), so the action cannot prove the schema is not ${b.env}'s.`,
      `Make the ${b.env} baseline reachable (the message above says how), or, if ${b.env} has really never been deployed, set 'if-no-baseline: build-all'.`
    )
  }
}

function checkCiTarget(evidence: SafetyEvidence): void {
  const ci = evidence.ciSchema
  if (!ci || lower(evidence.target.schema) === lower(ci.name)) return
  refuse(
    evidence.target.schema,
    'ci-target-schema',
    `the CI schema is '${ci.name}', but dbt renders the schema of target '${evidence.target.name}' as '${evidence.target.schema}': the target does not take its schema from ${ci.envVar}, so the build would write elsewhere.`,
    `Give the CI target \`schema: "{{ env_var('${ci.envVar}') }}"\` in ${evidence.profilePath}, or set the input 'target' to the target that does.`
  )
}

function checkName(schema: string): void {
  if (!SAFE_NAME.test(schema))
    refuse(schema, 'invalid-name', 'a schema the action writes or drops may hold only letters, digits and underscores.')
  const l = lower(schema)
  if (SYSTEM_SCHEMAS.includes(l) || l.startsWith('pg_')) refuse(schema, 'system-schema', 'it is a schema of the warehouse itself.')
}

function checkBaselines(schema: string, baselines: BaselineEvidence[]): void {
  for (const { env, manifest } of baselines) {
    if (!manifest) continue
    const hit = firstBySchema(manifest.nodes ?? {}).get(lower(schema))
    if (hit) refuse(schema, 'baseline-relation', `the ${env} baseline manifest puts ${hit.resource_type} '${hit.unique_id}' in it.`)
    const source = firstBySchema(manifest.sources ?? {}).get(lower(schema))
    if (source) refuse(schema, 'source-schema', `the ${env} baseline's source '${source.source_name}.${source.name}' reads from it.`)
  }
}

const bySchema = new WeakMap<object, Map<string, unknown>>()

/**
 * The first entry of a section in each schema (lower-cased), from one pass over it. A big
 * baseline's sections are read-only and read from their file (see dbt/json-file.ts), so theirs
 * is made once and kept; any other section may change between two checks, and is read anew.
 */
function firstBySchema<T extends { schema?: string | null }>(section: Record<string, T>): Map<string, T> {
  const known = bySchema.get(section) as Map<string, T> | undefined
  if (known) return known
  const first = new Map<string, T>()
  for (const [, entry] of entriesOf(section)) {
    const key = lower((entry as T).schema)
    if (!first.has(key)) first.set(key, entry as T)
  }
  if (isIndexed(section)) bySchema.set(section, first)
  return first
}

function checkSources(schema: string, manifest: ProbeManifest): void {
  const source = Object.values(manifest.sources ?? {}).find((s) => lower(s.schema) === lower(schema))
  if (source) refuse(schema, 'source-schema', `source '${source.source_name}.${source.name}' (${source.unique_id}) reads from it.`)
}

function checkTargets(schema: string, evidence: SafetyEvidence): void {
  for (const target of evidence.profileTargets) {
    if (target.name === evidence.target.name || target.followsCiSchema || lower(target.schema) !== lower(schema)) continue
    refuse(
      schema,
      'profile-target',
      `it is the schema of target '${target.name}' in ${evidence.profilePath} (as dbt renders it), and the CI target is '${evidence.target.name}'.`
    )
  }
}

/** Throws unless `schema` is provably not a deployed environment's, a source's or the warehouse's. */
export function assertNotDeployed(schema: string, evidence: SafetyEvidence): void {
  checkName(schema)
  checkBaselines(schema, evidence.baselines)
  checkSources(schema, evidence.manifest)
  checkTargets(schema, evidence)
}

/**
 * Proves the run may write: the evidence is complete, the CI target writes into the CI schema,
 * and no schema the run writes to is a deployed environment's. Returns the schemas it writes to.
 */
export function proveWritable(evidence: SafetyEvidence): string[] {
  checkMissing(evidence)
  checkCiTarget(evidence)
  const schemas = writeSchemas(evidence)
  for (const schema of schemas) assertNotDeployed(schema, evidence)
  return schemas
}

/** How to drop a schema by hand, for a refusal that leaves it to the user. */
function byHand(schema: string): string {
  return `If it really is this pull request's and should go, drop it by hand: \`drop schema ${schema} cascade\` with the CI role.`
}

/**
 * Proves the run may drop the CI schema and those derived from it: every check of a write, and
 * for each one that exists, the action's marker naming this repository, project and pull
 * request (or run). Returns the schemas to drop (those that exist).
 */
export function proveDroppable(evidence: SafetyEvidence, owner: OwnerIdentity): string[] {
  const ci = evidence.ciSchema
  if (!ci) throw new ActionError("There is no CI schema to drop: the input 'ci-schema' is empty.", { input: 'ci-schema' })
  checkMissing(evidence)
  checkCiTarget(evidence)
  const drop: string[] = []
  for (const schema of ciOwnedSchemas(ci.name, evidence.manifest)) {
    assertNotDeployed(schema, evidence)
    const state = evidence.schemas.find((s) => lower(s.schema) === lower(schema))
    if (!state) refuse(schema, 'missing-evidence', 'the warehouse was not asked whether it exists and who made it.')
    if (!state.exists) continue
    if (!state.marker)
      refuse(schema, 'not-owned', 'it holds no ownership marker of this action, so nothing proves the action created it.', byHand(schema))
    const mismatch = ownerMatches(state.marker, owner)
    if (mismatch) refuse(schema, 'not-owned', `its ownership marker names ${mismatch}.`, byHand(schema))
    drop.push(schema)
  }
  return drop
}
