import type { DbtSettings } from '../../src/settings.js'

/** dbt settings as the action's defaults make them, with the given fields changed. */
export function dbtSettings(overrides: Partial<DbtSettings> = {}): DbtSettings {
  return {
    executable: 'dbt',
    projectDir: '/ws/project',
    command: 'build',
    select: ['state:modified'],
    exclude: [],
    defer: true,
    favorState: false,
    extraArgs: [],
    deps: 'auto',
    cloneIncremental: false,
    parseCache: false,
    env: {},
    ...overrides
  }
}
