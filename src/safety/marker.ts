/**
 * The ownership marker: a one-row table the action creates, through dbt, in every schema it
 * creates for a pull request (or a run). It names the repository, the dbt project and the pull
 * request or run, and is the positive proof a drop needs: a schema without it is never dropped.
 * Pure: the SQL is rendered and run by dbt (probe.ts), so it works on every adapter.
 */

/** The marker relation's name in each schema the action creates. */
export const MARKER_TABLE = 'dbt_defer_action_owner'

/** Who the run is: what a marker must name for the run to own the schema. */
export interface OwnerIdentity {
  /** owner/repo ('' outside a repository). */
  repository: string
  /** The dbt project's name. */
  project: string
  /** The pull request number, when the run belongs to one. */
  pr?: number
  /** The workflow run id, when there is no pull request. */
  runId?: string
}

/** What a marker holds (every column text). */
export interface SchemaMarker {
  repository: string
  project: string
  pr: string
  run_id: string
  created_at: string
}

/** Column order of the marker table. */
export const MARKER_COLUMNS: ReadonlyArray<keyof SchemaMarker> = ['repository', 'project', 'pr', 'run_id', 'created_at']

/** Why a marker does not prove the run's ownership, or undefined when it does. */
export function ownerMatches(marker: SchemaMarker, owner: OwnerIdentity): string | undefined {
  if (marker.repository !== owner.repository) return `repository '${marker.repository}', not '${owner.repository}'`
  if (marker.project !== owner.project) return `dbt project '${marker.project}', not '${owner.project}'`
  if (owner.pr !== undefined) {
    return marker.pr === String(owner.pr)
      ? undefined
      : `${marker.pr ? `pull request #${marker.pr}` : `run ${marker.run_id}`}, not pull request #${owner.pr}`
  }
  return marker.pr === '' && marker.run_id === (owner.runId ?? '')
    ? undefined
    : `${marker.pr ? `pull request #${marker.pr}` : `run ${marker.run_id}`}, not run ${owner.runId ?? '(none)'}`
}

/** A text as a SQL string literal (single quotes doubled). */
function sqlString(value: string): string {
  return `'${value.replace(/'/g, "''")}'`
}

/** A text as a Jinja string literal inside `{% %}` (backslashes and quotes escaped). */
export function jinjaString(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`
}

/** The select that fills a new marker table. */
export function markerSelect(owner: OwnerIdentity, createdAt: Date): string {
  const values: SchemaMarker = {
    repository: owner.repository,
    project: owner.project,
    pr: owner.pr === undefined ? '' : String(owner.pr),
    run_id: owner.pr === undefined ? (owner.runId ?? '') : '',
    created_at: createdAt.toISOString()
  }
  return `select ${MARKER_COLUMNS.map((c) => `cast(${sqlString(values[c])} as varchar(512)) as ${c}`).join(', ')}`
}
