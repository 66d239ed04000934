import * as core from '@actions/core'
import { verdictOf } from './errors.js'
import { getInputs, readEventPayload } from './inputs.js'
import { createRedactor, type Redactor } from './secrets.js'
import type { Services } from './services.js'
import type { Settings } from './settings.js'

/**
 * Runs the mode the settings ask for. Each mode, and the services (Octokit, the cache client),
 * is loaded only once the inputs are read and valid: a run loads what its mode needs, and a bad
 * input is refused without loading the rest of the bundle.
 */
export async function runMode(settings: Settings, services: Services): Promise<void> {
  switch (settings.mode) {
    case 'build':
      return (await import('./modes/build.js')).build(settings, services)
    case 'publish':
      return (await import('./modes/publish.js')).publish(settings, services)
    case 'cleanup':
      return (await import('./modes/cleanup.js')).cleanup(settings, services)
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
    const { realServices } = await import('./services.js')
    const services = realServices(settings, readEventPayload(settings.context.eventPath), redactor)
    try {
      await runMode(settings, services)
    } finally {
      await services.dbt.close?.()
    }
  } catch (error) {
    settle(error, redactor)
  }
}
