import * as core from '@actions/core'
import { verdictOf } from './errors.js'
import { getInputs, readEventPayload } from './inputs.js'
import { build } from './modes/build.js'
import { cleanup } from './modes/cleanup.js'
import { publish } from './modes/publish.js'
import { createRedactor, type Redactor } from './secrets.js'
import { realServices, type Services } from './services.js'
import type { Settings } from './settings.js'

/** Runs the mode the settings ask for. */
export async function runMode(settings: Settings, services: Services): Promise<void> {
  switch (settings.mode) {
    case 'build':
      return build(settings, services)
    case 'publish':
      return publish(settings, services)
    case 'cleanup':
      return cleanup(settings, services)
  }
}

/** Decides, in this one place, what a thrown value does to the step. */
export function settle(error: unknown, redactor: Redactor): void {
  const verdict = verdictOf(error)
  if (!verdict.expected && error instanceof Error && error.stack) core.debug(redactor.scrub(error.stack))
  const message = redactor.scrub(verdict.message)
  if (verdict.severity === 'warn') core.warning(message)
  else core.setFailed(message)
}

/** The action's entry: read inputs once, run the mode, and settle any error. */
export async function run(): Promise<void> {
  let redactor = createRedactor([])
  try {
    const settings = getInputs()
    redactor = createRedactor(settings.secrets)
    await runMode(settings, realServices(settings, readEventPayload(settings.context.eventPath), redactor))
  } catch (error) {
    settle(error, redactor)
  }
}
