/**
 * The safety steps the modes run: gather the evidence through dbt, prove the writes, create the
 * run's schemas with their ownership marker, and drop only the proven ones. Every mode that
 * touches the warehouse goes through here before dbt writes or drops anything.
 */
import type { EnvEvidence } from '../baseline/obtain.js'
import type { ReadHow } from '../dbt/json-file.js'
import type { DbtRunner } from '../dbt/runner.js'
import type { Logger } from '../logger.js'
import { ciOwnedSchemas, proveDroppable, proveWritable, type SafetyEvidence } from './check.js'
import type { OwnerIdentity } from './marker.js'
import { claimSchemas, dropSchemas, runProbe } from './probe.js'
import type { ProfileTargets } from './profiles.js'

/** What the safety steps need of the run. */
export interface SafetyDeps {
  runner: DbtRunner
  /** The project's profile as written (templated schemas are rendered by the probe). */
  profile: ProfileTargets
  /** The CI schema handed to dbt, when `ci-schema` is set. */
  ciSchema?: { name: string; envVar: string }
  /** Every baseline the inputs point to. */
  baselines: EnvEvidence[]
  /** Who the run is, for the ownership marker. */
  owner: OwnerIdentity
  /** Reads a file's JSON, whole or only the fields asked for. */
  readJson: (path: string, how?: ReadHow) => Promise<unknown>
  /** Keep the probe's manifest whole, for a step after the check that reads more of it (exclude-lagging). */
  wholeManifest?: boolean
  log: Logger
  now: () => Date
}

/** Asks dbt and the warehouse for the evidence the check decides from. */
export async function gatherEvidence(d: SafetyDeps): Promise<SafetyEvidence> {
  const templates = Object.fromEntries(d.profile.targets.flatMap((t) => (t.templated ? [[t.name, t.templated]] : [])))
  const probe = await runProbe(d.runner, templates, d.readJson, d.wholeManifest)
  const raw = (t: ProfileTargets['targets'][number]): string | undefined => t.templated ?? t.schema
  const ciRaw = raw(d.profile.targets.find((t) => t.name === probe.target.name) ?? { name: '' })
  const follows = (t: ProfileTargets['targets'][number]): boolean =>
    Boolean((d.ciSchema && t.templated?.includes(d.ciSchema.envVar)) || (ciRaw !== undefined && raw(t) === ciRaw))
  return {
    target: probe.target,
    ciSchema: d.ciSchema,
    profileTargets: d.profile.targets.map((t) => ({
      name: t.name,
      schema: t.schema ?? probe.rendered[t.name],
      followsCiSchema: follows(t)
    })),
    profilePath: d.profile.path,
    manifest: probe.manifest,
    wholeManifest: probe.wholeManifest,
    baselines: d.baselines,
    schemas: probe.schemas
  }
}

function quoted(schemas: string[]): string {
  return schemas.map((s) => `'${s}'`).join(', ')
}

function sayProven(d: SafetyDeps, evidence: SafetyEvidence, schemas: string[]): void {
  const envs = evidence.baselines.filter((b) => b.manifest).map((b) => b.env)
  d.log.info(
    `Safety check passed: dbt writes only to ${quoted(schemas)} (target '${evidence.target.name}'), none of them a schema of ` +
      `${envs.length ? `the ${envs.join(' or ')} baseline, ` : ''}another profile target, a source or the warehouse itself.`
  )
}

/** What the build asks of the safety step before dbt runs. */
export interface BuildSchemaPlan {
  /** Drop the run's own schemas first (`clean-slate`). */
  cleanSlate: boolean
  /** The command materialises relations, so the CI schemas are created with their marker now. */
  claim: boolean
  /** Checks of the CI's parse that can refuse the run before any schema is dropped or created. */
  check?: (evidence: SafetyEvidence) => void
}

/**
 * Before the build: proves every schema dbt will write to, runs the plan's check, drops the run's own schemas when
 * asked (only those proven owned), then creates the CI schema and those derived from it with the
 * ownership marker, so the drop at the end has its proof.
 */
export async function prepareBuildSchemas(d: SafetyDeps, plan: BuildSchemaPlan): Promise<SafetyEvidence> {
  const evidence = await gatherEvidence(d)
  sayProven(d, evidence, proveWritable(evidence))
  plan.check?.(evidence)
  if (!d.ciSchema) return evidence
  let absent = evidence.schemas.filter((s) => !s.exists).map((s) => s.schema)
  if (plan.cleanSlate) {
    const dropped = await dropProven(d, evidence, 'drop-before')
    absent = [...absent, ...dropped]
  }
  const owned = ciOwnedSchemas(d.ciSchema.name, evidence.manifest)
  const toClaim = owned.filter((s) => absent.some((a) => a.toLowerCase() === s.toLowerCase()))
  if (plan.claim && toClaim.length > 0) {
    await claimSchemas(d.runner, toClaim, d.owner, d.now())
    d.log.info(`Created ${quoted(toClaim)} with the action's ownership marker (repository, project and pull request or run).`)
  }
  return evidence
}

async function dropProven(d: SafetyDeps, evidence: SafetyEvidence, step: string): Promise<string[]> {
  const drop = proveDroppable(evidence, d.owner)
  if (drop.length === 0) {
    d.log.info(`Nothing to drop: ${d.ciSchema ? `'${d.ciSchema.name}'` : 'the CI schema'} does not exist.`)
    return []
  }
  await dropSchemas(d.runner, step, drop)
  d.log.info(`Dropped ${quoted(drop)}.`)
  return drop
}

/** Drops the run's own schemas after asking dbt afresh what exists and who made it. */
export async function dropOwnedSchemas(d: SafetyDeps, step: string): Promise<string[]> {
  return dropProven(d, await gatherEvidence(d), step)
}
