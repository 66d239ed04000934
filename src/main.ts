import * as core from '@actions/core'
import { build } from './build.js'
import { cleanup } from './cleanup.js'
import { getInputs, processEnvironment, readEventPayload } from './inputs.js'
import { publish } from './publish.js'
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

/** The action's entry: read inputs once, run, and turn any error into the step's failure. */
export async function run(): Promise<void> {
  try {
    const settings = getInputs()
    const services = realServices(settings, processEnvironment(), readEventPayload(settings.context.eventPath))
    await runMode(settings, services)
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error))
    if (err.stack) core.debug(err.stack)
    core.setFailed(err.message)
  }
}
