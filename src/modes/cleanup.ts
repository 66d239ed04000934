/**
 * The cleanup mode (`pull_request: closed`): drop the pull request's CI schemas, and only those
 * the safety check proves are the run's own (the ownership marker for this PR, and not a schema
 * of any deployed environment). Missing evidence refuses the drop.
 */
import { Input, Output } from '../constants.js'
import { ActionError } from '../errors.js'
import { gatherBaselineEvidence, prepareRun, safetyDeps } from '../run/prepare.js'
import { dropOwnedSchemas } from '../safety/step.js'
import type { Services } from '../services.js'
import type { Settings } from '../settings.js'
import { installPackages } from './build.js'

/** The cleanup mode. */
export async function cleanup(settings: Settings, services: Services): Promise<void> {
  const facts = await prepareRun(settings, services)
  if (!facts.ciSchema) {
    throw new ActionError(
      `mode: cleanup needs a CI schema to drop, but the input '${Input.CiSchema}' is empty. Set it to the template the builds use.`,
      { input: Input.CiSchema }
    )
  }
  const safety = await safetyDeps(settings, services, facts, await gatherBaselineEvidence(settings, services, facts))
  // The safety probe parses the project, which needs its packages.
  await installPackages(settings, facts)
  await dropOwnedSchemas(safety, 'drop')
  services.outputs.set(Output.Success, true)
}
