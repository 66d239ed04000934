// Turns artifacts written by real dbt-core into the shapes dbt Fusion (dbt 2.x, the Rust engine)
// writes, for the tests and `npm run fixtures`. Fusion cannot be installed here, so its shapes
// come from its public source; each transformation below names the source it follows
// (dbt-labs/dbt-fusion, and dbt-labs/dbt-core's main branch, which hosts the same Rust crates,
// with Fusion's release notes in CHANGELOG-fusion.md). Nothing else is changed: the SQL, the
// relation names and the graph stay dbt-core's, so an analysis of both must agree.
import { cpSync, existsSync, mkdirSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Fusion releases whose artifacts differ in what the action reads.
 * - `compiledCode`: `absent` before 2.0.0-preview.203 (run_results.rs is `skip_serializing_none`
 *   and sets `compiled_code: None // TODO`); `null` from preview.203 (dbt-core 49180676, "always
 *   emit per-node keys in run_results.json"); `kept` from preview.209 (dbt-core 35616517, "Add
 *   compiled_code field to model run results", dbt-core#13723 / dbt-fusion#723).
 * - `layout`: `flat` before preview.175 (compiled SQL at `compiled/<original path>`, the statement
 *   at `run/<name>.sql`, dbt-fusion#713); `core` from preview.175 (dbt-core dce292d3, "Make
 *   target/compiled and target/run folder structure similar to dbt-core"), the run file named
 *   after the alias.
 */
export const FUSION_SHAPES = {
  'preview.150': { version: '2.0.0-preview.150', compiledCode: 'absent', layout: 'flat' },
  'preview.205': { version: '2.0.0-preview.205', compiledCode: 'null', layout: 'core' },
  'preview.212': { version: '2.0.0-preview.212', compiledCode: 'kept', layout: 'core' }
}

/** `metadata.dbt_version` is the crate's version, `env!("CARGO_PKG_VERSION")` (manifest.rs, build_manifest). */
function fusionMetadata(metadata, shape) {
  // user_id and send_anonymous_usage_stats are never set (`..Default::default()`), so null.
  return { ...metadata, dbt_version: shape.version, user_id: null, send_anonymous_usage_stats: null }
}

/** Node keys whose value is None are left out, not null (manifest_nodes.rs, `skip_serializing_none`): an ephemeral's relation_name among them. */
function withoutNulls(node) {
  return Object.fromEntries(Object.entries(node).filter(([, value]) => value !== null))
}

/** manifest.json as Fusion writes it: v12, the 2.x version, None fields left out, no build_path (never set). */
export function fusionManifest(manifest, shape) {
  const nodes = Object.fromEntries(
    Object.entries(manifest.nodes).map(([id, node]) => {
      const rest = withoutNulls(node)
      delete rest.build_path
      return [id, rest]
    })
  )
  return { ...manifest, metadata: fusionMetadata(manifest.metadata, shape), nodes }
}

/** One result as Fusion's RunResultOutput serialises it (run_results.rs, generate_run_results.rs). */
function fusionResult(result, shape) {
  const { compiled_code: code, ...rest } = result
  delete rest.compiled
  // Both timing entries carry the node's whole span ("TODO: Differentiate between compile and execute timing").
  const span = (result.timing ?? []).reduce(
    (s, t) => ({ started_at: s.started_at ?? t.started_at, completed_at: t.completed_at ?? s.completed_at }),
    {}
  )
  const timing = result.timing ? ['compile', 'execute'].map((name) => ({ name, ...span })) : undefined
  const out = { ...rest, ...(timing ? { timing } : {}) }
  // `no-op` is written as `skipped` (NodeStatus::NoOp, stats.rs).
  if (out.status === 'no-op') out.status = 'skipped'
  if (shape.compiledCode === 'null') return { ...out, compiled: null, compiled_code: null }
  if (shape.compiledCode === 'kept') return { ...out, compiled: null, compiled_code: code ?? null }
  return withoutNulls(out)
}

/** run_results.json as Fusion writes it: the 2.x version, no invocation_started_at, four args (utils.rs, build_run_results_artifact). */
export function fusionRunResults(runResults, shape) {
  const metadata = { ...runResults.metadata }
  delete metadata.invocation_started_at
  const args = runResults.args ?? {}
  return {
    ...runResults,
    metadata: { ...metadata, dbt_version: shape.version },
    args: { command: args.which, which: args.which, static_analysis: 'on', full_refresh: Boolean(args.full_refresh) },
    results: runResults.results.map((r) => fusionResult(r, shape))
  }
}

/**
 * dbt State reused a node without running it (run_cache_service.rs): status `reused`, a message
 * such as "No new changes on any upstreams", and no SQL of this run.
 */
export function reuseResults(runResults, ids) {
  const reused = new Set(ids)
  return {
    ...runResults,
    results: runResults.results.map((r) =>
      reused.has(r.unique_id)
        ? { ...r, status: 'reused', message: 'No new changes on any upstreams', execution_time: 0, compiled_code: null, failures: null }
        : r
    )
  }
}

/** A node's file under a SQL directory in dbt-core's layout: `<package>/<original path>`, or `<package>/<original path>/<path>` for a node sharing its file. */
function coreRelative(node) {
  const own = basename(node.path) !== basename(node.original_file_path) ? join(node.original_file_path, node.path) : node.original_file_path
  return join(node.package_name, own)
}

/** Where Fusion of this shape writes a node's compiled SQL and statement, relative to target/compiled and target/run. */
function fusionRelative(node, shape) {
  const core = coreRelative(node)
  if (shape.layout === 'flat') return { compiled: core.slice(node.package_name.length + 1), run: `${node.name}.sql` }
  return { compiled: core, run: join(dirname(core), `${node.alias || node.name}.sql`) }
}

/**
 * Copies the SQL files dbt-core wrote in `fromTarget` into `toTarget` in this shape's layout, for
 * the results that dbt compiled in this invocation (the ones with compiled_code): Fusion writes a
 * node's files when it compiles it, and a file left by an earlier invocation is not this one's.
 */
export function fusionTargetFiles(fromTarget, toTarget, manifest, runResults, shape) {
  for (const r of runResults.results) {
    const node = manifest.nodes[r.unique_id]
    if (!node || typeof r.compiled_code !== 'string' || r.compiled_code.trim() === '') continue
    const core = coreRelative(node)
    const to = fusionRelative(node, shape)
    for (const [dir, relative] of [
      ['compiled', to.compiled],
      ['run', to.run]
    ]) {
      const from = join(fromTarget, dir, core)
      if (!existsSync(from)) continue
      mkdirSync(dirname(join(toTarget, dir, relative)), { recursive: true })
      cpSync(from, join(toTarget, dir, relative))
    }
  }
}
