import { createHash } from 'node:crypto'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '../../src/github/octokit.js'
import type { BaselineSettings } from '../../src/settings.js'

/** Options of a small manifest shaped like dbt's. */
export interface TestManifestOptions {
  project?: string
  /** Schema version number (12 by default) or a full schema URL. */
  schema?: number | string
  generatedAt?: string
  /** A marker node so tests can tell manifests apart. */
  marker?: string
  /** Leave project_name out (older manifests only carry project_id). */
  withoutProjectName?: boolean
}

/** A small manifest JSON text with a dbt-like metadata block and (almost) empty nodes. */
export function testManifest(o: TestManifestOptions = {}): string {
  const project = o.project ?? 'jaffle_shop'
  const schema = typeof o.schema === 'string' ? o.schema : `https://schemas.getdbt.com/dbt/manifest/v${o.schema ?? 12}.json`
  const metadata: Record<string, unknown> = {
    dbt_schema_version: schema,
    dbt_version: '1.10.4',
    generated_at: o.generatedAt ?? '2025-01-02T03:04:05.000000Z',
    invocation_id: 'b5e0c1e3-0000-4000-8000-000000000000',
    project_id: createHash('md5').update(project).digest('hex'),
    adapter_type: 'duckdb'
  }
  if (!o.withoutProjectName) metadata.project_name = project
  const nodes = o.marker
    ? { [`model.${project}.${o.marker}`]: { unique_id: `model.${project}.${o.marker}`, resource_type: 'model', name: o.marker } }
    : {}
  return JSON.stringify({ metadata, nodes, sources: {}, macros: {}, parent_map: {}, child_map: {} })
}

/** A logger that keeps what it was told. */
export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warning: (m) => lines.push(`warning: ${m}`),
    debug: (m) => lines.push(`debug: ${m}`)
  }
}

/** A fresh temp directory. */
export function tempDir(label = 'baseline'): string {
  return mkdtempSync(join(tmpdir(), `dbt-defer-${label}-`))
}

/** Baseline settings with every source's defaults; override what a test needs. */
export function baselineSettings(overrides: Partial<BaselineSettings> = {}): BaselineSettings {
  return {
    source: 'path',
    deferEnv: 'auto',
    ifNoBaseline: 'fail',
    cacheFetched: false,
    path: {},
    artifact: { artifactName: 'dbt-manifest', maxRuns: 20 },
    cache: { keyPrefix: 'dbt-defer-baseline', stagingConfigured: false },
    dbtCloud: { baseUrl: 'https://cloud.getdbt.com' },
    url: {},
    ...overrides
  }
}
