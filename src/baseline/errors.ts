/**
 * Typed errors of the baseline modules. They are ActionErrors: main.ts decides from their fields
 * what each means for the run (every one of them fails the step), and the message already says
 * what to change.
 */
import { ActionError } from '../errors.js'
import type { DeferredEnv } from '../settings.js'

/** Base class of the baseline errors. */
export class BaselineError extends ActionError {
  constructor(message: string, input?: string) {
    super(message, { input })
  }
}

/** An input (or a file the action reads settings from) is missing or malformed. */
export class BaselineConfigError extends BaselineError {
  /** @param input the input at fault, e.g. `dbt-cloud-account-id`. */
  constructor(message: string, input: string) {
    super(message, input)
  }
}

/** A service (dbt Cloud, a manifest URL, the file system) failed to answer usefully. */
export class BaselineServiceError extends BaselineError {
  constructor(
    message: string,
    /** HTTP status, when the failure was an HTTP answer. */
    readonly status?: number,
    input?: string
  ) {
    super(message, input)
  }
}

/** The service refused the credentials (HTTP 401 or 403). */
export class BaselineAuthError extends BaselineServiceError {
  /** @param input the input holding the credentials that were refused. */
  constructor(message: string, status: number, input: string) {
    super(message, status, input)
  }
}

/** A network call or the whole baseline search ran out of time. */
export class BaselineTimeoutError extends BaselineServiceError {
  /** @param input the input that sets the limit that was hit, e.g. `http-idle-timeout`. */
  constructor(message: string, input: string) {
    super(message, undefined, input)
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
