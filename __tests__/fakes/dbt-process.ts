import { randomUUID } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { parse } from 'yaml'
import type { Manifest, RunResults } from '../../src/dbt/artifact-types.js'
import type { DbtExit, DbtProcess } from '../../src/dbt/process.js'
import type { ProbeManifest } from '../../src/safety/check.js'
import { repoRoot } from '../helpers/paths.js'

/** Where `npm run fixtures` records a real slim CI run of the example project. */
export const recordedDir = join(repoRoot, '__tests__', 'fixtures', 'recorded')

/** The placeholder the recorded artifacts hold where the recorded run's project directory was. */
export const PROJECT_DIR_PLACEHOLDER = '{{PROJECT_DIR}}'

/** The artifacts of the recorded run (parsed once; never mutate them, copy first). */
export interface RecordedArtifacts {
  /** The production manifest the CI build deferred to. */
  baselineManifest: Manifest
  /** The CI build's manifest and run results. */
  manifest: Manifest
  runResults: RunResults
}

let recorded: RecordedArtifacts | undefined

function readRecorded<T>(relative: string): T {
  return JSON.parse(readFileSync(join(recordedDir, relative), 'utf8')) as T
}

/** The recorded run's artifacts, read on first use. */
export function recordedArtifacts(): RecordedArtifacts {
  recorded ??= {
    baselineManifest: readRecorded<Manifest>('baseline/manifest.json'),
    manifest: readRecorded<Manifest>('ci/manifest.json'),
    runResults: readRecorded<RunResults>('ci/run_results.json')
  }
  return recorded
}

/**
 * What the probe's Jinja (probe.ts) keeps of a manifest: the check's fields of the first node of
 * each schema a materialised node writes to, and of the first source of each schema, in order.
 */
export function probeManifestOf(m: Manifest): ProbeManifest {
  const writing = ['model', 'seed', 'snapshot', 'test', 'function']
  const nodes: ProbeManifest['nodes'] = {}
  const sources: NonNullable<ProbeManifest['sources']> = {}
  const seen = new Set<unknown>()
  for (const n of Object.values(m.nodes)) {
    if (!writing.includes(n.resource_type) || n.config?.materialized === 'ephemeral' || !n.schema || seen.has(n.schema)) continue
    seen.add(n.schema)
    nodes[n.unique_id] = {
      unique_id: n.unique_id,
      resource_type: n.resource_type,
      schema: n.schema,
      config: { materialized: n.config?.materialized }
    }
  }
  seen.clear()
  for (const s of Object.values(m.sources ?? {})) {
    if (seen.has(s.schema)) continue
    seen.add(s.schema)
    sources[s.unique_id] = { unique_id: s.unique_id, name: s.name, source_name: s.source_name, schema: s.schema }
  }
  return { metadata: { dbt_version: m.metadata.dbt_version }, nodes, sources }
}

/** One invocation the fake received. */
export interface FakeDbtCall {
  args: string[]
  cwd: string
  env: Record<string, string>
  /** The dbt command (`build`, `deps`, `compile`, ...), or '' when the argv names none. */
  command: string
  /** Absolute project directory (`--project-dir`, else cwd). */
  projectDir: string
  /** Absolute directory the invocation's artifacts go to. */
  targetDir: string
}

/**
 * What one invocation does. `files` maps names inside the target directory to their content:
 * an object is written as JSON (for manifest.json and run_results.json with fresh metadata),
 * a string as is, and null suppresses a file the command would write by default.
 */
export interface FakeDbtReply {
  exitCode?: number
  output?: string
  files?: Record<string, object | string | null>
  /** Write the artifacts' metadata as given, e.g. to imitate a file left by an earlier run. */
  keepMetadata?: boolean
}

/** Options of the fake. */
export interface FakeDbtOptions {
  /** Exit code of every call no reply overrides (default 0). */
  exitCode?: number
  /** Artifacts written by default (default: the recorded CI run's). */
  manifest?: object
  runResults?: object
  /** Behaviour per call; return undefined to keep the default for that call. */
  script?: (call: FakeDbtCall) => FakeDbtReply | undefined
  /** The clock of `metadata.generated_at` (default: the real one). */
  now?: () => Date
}

/** A DbtProcess that writes recorded artifacts instead of running dbt, and remembers every call. */
export interface FakeDbtProcess extends DbtProcess {
  /** Every call received, in order. */
  readonly calls: FakeDbtCall[]
  /** The command of each call, in order (`['deps', 'clone', 'build']`). */
  commands(): string[]
  /** Replies for the next calls, one each, taken before `script`. */
  enqueue(...replies: FakeDbtReply[]): void
}

const COMMANDS = new Set(
  'build run test compile seed snapshot clone show retry parse ls list deps debug clean docs source run-operation init'.split(' ')
)
/** Commands after which dbt has written both manifest.json and run_results.json. */
const WRITES_RESULTS = new Set(['build', 'run', 'test', 'compile', 'seed', 'snapshot', 'clone', 'show', 'retry'])
/** Commands that write manifest.json alone. */
const WRITES_MANIFEST = new Set(['parse', 'ls', 'list'])
/** The artifacts whose metadata says which invocation wrote them. */
const STAMPED = new Set(['manifest.json', 'run_results.json'])

