/**
 * Which one environment an invocation defers to. Like dbt Cloud: staging when one is
 * configured, else production; and never both. Once chosen, a missing staging baseline is an
 * error, not a reason to try production.
 */
import type { DeferEnvChoice, DeferredEnv } from '../settings.js'
import type { BaselineSource } from './types.js'

/** The decision itself: `auto` picks staging exactly when staging is configured. */
export function decideEnv(choice: DeferEnvChoice, stagingConfigured: boolean): DeferredEnv {
  if (choice === 'auto') return stagingConfigured ? 'staging' : 'production'
  return choice
}

/** The environment of this invocation; asks the source only when the choice is `auto`. */
export async function chooseEnv(choice: DeferEnvChoice, source: Pick<BaselineSource, 'stagingConfigured'>): Promise<DeferredEnv> {
  if (choice !== 'auto') return choice
  return decideEnv(choice, await source.stagingConfigured())
}
