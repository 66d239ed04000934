/**
 * The compiled SQL of each result: the evidence of where its refs resolved. dbt-core records it
 * in run_results.json (`compiled_code`); dbt Fusion did not before 2.0.0-preview.209 and still
 * leaves it out of some results, so the SQL files dbt wrote are read instead: `target/compiled`
 * (the select) first, then `target/run` (the statement that ran). dbt-core writes them under the
 * package's name (`compiled/<package>/models/a.sql`); Fusion without it (`compiled/models/a.sql`).
 * A node that shares its file with others (a generic test in YAML) is its path under that file's path.
 */
import { readFile } from 'node:fs/promises'
import { basename, dirname, join } from 'node:path'
import type { Manifest, ManifestNode, RunResult, RunResults } from './artifact-types.js'

/** Where a node's SQL was read. */
export type SqlSource = 'run_results' | 'target/compiled' | 'target/run'

/** One node's compiled SQL and where it came from. */
export interface CompiledSql {
  /** The SQL. */
  code: string
  /** Where it was read. */
  from: SqlSource
}

/** The SQL a result carries itself, when it carries any. */
export function ownSql(r: RunResult): CompiledSql | undefined {
  return typeof r.compiled_code === 'string' && r.compiled_code.trim() !== '' ? { code: r.compiled_code, from: 'run_results' } : undefined
}

/** The node's file paths under a SQL directory of the target, in the order they are tried. */
export function sqlFileCandidates(node: Pick<ManifestNode, 'package_name' | 'original_file_path' | 'path'>): string[] {
  // Paths come from an artifact: one that is absolute or climbs out is not the node's file.
  const inside = (p: string) => p !== '' && !p.startsWith('/') && !p.split('/').includes('..')
  const original = typeof node.original_file_path === 'string' ? node.original_file_path : ''
  if (!inside(original)) return []
  const path = typeof node.path === 'string' ? node.path : ''
  // dbt-core's rule: a node whose path is not named like its file (a YAML file's tests, a YAML
  // snapshot, a block of snapshots) is written under a directory named after that file.
  const own = path && basename(path) !== basename(original) ? join(original, path) : original
  const packaged = typeof node.package_name === 'string' && node.package_name ? [join(node.package_name, own)] : []
  return [...packaged, own].filter(inside)
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    const text = await readFile(path, 'utf8')
    return text.trim() === '' ? undefined : text
  } catch {
    return undefined
  }
}

/**
 * Where a node's statement may be under `target/run`: dbt-core's path; Fusion's since
 * 2.0.0-preview.175, the same directory with the file named after the alias; and Fusion's before
 * it, `<name>.sql` at the top (dbt-core commit dce292d3, "Make target/compiled and target/run
 * folder structure similar to dbt-core").
 */
export function runFileCandidates(node: Pick<ManifestNode, 'package_name' | 'original_file_path' | 'path' | 'alias' | 'name'>): string[] {
  const own = sqlFileCandidates(node)
  const alias = typeof node.alias === 'string' && node.alias ? node.alias : node.name
  const safe = (file: string) => typeof file === 'string' && /^[^/\\]+$/.test(file) && file !== '..'
  const named = safe(alias) ? own.map((p) => join(dirname(p), `${alias}.sql`)) : []
  const flat = [node.name, alias].filter((n, i, all) => safe(n) && all.indexOf(n) === i).map((n) => `${n}.sql`)
  return [...new Set([...own, ...named, ...flat])]
}

/** A node's SQL from the files dbt wrote in `targetDir`, or undefined when there is none. */
export async function sqlFromFiles(targetDir: string, node: ManifestNode): Promise<CompiledSql | undefined> {
  for (const from of ['target/compiled', 'target/run'] as const) {
    const dir = join(targetDir, from.slice('target/'.length))
    const candidates = from === 'target/run' ? runFileCandidates(node) : sqlFileCandidates(node)
    for (const candidate of candidates) {
      const code = await readIfPresent(join(dir, candidate))
      if (code !== undefined) return { code, from }
    }
  }
  return undefined
}

/** Results dbt compiled without recording the SQL: the ones whose files are worth reading. */
function wanting(r: RunResult): boolean {
  return ownSql(r) === undefined && r.status !== 'skipped' && r.status !== 'reused'
}

/**
 * The compiled SQL of every result that does not carry its own, read from `targetDir` (the
 * step's own target directory, so every file there is this invocation's). Results that carry
 * their SQL are not in the map: they are read from run_results.json.
 */
export async function readSqlFiles(targetDir: string, runResults: RunResults, manifest: Manifest): Promise<Map<string, CompiledSql>> {
  const found = new Map<string, CompiledSql>()
  for (const r of runResults.results.filter(wanting)) {
    const node = Object.hasOwn(manifest.nodes, r.unique_id) ? manifest.nodes[r.unique_id] : undefined
    const sql = node ? await sqlFromFiles(targetDir, node) : undefined
    if (sql) found.set(r.unique_id, sql)
  }
  return found
}
