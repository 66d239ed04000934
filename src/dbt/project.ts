import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { isAbsolute, join } from 'node:path'
import { parse } from 'yaml'
import { messageOf, SetupError } from '../errors.js'

/** What the action needs to know of a dbt project's own configuration. */
export interface DbtProject {
  /** `name` in dbt_project.yml (the manifest's metadata.project_name). */
  name: string
  /** Absolute path of the directory dbt writes its artifacts to. */
  targetDir: string
  /** Whether packages.yml or dependencies.yml declares packages that are not installed. */
  packagesMissing: boolean
  /** `profile:`, when written as plain text (a templated one is left to dbt). */
  profile?: string
}

function readYaml(file: string): Record<string, unknown> {
  try {
    const parsed: unknown = parse(readFileSync(file, 'utf8'))
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {}
  } catch (error) {
    throw new SetupError(`Could not read ${file}: ${messageOf(error)}. Fix the YAML so dbt can parse it too.`)
  }
}

function declaredPackages(projectDir: string): number {
  let count = 0
  for (const file of ['packages.yml', 'dependencies.yml']) {
    const path = join(projectDir, file)
    if (!existsSync(path)) continue
    const packages = readYaml(path).packages
    if (Array.isArray(packages)) count += packages.length
  }
  return count
}

function absolute(projectDir: string, path: string): string {
  return isAbsolute(path) ? path : join(projectDir, path)
}

/**
 * Reads dbt_project.yml. `targetPathOverride` is DBT_TARGET_PATH when set (dbt gives the
 * environment variable precedence over the file).
 */
export function readDbtProject(projectDir: string, targetPathOverride?: string): DbtProject {
  const config = readYaml(join(projectDir, 'dbt_project.yml'))
  const name = typeof config.name === 'string' ? config.name : ''
  if (!name) throw new SetupError(`${join(projectDir, 'dbt_project.yml')} has no 'name'; dbt needs one too.`)
  const targetPath = targetPathOverride || (typeof config['target-path'] === 'string' ? config['target-path'] : 'target')
  const installPath = typeof config['packages-install-path'] === 'string' ? config['packages-install-path'] : 'dbt_packages'
  const installDir = absolute(projectDir, installPath)
  const installed = existsSync(installDir) && readdirSync(installDir).length > 0
  const profile = typeof config.profile === 'string' && !/\{\{|\{%/.test(config.profile) ? config.profile.trim() || undefined : undefined
  return { name, targetDir: absolute(projectDir, targetPath), packagesMissing: declaredPackages(projectDir) > 0 && !installed, profile }
}
