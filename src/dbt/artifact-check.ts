/**
 * Checks the fields of dbt's artifacts that the resolution analysis and the report read. The
 * files come from outside the action (this run's dbt wrote them, a deploy wrote the baseline),
 * so a field of the wrong type is caught here, once, with its name, instead of as a TypeError
 * deep inside the report. Keys the action does not read are never looked at, and kept.
 */
import { ActionError } from '../errors.js'
import type { Manifest, RunResults } from './artifact-types.js'
import { entriesOf } from './json-file.js'

/** An artifact lacks a field the action reads, or holds it with the wrong type. */
export class ArtifactCheckError extends ActionError {
  constructor(
    /** The file, e.g. `run_results.json`. */
    readonly file: string,
    /** The field at fault, as a path, e.g. `results[3].status`. */
    readonly field: string,
    what: string
  ) {
    super(`${file} is not usable: \`${field}\` ${what}. It may be truncated, edited or written by an unsupported dbt version.`)
  }
}

/** A field that is not what the action reads: its path and what is wrong with it. */
export interface FieldProblem {
  /** The path of the field, e.g. `nodes["model.shop.orders"].relation_name`. */
  field: string
  /** What is wrong, e.g. `is a number; it must be a string or null`. */
  what: string
}

/** The JSON types a field may have; `missing` is an absent key. */
type Kind = 'string' | 'number' | 'boolean' | 'null' | 'missing' | 'object' | 'array'

const OPTIONAL_STRING: readonly Kind[] = ['string', 'null', 'missing']
const OPTIONAL_OBJECT: readonly Kind[] = ['object', 'null', 'missing']

/** What the analysis reads of each entry of `nodes`, `sources` and `unit_tests`. */
const NODE_FIELDS: ReadonlyArray<[string, readonly Kind[]]> = [
  ['unique_id', ['string']],
  ['resource_type', ['string']],
  ['name', ['string']],
  ['relation_name', OPTIONAL_STRING],
  ['original_file_path', OPTIONAL_STRING],
  ['alias', OPTIONAL_STRING],
  ['version', ['string', 'number', 'null', 'missing']],
  ['config', OPTIONAL_OBJECT],
  ['depends_on', OPTIONAL_OBJECT]
]

/** What the analysis and the report read of each result. */
const RESULT_FIELDS: ReadonlyArray<[string, readonly Kind[]]> = [
  ['unique_id', ['string']],
  ['status', ['string']],
  ['message', OPTIONAL_STRING],
  ['relation_name', OPTIONAL_STRING]
]

/** The JSON type of a value. */
export function kindOf(value: unknown): Kind {
  if (value === undefined) return 'missing'
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'array'
  const type = typeof value
  return type === 'string' || type === 'number' || type === 'boolean' ? type : 'object'
}

function describe(kind: Kind): string {
  if (kind === 'missing' || kind === 'null') return kind
  return kind === 'array' || kind === 'object' ? `an ${kind}` : `a ${kind}`
}

function accepted(kinds: readonly Kind[]): string {
  const named = kinds.filter((k) => k !== 'missing').map(describe)
  const list = named.length > 1 ? `${named.slice(0, -1).join(', ')} or ${named[named.length - 1]}` : named[0]
  return kinds.includes('missing') ? `when present it must be ${list}` : `it must be ${list}`
}

/** A problem when `value` is none of `kinds`. */
function expectKind(value: unknown, field: string, kinds: readonly Kind[]): FieldProblem | undefined {
  const kind = kindOf(value)
  return kinds.includes(kind) ? undefined : { field, what: `is ${describe(kind)}; ${accepted(kinds)}` }
}

/** The value of an own key (never one inherited from Object.prototype, such as `constructor`). */
export function ownValue(record: unknown, key: string): unknown {
  return kindOf(record) === 'object' && Object.hasOwn(record as object, key) ? (record as Record<string, unknown>)[key] : undefined
}

function firstProblem<T>(items: Iterable<T>, check: (item: T) => FieldProblem | undefined): FieldProblem | undefined {
  for (const item of items) {
    const problem = check(item)
    if (problem) return problem
  }
  return undefined
}

