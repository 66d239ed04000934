/**
 * Typed errors. main.ts decides severity from the type in one place: every ActionError fails the
 * step with its message; anything else is reported as an unexpected error.
 */

/** Base class of the errors the action expects and explains. */
export class ActionError extends Error {
  constructor(message: string) {
    super(message)
    this.name = new.target.name
  }
}

/** An input has a value the action cannot use. */
export class InputError extends ActionError {
  constructor(
    readonly input: string,
    readonly value: string,
    accepted: string
  ) {
    super(`Invalid value for input '${input}': '${value}'. ${accepted}`)
  }
}

/** Something the action needs on the machine or in the workspace is missing. */
export class SetupError extends ActionError {}

/** dbt ran and failed (the summary has been written before this is thrown). */
export class DbtFailedError extends ActionError {
  constructor(
    readonly exitCode: number,
    message: string
  ) {
    super(message)
  }
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
