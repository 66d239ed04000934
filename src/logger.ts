import * as core from '@actions/core'

/** Where modules write their log lines; the job log in the action, an array in tests. */
export interface Logger {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
}

/** The job log. */
export const coreLogger: Logger = {
  info: (m) => core.info(m),
  warning: (m) => core.warning(m),
  debug: (m) => core.debug(m)
}
