/**
 * Which dbt Cloud environment id the user pinned, following the dbt Cloud CLI's precedence and
 * putting the action's own input first: input `defer-env-id` > env DBT_CLOUD_DEFER_ENV_ID >
 * dbt_project.yml `dbt-cloud: defer-env-id` > dbt_cloud.yml `context: defer-env-id`.
 * Pure: the caller (inputs.ts) reads the variable and the files and hands in their text.
 */
import { parse as parseYaml } from 'yaml'
import { BaselineConfigError, messageOf } from './errors.js'

/** Where a defer-env-id came from. */
export type DeferEnvIdOrigin = 'input' | 'DBT_CLOUD_DEFER_ENV_ID' | 'dbt_project.yml' | 'dbt_cloud.yml'

/** The candidates, each undefined when absent. YAML arguments are the files' text. */
export interface DeferEnvIdCandidates {
  /** The action input `defer-env-id`. */
  input?: string
  /** The environment variable DBT_CLOUD_DEFER_ENV_ID. */
  envVar?: string
  /** Text of the project's dbt_project.yml. */
  dbtProjectYml?: string
  /** Text of dbt_cloud.yml (the dbt Cloud CLI's config). */
  dbtCloudYml?: string
}

/** The chosen id and its origin, or `{}` when none of the places sets one. */
export interface ResolvedDeferEnvId {
  id?: string
  origin?: DeferEnvIdOrigin
}

const describe: Record<DeferEnvIdOrigin, string> = {
  input: 'the input `defer-env-id`',
  DBT_CLOUD_DEFER_ENV_ID: 'the environment variable DBT_CLOUD_DEFER_ENV_ID',
  'dbt_project.yml': 'dbt_project.yml (`dbt-cloud: defer-env-id`)',
  'dbt_cloud.yml': 'dbt_cloud.yml (`context: defer-env-id`)'
}

/** Resolves the precedence and validates the winner (digits only). */
export function resolveDeferEnvId(a: DeferEnvIdCandidates): ResolvedDeferEnvId {
  const candidates: Array<[DeferEnvIdOrigin, () => string | undefined]> = [
    ['input', () => a.input],
    ['DBT_CLOUD_DEFER_ENV_ID', () => a.envVar],
    ['dbt_project.yml', () => fromYaml(a.dbtProjectYml, ['dbt-cloud', 'defer-env-id'], 'dbt_project.yml')],
    ['dbt_cloud.yml', () => fromYaml(a.dbtCloudYml, ['context', 'defer-env-id'], 'dbt_cloud.yml')]
  ]
  for (const [origin, read] of candidates) {
    const value = read()?.trim()
    if (value) return { id: validated(value, origin), origin }
  }
  return {}
}

function validated(value: string, origin: DeferEnvIdOrigin): string {
  if (/^\d+$/.test(value)) return value
  throw new BaselineConfigError(
    `Invalid dbt Cloud environment id '${value}' in ${describe[origin]}. Expected the numeric id of a deployment environment ` +
      "(the number after /environments/ in the environment's dbt Cloud URL).",
    origin === 'input' ? 'defer-env-id' : origin
  )
}

/** The scalar at `path` of a YAML text, as a string; numbers are accepted (YAML reads 123 as one). */
function fromYaml(text: string | undefined, path: [string, string], file: string): string | undefined {
  if (text === undefined) return undefined
  let doc: unknown
  try {
    doc = parseYaml(text)
  } catch (error) {
    throw new BaselineConfigError(`${file} is not valid YAML (${messageOf(error)}); fix it or set the input \`defer-env-id\`.`, file)
  }
  const section = isRecord(doc) ? doc[path[0]] : undefined
  const value = isRecord(section) ? section[path[1]] : undefined
  if (value === undefined || value === null || value === '') return undefined
  if (typeof value === 'string' || typeof value === 'number') return String(value)
  throw new BaselineConfigError(`${file} sets \`${path.join(': ')}\` to a ${typeof value}; expected a numeric environment id.`, file)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
