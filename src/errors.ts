/**
 * The action's one error model. Every error the action expects and explains is an ActionError;
 * its fields decide, in main.ts alone, what the step does with it:
 * - `severity: 'fail'` fails the step with the message (bad input, unsafe target, dbt failed);
 * - `severity: 'warn'` writes a warning and lets the step's other result stand (a report that
 *   could not be posted, a cleanup that had nothing to do).
 * Anything else that is thrown is a defect of the action: it fails the step with a short message
 * that says so, and the stack goes to the debug log only.
 */

/** What an error does to the step. */
export type Severity = 'fail' | 'warn'

/** Base class of the errors the action expects and explains. */
export class ActionError extends Error {
  /** What the step does with this error. */
  readonly severity: Severity
  /** The input at fault, when one is. */
  readonly input?: string

  constructor(message: string, options: { severity?: Severity; input?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause })
    this.name = new.target.name
    this.severity = options.severity ?? 'fail'
    this.input = options.input
  }
}

/** An input has a value the action cannot use. */
export class InputError extends ActionError {
  constructor(
    input: string,
    readonly value: string,
    accepted: string
  ) {
    super(`Invalid value for input '${input}': '${value}'. ${accepted}`, { input })
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

/** How main.ts treats a thrown value: fail or warn, with which message. */
export function verdictOf(error: unknown): { severity: Severity; message: string; expected: boolean } {
  if (error instanceof ActionError) return { severity: error.severity, message: error.message, expected: true }
  return {
    severity: 'fail',
    message: `Unexpected error in dbt-defer-action: ${messageOf(error)}. Re-run with debug logging (ACTIONS_STEP_DEBUG) for the stack, and report it.`,
    expected: false
  }
}
