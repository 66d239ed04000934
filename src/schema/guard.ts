/**
 * The guard in front of every schema drop. Pure: it decides from the manifests and the profile
 * whether a schema may be dropped, and throws UnsafeDropError when it may not. A drop must never
 * reach a schema that production, staging or a source lives in, whatever the configuration says.
 */
import type { Manifest } from '../dbt/artifact-types.js'
import { ActionError } from '../errors.js'
import type { ProfileTargets } from './profiles.js'

/** Why a drop was refused. */
export type UnsafeDropReason = 'invalid-name' | 'system-schema' | 'baseline-relation' | 'profile-target' | 'source-schema'

/** A schema drop was refused: the schema may hold data that is not the CI run's own. */
export class UnsafeDropError extends ActionError {
  constructor(
    readonly schema: string,
    readonly reason: UnsafeDropReason,
    message: string
  ) {
    super(message)
  }
}

/** What the guard looks at. */
export interface DropGuardInput {
  /** The schema about to be dropped. */
  schema: string
  /** The deferred environment's manifest (production or staging), when known. */
  baseline: Manifest | null
  /** The manifest of this run's project (its sources), when known. */
  manifest: Manifest | null
  /** The project's profile targets, when profiles.yml could be read. */
  profiles: ProfileTargets | null
  /** The target the action builds into; unset means the profile's default target. */
  ciTarget?: string
  /** Receives a line for each rule that could not be applied fully. */
  debug: (message: string) => void
}

/** Schemas that belong to the warehouse itself (compared lower-case). */
export const SYSTEM_SCHEMAS = ['information_schema', 'pg_catalog', 'public', 'main']

const SAFE_NAME = /^[A-Za-z0-9_]+$/
const FIX = "Set the 'ci-schema' input to a schema no deployed environment uses, such as 'dbt_ci_pr_{pr}'."

const same = (a: string | null | undefined, b: string): boolean => (a ?? '').toLowerCase() === b.toLowerCase()

function refuse(schema: string, reason: UnsafeDropReason, why: string, fix = FIX): never {
  throw new UnsafeDropError(schema, reason, `Refusing to drop schema '${schema}': ${why} ${fix}`)
}

function checkName(schema: string): void {
  if (!SAFE_NAME.test(schema)) {
    refuse(schema, 'invalid-name', 'a CI schema name may hold only letters, digits and underscores.')
  }
  const lower = schema.toLowerCase()
  if (SYSTEM_SCHEMAS.includes(lower) || lower.startsWith('pg_')) {
    refuse(schema, 'system-schema', 'it is a schema of the warehouse itself.')
  }
}

function checkBaseline(schema: string, baseline: Manifest | null, debug: (m: string) => void): void {
  if (!baseline) {
    debug(`No baseline manifest: '${schema}' was not checked against the deployed environment's relations.`)
    return
  }
  const hits = Object.values(baseline.nodes ?? {}).filter((node) => same(node.schema, schema))
  if (hits.length === 0) return
  const first = hits[0]
  const more = hits.length > 1 ? ` and ${hits.length - 1} more` : ''
  refuse(
    schema,
    'baseline-relation',
    `the deployed environment's baseline manifest puts ${first.resource_type} '${first.unique_id}'${more} in it.`
  )
}

function checkSources(schema: string, manifests: Array<Manifest | null>): void {
  for (const manifest of manifests) {
    const source = Object.values(manifest?.sources ?? {}).find((s) => same(s.schema, schema))
    if (source) {
      refuse(schema, 'source-schema', `source '${source.source_name}.${source.name}' (${source.unique_id}) reads from it.`)
    }
  }
}

function checkProfile(input: DropGuardInput): void {
  const { schema, profiles, debug } = input
  if (!profiles) {
    debug(`No profile read: '${schema}' was not checked against the schemas of other targets.`)
    return
  }
  const ciTarget = input.ciTarget ?? profiles.defaultTarget
  if (!ciTarget) debug(`The CI target is unknown (no 'target' input, templated profile default): every target is checked.`)
  for (const target of profiles.targets) {
    if (target.name === ciTarget) continue
    if (target.templated) {
      debug(`Target '${target.name}' in ${profiles.path} has a templated schema (${target.templated}); not checked.`)
    } else if (same(target.schema, schema)) {
      refuse(
        schema,
        'profile-target',
        `it is the schema of target '${target.name}' in ${profiles.path}, which is not the CI target` +
          `${ciTarget ? ` ('${ciTarget}')` : ' (unknown: set the action\'s \'target\' input)'}.`
      )
    }
  }
}

/**
 * Throws UnsafeDropError unless `schema` is safe to drop: a plain name, not a system schema,
 * not the schema of any node of the baseline manifest, of any source of either manifest, or of
 * any non-CI target of the profile. All comparisons ignore case.
 */
export function assertSafeToDrop(input: DropGuardInput): void {
  checkName(input.schema)
  checkBaseline(input.schema, input.baseline, input.debug)
  checkSources(input.schema, [input.manifest, input.baseline])
  checkProfile(input)
}
