import * as core from '@actions/core'

/** The action's orchestration. */
export async function run(): Promise<void> {
  core.info('dbt-defer-action')
}