/** The value of `--flag X` or `--flag=X`, the last one winning as in dbt's CLI. */
export function flagValue(args: string[], flag: string): string | undefined {
  let value: string | undefined
  args.forEach((arg, i) => {
    if (arg === flag && i + 1 < args.length) value = args[i + 1]
    else if (arg.startsWith(`${flag}=`)) value = arg.slice(flag.length + 1)
  })
  return value
}

function projectTargetPath(projectDir: string): string | undefined {
  const file = join(projectDir, 'dbt_project.yml')
  if (!existsSync(file)) return undefined
  const config = parse(readFileSync(file, 'utf8')) as Record<string, unknown> | null
  return typeof config?.['target-path'] === 'string' ? config['target-path'] : undefined
}

/**
 * Reads the call as dbt would: the project from `--project-dir` (relative to cwd), the target
 * path from `--target-path`, DBT_TARGET_PATH, dbt_project.yml, else `target`, relative to the
 * project directory (dbt joins it to the project root; absolute paths stand).
 */
export function describeCall(args: string[], opts: { cwd: string; env: Record<string, string> }): FakeDbtCall {
  const projectDir = resolve(opts.cwd, flagValue(args, '--project-dir') ?? '.')
  const targetPath = flagValue(args, '--target-path') ?? (opts.env.DBT_TARGET_PATH || projectTargetPath(projectDir) || 'target')
  const command = args.find((arg) => COMMANDS.has(arg)) ?? ''
  return { args: [...args], cwd: opts.cwd, env: { ...opts.env }, command, projectDir, targetDir: resolve(projectDir, targetPath) }
}

function defaultFiles(command: string, options: FakeDbtOptions): Record<string, object> {
  const manifest = options.manifest ?? recordedArtifacts().manifest
  if (WRITES_RESULTS.has(command))
    return { 'manifest.json': manifest, 'run_results.json': options.runResults ?? recordedArtifacts().runResults }
  return WRITES_MANIFEST.has(command) ? { 'manifest.json': manifest } : {}
}

/** One invocation's stamp: dbt gives the manifest and run_results of a run the same id. */
function freshMetadata(content: object, now: Date, invocationId: string): object {
  const metadata = (content as { metadata?: Record<string, unknown> }).metadata ?? {}
  const stamped: Record<string, unknown> = { ...metadata, generated_at: now.toISOString(), invocation_id: invocationId }
  if ('invocation_started_at' in metadata) stamped.invocation_started_at = now.toISOString()
  return { ...content, metadata: stamped }
}

function writeFiles(call: FakeDbtCall, files: Record<string, object | string | null>, stamp: (c: object) => object): void {
  for (const [name, content] of Object.entries(files)) {
    if (content === null) continue
    const file = join(call.targetDir, name)
    mkdirSync(dirname(file), { recursive: true })
    const text = typeof content === 'string' ? content : JSON.stringify(STAMPED.has(name) ? stamp(content) : content)
    // The recorded run's project directory becomes this call's (JSON-escaped, like the rest).
    writeFileSync(file, text.replaceAll(PROJECT_DIR_PLACEHOLDER, JSON.stringify(call.projectDir).slice(1, -1)))
  }
}

/** A fake dbt that holds state: the calls it got and the replies still queued. */
export function fakeDbtProcess(options: FakeDbtOptions = {}): FakeDbtProcess {
  const calls: FakeDbtCall[] = []
  const queue: FakeDbtReply[] = []
  const now = options.now ?? (() => new Date())
  return {
    calls,
    commands: () => calls.map((c) => c.command),
    enqueue: (...replies) => void queue.push(...replies),
    async run(args, opts): Promise<DbtExit> {
      const call = describeCall(args, opts)
      calls.push(call)
      const reply = queue.shift() ?? options.script?.(call) ?? {}
      const invocationId = randomUUID()
      const stamp = (content: object): object => (reply.keepMetadata ? content : freshMetadata(content, now(), invocationId))
      writeFiles(call, { ...defaultFiles(call.command, options), ...reply.files }, stamp)
      return { exitCode: reply.exitCode ?? options.exitCode ?? 0, output: reply.output ?? `fake dbt ${args.join(' ')}` }
    }
  }
}

/** run_results of `dbt compile --inline`: one `sql_operation` result holding the compiled SQL. */
export function inlineRunResults(compiledCode: string, project = 'jaffle_shop'): RunResults {
  const base = recordedArtifacts().runResults
  const result = { ...base.results[0], unique_id: `sql_operation.${project}.inline_query`, status: 'success' }
  Object.assign(result, { compiled: true, compiled_code: compiledCode, relation_name: null, adapter_response: {}, message: null })
  return { ...base, results: [result] }
}
