/**
 * Checks that a baseline file is a dbt manifest dbt can defer to, and that it belongs to this
 * project. dbt itself refuses a newer schema and upgrades older ones; the action says so before
 * dbt does, with a message that names the file's origin.
 */
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parse as parseYaml } from 'yaml'
import { baselineRelationProblem, relationProblem } from '../dbt/artifact-check.js'
import { entriesOf } from '../dbt/json-file.js'
import type { Manifest } from '../dbt/artifact-types.js'
import { engineLabel, parseDbtVersion } from '../dbt/engine.js'
import { BaselineConfigError, ManifestCheckError, messageOf } from './errors.js'

/** The manifest schema dbt 1.8 through 1.12 write and read. */
export const SUPPORTED_MANIFEST_VERSION = 12
/** The oldest manifest schema dbt still upgrades when reading state. */
export const OLDEST_MANIFEST_VERSION = 4

const schemaPattern = /\/dbt\/([a-z_-]+)\/v(\d+)\.json$/

/** What checking a manifest found. */
export interface ManifestCheck {
  /** The parsed manifest (unknown keys kept). */
  manifest: Manifest
  /** Schema version number, e.g. 12. */
  schemaVersion: number
  /** `metadata.dbt_version`, when present. */
  dbtVersion?: string
  /** `metadata.generated_at`, when present. */
  generatedAt?: string
  /** Remarks worth a log line (older schema, project not checkable). */
  notes: string[]
}

/** What the manifest must match. */
export interface ManifestExpectation {
  /** The `name` of this project's dbt_project.yml. */
  projectName: string
}

/**
 * Checks a manifest given as JSON text or as an already parsed value. Throws
 * {@link ManifestCheckError} naming `location` when it is not usable.
 */
export function checkManifest(input: string | unknown, expected: ManifestExpectation, location = 'the baseline manifest'): ManifestCheck {
  const value = typeof input === 'string' ? parseJson(input, location) : input
  const metadata = metadataOf(value, location)
  const { version, note } = schemaVersionOf(metadata.dbt_schema_version, location, stringOrUndefined(metadata.dbt_version))
  checkShape(value as Record<string, unknown>, metadata, location)
  const notes = note ? [note] : []
  const projectNote = checkProject(metadata, expected.projectName, location)
  if (projectNote) notes.push(projectNote)
  return {
    manifest: value as Manifest,
    schemaVersion: version,
    dbtVersion: stringOrUndefined(metadata.dbt_version),
    generatedAt: stringOrUndefined(metadata.generated_at),
    notes
  }
}

/** Reads and checks a manifest file. */
export async function checkManifestFile(path: string, expected: ManifestExpectation, location = path): Promise<ManifestCheck> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (error) {
    throw new ManifestCheckError(`Could not read the baseline manifest from ${location} (${path}): ${messageOf(error)}`, location)
  }
  return checkManifest(text, expected, location)
}

/** dbt's `project_id`: the md5 hex digest of the project name. */
export function projectIdOf(projectName: string): string {
  return createHash('md5').update(projectName).digest('hex')
}

/** Reads the project `name` from `<projectDir>/dbt_project.yml`. */
export async function projectNameFromDbtProject(projectDir: string): Promise<string> {
  const file = join(projectDir, 'dbt_project.yml')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new BaselineConfigError(
      `No readable dbt_project.yml in '${projectDir}' (${messageOf(error)}). Set the input \`project-dir\` to the directory of the dbt project, relative to the workspace.`,
      'project-dir'
    )
  }
  const name = nameFromYaml(text, file)
  if (!name) {
    throw new BaselineConfigError(`${file} has no \`name:\`; dbt needs one. Add \`name: <project name>\` to it.`, 'project-dir')
  }
  return name
}

function nameFromYaml(text: string, file: string): string | undefined {
  try {
    const doc = parseYaml(text) as { name?: unknown } | null
    return typeof doc?.name === 'string' && doc.name.trim() ? doc.name.trim() : undefined
  } catch (error) {
    throw new BaselineConfigError(`${file} is not valid YAML: ${messageOf(error)}. Fix it so dbt can read it too.`, 'project-dir')
  }
}

