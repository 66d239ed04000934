/**
 * Typed errors of the baseline modules. main.ts decides what each means for the run: every one
 * of them fails the step, but the message already says what to change.
 */
import type { DeferredEnv } from '../settings.js'

/** Base class of the baseline errors, so main.ts can tell them from programming errors. */
export class BaselineError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/** An input (or a file the action reads settings from) is missing or malformed. */
export class BaselineConfigError extends BaselineError {
  constructor(
    message: string,
    /** The input at fault, e.g. `dbt-cloud-account-id`. */
    readonly input: string
  ) {
    super(message)
  }
}

/** A service (dbt Cloud, a manifest URL, the file system) failed to answer usefully. */
export class BaselineServiceError extends BaselineError {
  constructor(
    message: string,
    /** HTTP status, when the failure was an HTTP answer. */
    readonly status?: number
  ) {
    super(message)
  }
}

/** The service refused the credentials (HTTP 401 or 403). */
export class BaselineAuthError extends BaselineServiceError {
  constructor(
    message: string,
    status: number,
    /** The input holding the credentials that were refused. */
    readonly input: string
  ) {
    super(message, status)
  }
}

/** A network call or the whole baseline search ran out of time. */
export class BaselineTimeoutError extends BaselineServiceError {
  constructor(
    message: string,
    /** The input that sets the limit that was hit, e.g. `http-idle-timeout`. */
    readonly input: string
  ) {
    super(message)
  }
}

/** The actions cache service failed (as opposed to holding no matching entry). */
export class CacheServiceError extends BaselineServiceError {}

/** The baseline file is not a usable dbt manifest of this project. */
export class ManifestCheckError extends BaselineError {
  constructor(
    message: string,
    /** Where the manifest came from, for the message. */
    readonly location: string
  ) {
    super(message)
  }
}

/** Staging was chosen and has no baseline. The action never falls back to production. */
export class NoStagingBaselineError extends BaselineError {
  constructor(
    message: string,
    /** Always staging; kept for symmetry with {@link NoBaselineError}. */
    readonly env: DeferredEnv,
    /** Where the source looked. */
    readonly searched: string[]
  ) {
    super(message)
  }
}

/** Production has no baseline and `if-no-baseline` is `fail`. */
export class NoBaselineError extends BaselineError {
  constructor(
    message: string,
    readonly env: DeferredEnv,
    /** Where the source looked. */
    readonly searched: string[]
  ) {
    super(message)
  }
}

export { messageOf } from '../errors.js'