/** The first problem of one node (or source, or unit test) `path` of a manifest. */
function nodeProblem(node: unknown, path: string): FieldProblem | undefined {
  const shape = expectKind(node, path, ['object'])
  if (shape) return shape
  const field = firstProblem(NODE_FIELDS, ([key, kinds]) => expectKind(ownValue(node, key), `${path}.${key}`, kinds))
  if (field) return field
  const parents = ownValue(ownValue(node, 'depends_on'), 'nodes')
  const list = expectKind(parents, `${path}.depends_on.nodes`, ['array', 'missing'])
  if (list || parents === undefined) return list
  return firstProblem((parents as unknown[]).entries(), ([n, id]) => expectKind(id, `${path}.depends_on.nodes[${n}]`, ['string']))
}

/** The first problem of the entries of one section (`nodes`, `sources`, `unit_tests`). */
function sectionProblem(manifest: unknown, section: string, entry: (node: unknown, path: string) => FieldProblem | undefined) {
  const entries = ownValue(manifest, section)
  if (kindOf(entries) !== 'object') return undefined
  return firstProblem(entriesOf(entries as object), ([key, node]) => entry(node, `${section}[${JSON.stringify(key)}]`))
}

/**
 * The first field of a manifest that the analysis would misread, or undefined. `nodes` must be
 * an object; `sources` and `unit_tests` may be absent; every entry is checked field by field.
 */
export function manifestProblem(manifest: unknown): FieldProblem | undefined {
  const root = expectKind(manifest, '(the whole file)', ['object'])
  if (root) return root
  const sections: Array<[string, readonly Kind[]]> = [
    ['metadata', OPTIONAL_OBJECT],
    ['nodes', ['object']],
    ['sources', OPTIONAL_OBJECT],
    ['unit_tests', OPTIONAL_OBJECT]
  ]
  return (
    firstProblem(sections, ([key, kinds]) => expectKind(ownValue(manifest, key), key, kinds)) ??
    expectKind(ownValue(ownValue(manifest, 'metadata'), 'dbt_version'), 'metadata.dbt_version', OPTIONAL_STRING) ??
    firstProblem(['nodes', 'sources', 'unit_tests'], (section) => sectionProblem(manifest, section, nodeProblem))
  )
}

/**
 * The first problem of the relation names of a baseline manifest: all the analysis reads of it
 * (besides the entries being objects, which the baseline check asks already).
 */
export function baselineRelationProblem(manifest: unknown, sections: readonly string[] = ['nodes', 'sources']): FieldProblem | undefined {
  return firstProblem(sections, (section) => sectionProblem(manifest, section, relationProblem))
}

/** The problem of one baseline entry's relation name, at `path` (e.g. `nodes["model.p.a"]`), or undefined. */
export function relationProblem(node: unknown, path: string): FieldProblem | undefined {
  return expectKind(node, path, ['object']) ?? expectKind(ownValue(node, 'relation_name'), `${path}.relation_name`, OPTIONAL_STRING)
}

/** The first field of run_results.json that the analysis or the report would misread, or undefined. */
export function runResultsProblem(runResults: unknown): FieldProblem | undefined {
  const root = expectKind(runResults, '(the whole file)', ['object'])
  if (root) return root
  const metadata = ownValue(runResults, 'metadata')
  const results = ownValue(runResults, 'results')
  const head =
    expectKind(metadata, 'metadata', OPTIONAL_OBJECT) ??
    expectKind(ownValue(metadata, 'dbt_version'), 'metadata.dbt_version', OPTIONAL_STRING) ??
    expectKind(ownValue(runResults, 'args'), 'args', OPTIONAL_OBJECT) ??
    expectKind(results, 'results', ['array'])
  if (head) return head
  return firstProblem((results as unknown[]).entries(), ([n, result]) => {
    const path = `results[${n}]`
    return (
      expectKind(result, path, ['object']) ??
      firstProblem(RESULT_FIELDS, ([key, kinds]) => expectKind(ownValue(result, key), `${path}.${key}`, kinds))
    )
  })
}

/** This run's manifest.json, checked: throws {@link ArtifactCheckError} naming the first bad field. */
export function checkRunManifest(value: unknown, file = 'manifest.json'): Manifest {
  const problem = manifestProblem(value)
  if (problem) throw new ArtifactCheckError(file, problem.field, problem.what)
  return value as Manifest
}

/** This run's run_results.json, checked: throws {@link ArtifactCheckError} naming the first bad field. */
export function checkRunResults(value: unknown, file = 'run_results.json'): RunResults {
  const problem = runResultsProblem(value)
  if (problem) throw new ArtifactCheckError(file, problem.field, problem.what)
  return value as RunResults
}