function parseJson(text: string, location: string): unknown {
  try {
    return JSON.parse(text)
  } catch (error) {
    throw new ManifestCheckError(
      `The baseline manifest from ${location} is not valid JSON: ${messageOf(error)}${whereInText(text, messageOf(error))}. ` +
        'It may be truncated or not a manifest at all; publish target/manifest.json of a successful deploy run again.',
      location
    )
  }
}

/** " (line L, column C)" for a JSON error that names a position but no line. */
function whereInText(text: string, message: string): string {
  const position = /position (\d+)/.exec(message)
  if (!position || /line \d+/.test(message)) return ''
  const before = text.slice(0, Number(position[1]))
  const line = before.split('\n').length
  const column = before.length - before.lastIndexOf('\n')
  return ` (line ${line}, column ${column})`
}

function metadataOf(value: unknown, location: string): Record<string, unknown> {
  const metadata = isRecord(value) ? value.metadata : undefined
  if (!isRecord(metadata) || typeof metadata.dbt_schema_version !== 'string') {
    const found =
      isRecord(metadata) && metadata.dbt_schema_version !== undefined ? ` string (it is ${kind(metadata.dbt_schema_version)})` : ''
    throw new ManifestCheckError(
      `The baseline file from ${location} is not a dbt manifest: it has no \`metadata.dbt_schema_version\`${found}. ` +
        "Publish dbt's target/manifest.json (written by dbt build, run or compile).",
      location
    )
  }
  return metadata
}

const REPUBLISH =
  'dbt cannot defer to it; the file may be truncated, edited or written by another tool. Publish target/manifest.json of a successful dbt build, run or compile again.'
const METADATA_STRINGS = ['dbt_version', 'generated_at', 'invocation_id', 'project_name', 'project_id', 'adapter_type']

/** The fields the action and dbt read: caught here with the field's name rather than as dbt's traceback. */
function checkShape(manifest: Record<string, unknown>, metadata: Record<string, unknown>, location: string): void {
  for (const field of METADATA_STRINGS) {
    const value = metadata[field]
    if (value !== undefined && value !== null && typeof value !== 'string')
      throw shapeError(location, `\`metadata.${field}\` is ${kind(value)}, not a string`)
  }
  for (const field of ['nodes', 'sources']) {
    if (!isRecord(manifest[field]))
      throw shapeError(
        location,
        `\`${field}\` is ${manifest[field] === undefined ? 'missing' : kind(manifest[field])}; it must be an object`
      )
  }
  for (const field of ['parent_map', 'child_map']) {
    const value = manifest[field]
    if (value !== undefined && value !== null && !isRecord(value))
      throw shapeError(location, `\`${field}\` is ${kind(value)}; when present it must be an object`)
  }
  // One pass over the nodes: a big baseline's are read from its file one at a time.
  for (const [key, node] of entriesOf(manifest.nodes as object)) {
    checkNode(key, node, location)
    const relation = relationProblem(node, `nodes[${JSON.stringify(key)}]`)
    if (relation) throw shapeError(location, `\`${relation.field}\` ${relation.what}`)
  }
  const relation = baselineRelationProblem(manifest, ['sources'])
  if (relation) throw shapeError(location, `\`${relation.field}\` ${relation.what}`)
}

function checkNode(key: string, node: unknown, location: string): void {
  if (!isRecord(node)) throw shapeError(location, `\`nodes["${key}"]\` is ${kind(node)}, not an object`)
  for (const field of ['unique_id', 'resource_type']) {
    if (typeof node[field] !== 'string') {
      throw shapeError(
        location,
        `\`nodes["${key}"].${field}\` is ${node[field] === undefined ? 'missing' : kind(node[field])}; it must be a string`
      )
    }
  }
}

