/**
 * The per-PR CI schema name, from the `ci-schema` template. Pure.
 *
 * Rules, in order:
 * - An empty (or blank) template means no per-PR schema: the result is undefined.
 * - `{pr}`, `{run_id}` and `{branch}` are replaced; any other `{...}` is an error.
 * - `{pr}` without a pull request number (a manual or scheduled run with no open PR) becomes
 *   `run_<run id>`, so the name is unique to the run and can never be taken for a PR's schema;
 *   the `note` callback says so. Without a run id either, it is an error.
 * - The result is lower-cased; every run of characters outside `[a-z0-9_]` becomes one `_`,
 *   runs of `_` collapse to one and trailing `_` go. A name starting with a digit gets `ci_` in
 *   front (most warehouses need quoting otherwise).
 * - Past 63 characters (PostgreSQL's identifier limit) the name is cut to 54 and ends with `_`
 *   and 8 hex characters of a hash of the full name, so two long branch names stay distinct.
 */
import { createHash } from 'node:crypto'
import { ActionError } from '../errors.js'

/** Values the placeholders are replaced with. */
export interface CiSchemaVars {
  /** Pull request number, when the run belongs to one. */
  pr?: number
  /** Workflow run id. */
  runId?: string
  /** Branch name (the PR's head branch). */
  branch?: string
}

/** A template or its inputs cannot give a schema name. */
export class CiSchemaError extends ActionError {}

/** PostgreSQL's limit; other warehouses allow at least as much. */
export const MAX_SCHEMA_LENGTH = 63
const HASH_LENGTH = 8
const PLACEHOLDERS = ['pr', 'run_id', 'branch'] as const

function missing(template: string, placeholder: string, what: string): CiSchemaError {
  return new CiSchemaError(
    `Input 'ci-schema' is '${template}', but this run has no ${what} for {${placeholder}}. ` +
      `Use a placeholder this event provides (${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}), ` +
      `or set 'ci-schema' to '' to build into the target's own schema.`
  )
}

function replacement(template: string, name: string, vars: CiSchemaVars, note: (m: string) => void): string {
  switch (name) {
    case 'pr':
      if (vars.pr !== undefined) return String(vars.pr)
      if (!vars.runId) throw missing(template, 'pr', 'pull request number (nor a run id to fall back on)')
      note(`No pull request for this run: {pr} in 'ci-schema' becomes 'run_${vars.runId}' (this run's id).`)
      return `run_${vars.runId}`
    case 'run_id':
      if (!vars.runId) throw missing(template, 'run_id', 'workflow run id')
      return vars.runId
    case 'branch':
      if (!vars.branch) throw missing(template, 'branch', 'branch name')
      return vars.branch
    default:
      throw new CiSchemaError(
        `Input 'ci-schema' is '${template}', and {${name}} is not a known placeholder. ` +
          `Accepted: ${PLACEHOLDERS.map((p) => `{${p}}`).join(', ')}.`
      )
  }
}

/** Lower-cases and reduces a name to `[a-z0-9_]`, as documented above. */
export function sanitizeSchemaName(raw: string): string {
  let name = raw
    .toLowerCase()
    .replace(/[^a-z0-9_]+/g, '_')
    .replace(/_+/g, '_')
    .replace(/_+$/, '')
  if (/^[0-9]/.test(name)) name = `ci_${name}`
  if (name.length <= MAX_SCHEMA_LENGTH) return name
  const hash = createHash('sha256').update(name).digest('hex').slice(0, HASH_LENGTH)
  return `${name.slice(0, MAX_SCHEMA_LENGTH - HASH_LENGTH - 1).replace(/_+$/, '')}_${hash}`
}

/**
 * The CI schema name for this run, or undefined when the template is empty.
 * @param note receives a sentence when a fallback was used (e.g. no PR number).
 * @throws CiSchemaError when the template cannot be filled or leaves no usable name.
 */
export function ciSchemaName(template: string, vars: CiSchemaVars, note: (message: string) => void = () => {}): string | undefined {
  if (template.trim() === '') return undefined
  const filled = template.trim().replace(/\{([^{}]*)\}/g, (_, name: string) => replacement(template, name.trim(), vars, note))
  const name = sanitizeSchemaName(filled)
  if (name === '') {
    throw new CiSchemaError(
      `Input 'ci-schema' is '${template}', which leaves no letters, digits or underscores for a schema name. ` +
        `Use a name such as 'dbt_ci_pr_{pr}'.`
    )
  }
  return name
}
