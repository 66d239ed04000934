/**
 * The targets of the project's dbt profile as written in profiles.yml: literal schemas as they
 * are, templated ones as raw Jinja for the safety probe to render through dbt.
 */
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse } from 'yaml'
import { ActionError } from '../errors.js'

/** One output (target) of the profile. */
export interface ProfileTarget {
  /** The target's name. */
  name: string
  /** Its schema (or BigQuery `dataset`) when written literally. */
  schema?: string
  /** The raw value when it is Jinja (e.g. `{{ env_var('DBT_CI_SCHEMA') }}`) and so unknown here. */
  templated?: string
}

/** The targets of the project's profile, read from profiles.yml. */
export interface ProfileTargets {
  /** The profiles.yml read. */
  path: string
  /** The profile's name (dbt_project.yml `profile:`). */
  profile: string
  /** The profile's `target:` when written literally. */
  defaultTarget?: string
  /** Every output of the profile. */
  targets: ProfileTarget[]
}

const isTemplated = (value: string): boolean => /\{\{|\{%/.test(value)

function readTarget(name: string, output: unknown): ProfileTarget {
  const fields = (output ?? {}) as Record<string, unknown>
  const value = fields.schema ?? fields.dataset
  if (value === undefined || value === null) return { name }
  const text = String(value).trim()
  return isTemplated(text) ? { name, templated: text } : { name, schema: text }
}

/**
 * Reads the targets of `profile` from the text of a profiles.yml. Returns null when the file
 * has no such profile. Pure.
 */
export function parseProfileTargets(text: string, profile: string, path: string): ProfileTargets | null {
  const doc = (parse(text) ?? {}) as Record<string, unknown>
  const entry = doc[profile] as { target?: unknown; outputs?: Record<string, unknown> } | undefined
  if (!entry || typeof entry !== 'object') return null
  const outputs = entry.outputs && typeof entry.outputs === 'object' ? entry.outputs : {}
  const target = typeof entry.target === 'string' && !isTemplated(entry.target) ? entry.target.trim() : undefined
  return {
    path,
    profile,
    defaultTarget: target,
    targets: Object.entries(outputs).map(([name, output]) => readTarget(name, output))
  }
}

/** The `profile:` of dbt_project.yml, or undefined when it is missing or templated. */
export function projectProfileName(projectYaml: string): string | undefined {
  const doc = (parse(projectYaml) ?? {}) as Record<string, unknown>
  const name = typeof doc.profile === 'string' ? doc.profile.trim() : ''
  return name === '' || isTemplated(name) ? undefined : name
}

async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw err
  }
}

/** The profile could not be read: the safety check has no targets to compare with, so it refuses. */
export class ProfileUnreadableError extends ActionError {}

/**
 * Finds and reads the project's profile the way dbt looks it up: `profilesDir` when given,
 * else the project directory, else `<homeDir>/.dbt`. Throws ProfileUnreadableError when there is
 * none: without the other targets' schemas nothing proves the CI schema is not one of them.
 */
export async function loadProfileTargets(args: {
  projectDir: string
  profilesDir?: string
  homeDir: string
  profile?: string
}): Promise<ProfileTargets> {
  const projectFile = join(args.projectDir, 'dbt_project.yml')
  const profile = args.profile ?? (await profileFromProject(projectFile))
  if (!profile) {
    throw new ProfileUnreadableError(
      `The safety check needs the project's profile, but ${projectFile} has no literal 'profile:'. Write the profile name there as plain text.`
    )
  }
  const dirs = args.profilesDir ? [args.profilesDir] : [args.projectDir, join(args.homeDir, '.dbt')]
  for (const dir of dirs) {
    const path = join(dir, 'profiles.yml')
    const text = await readIfExists(path)
    if (text === undefined) continue
    const targets = parseOrRefuse(text, profile, path)
    if (targets) return targets
  }
  throw new ProfileUnreadableError(
    `The safety check needs profile '${profile}' to compare the CI schema with every target's schema, but no profiles.yml in ${dirs.join(', ')} has it. ` +
      `Set the input 'profiles-dir' to the directory of the profiles.yml dbt uses.`
  )
}

/** The `profile:` of dbt_project.yml, for a caller that has not read the project. */
async function profileFromProject(projectFile: string): Promise<string | undefined> {
  const projectYaml = await readIfExists(projectFile)
  return projectYaml === undefined ? undefined : projectProfileName(projectYaml)
}

function parseOrRefuse(text: string, profile: string, path: string): ProfileTargets | null {
  try {
    return parseProfileTargets(text, profile, path)
  } catch (error) {
    throw new ProfileUnreadableError(
      `${path} is not valid YAML (${error instanceof Error ? error.message.split('\n')[0] : String(error)}); the safety check cannot read its targets. Fix the file so dbt can read it too.`
    )
  }
}