function shapeError(location: string, what: string): ManifestCheckError {
  return new ManifestCheckError(`The baseline manifest from ${location} is not a usable dbt manifest: ${what}. ${REPUBLISH}`, location)
}

/** The JSON type of a value, for messages. */
function kind(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`
}

function schemaVersionOf(url: unknown, location: string, dbtVersion?: string): { version: number; note?: string } {
  const supported = `manifest v${SUPPORTED_MANIFEST_VERSION} (dbt 1.8 to 1.12; v${OLDEST_MANIFEST_VERSION} to v${SUPPORTED_MANIFEST_VERSION - 1} are upgraded by dbt)`
  const match = schemaPattern.exec(String(url))
  if (!match) {
    throw new ManifestCheckError(
      `The baseline file from ${location} has schema '${String(url)}', which is not a dbt manifest schema; the action reads ${supported}.`,
      location
    )
  }
  const [, kind, digits] = match
  const version = Number(digits)
  if (kind !== 'manifest') {
    throw new ManifestCheckError(
      `The baseline file from ${location} is a dbt ${kind} file (${kind} v${version}), not a manifest; the action reads ${supported}. Publish target/manifest.json, not ${kind}.json.`,
      location
    )
  }
  if (version > SUPPORTED_MANIFEST_VERSION) throw newerSchema(location, version, dbtVersion)
  if (version < OLDEST_MANIFEST_VERSION) {
    throw new ManifestCheckError(
      `The baseline manifest from ${location} has schema manifest v${version}, too old for dbt to read; the action reads ${supported}. Deploy once with a current dbt.`,
      location
    )
  }
  if (version < SUPPORTED_MANIFEST_VERSION) {
    return {
      version,
      note: `The baseline manifest has schema manifest v${version}; dbt upgrades it to v${SUPPORTED_MANIFEST_VERSION} when reading it.`
    }
  }
  return { version }
}

/** A manifest schema newer than v12: dbt-core 1.8 to 1.12 refuse it, and so does the action. */
function newerSchema(location: string, version: number, dbtVersion?: string): ManifestCheckError {
  const writer = parseDbtVersion(dbtVersion)
  const by = writer ? `, written by ${engineLabel(writer)}` : ''
  const fix =
    writer?.engine === 'dbt-fusion'
      ? `Deploy with dbt Fusion 2.0.0-preview.98 or newer (which writes manifest v${SUPPORTED_MANIFEST_VERSION}), or with dbt-core.`
      : writer
        ? `Install dbt-core>=${writer.major}.${writer.minor} in CI (the deploy's version) and a release of the action that reads manifest v${version}.`
        : 'Run the same dbt version in CI as in the deploy, or update the action.'
  return new ManifestCheckError(
    `The baseline manifest from ${location} has schema manifest v${version}${by}, newer than manifest v${SUPPORTED_MANIFEST_VERSION}, the newest that dbt-core 1.8 to 1.12 and this action read; dbt would refuse it. ${fix}`,
    location
  )
}

function checkProject(metadata: Record<string, unknown>, projectName: string, location: string): string | undefined {
  const name = stringOrUndefined(metadata.project_name)
  const id = stringOrUndefined(metadata.project_id)
  if (name !== undefined) {
    if (name !== projectName) throw projectMismatch(location, `dbt project '${name}'`, projectName)
    return undefined
  }
  if (id !== undefined) {
    if (id !== projectIdOf(projectName)) throw projectMismatch(location, `another dbt project (project_id ${id})`, projectName)
    return undefined
  }
  return `The baseline manifest from ${location} names no project (no project_name or project_id); it is assumed to be '${projectName}'.`
}

function projectMismatch(location: string, found: string, expected: string): ManifestCheckError {
  return new ManifestCheckError(
    `The baseline manifest from ${location} belongs to ${found}, but this project is '${expected}'. ` +
      'Point the baseline source at the deploy of this project (check `project-dir` and the source inputs).',
    location
  )
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined
}
