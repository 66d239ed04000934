// A deploy and a CI on different dbts, through dist/index.js on DuckDB: a baseline of a newer
// dbt-core is refused before dbt reads it, an older one is upgraded with a note, one of dbt
// Fusion (its shape made from a real dbt-core manifest by scripts/fusion-shape.mjs) is a
// warning naming both engines, and a manifest schema newer than v12 is refused naming its writer.
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Manifest, RunResults } from '../src/dbt/artifact-types.js'
import { FUSION_SHAPES, fusionManifest } from '../scripts/fusion-shape.mjs'
import { adaptForDbt, compatDbts, compatLine, type CompatDbt } from './helpers/compat.js'
import { addRepeatCustomerColumn, type ExampleProject } from './helpers/example-project.js'
import { localProjectInputs, pullRequestEvent, runAction, type ActionRun } from './helpers/run-action.js'
import { duckdbTestWarehouse } from './helpers/warehouses.js'

const TIMEOUT = 300_000
const oldest: CompatDbt = compatLine('1.8')
const newest: CompatDbt = compatDbts().at(-1)!

describe('a baseline written by another dbt than the CI runs', () => {
  const created: ExampleProject[] = []
  /** The example deployed by the newest dbt-core, and its manifest. */
  let deployedByNewest: ExampleProject
  let newestManifest: string
  /** The example in the oldest release's syntax, deployed by the oldest dbt-core, and its manifest. */
  let deployedByOldest: ExampleProject
  let oldestManifest: string
  let pr = 0

  beforeAll(async () => {
    deployedByNewest = duckdbTestWarehouse(newest.bin).project()
    deployedByOldest = duckdbTestWarehouse(oldest.bin).project()
    adaptForDbt(deployedByOldest, oldest.line)
    created.push(deployedByNewest, deployedByOldest)
    ;[newestManifest, oldestManifest] = await Promise.all([deployedByNewest.deploy('prod'), deployedByOldest.deploy('prod')])
  }, TIMEOUT)

  afterAll(() => {
    for (const p of created) rmSync(p.root, { recursive: true, force: true })
  })

  /** A PR copy of `from` (its warehouse file included) run by the dbt at `bin`, deferring to the manifest at `baseline`. */
  async function act(
    from: ExampleProject,
    bin: string,
    baseline: string
  ): Promise<ActionRun & { project: ExampleProject; schema: string }> {
    const copy = from.clone()
    created.push(copy)
    addRepeatCustomerColumn(copy)
    const number = ++pr
    const run = await runAction({
      inputs: { ...localProjectInputs(copy, baseline), 'dbt-executable': join(bin, 'dbt'), 'github-token': 'ghs_unused' },
      workspace: copy.dir,
      eventName: 'pull_request',
      event: pullRequestEvent(number),
      env: { DBT_DUCKDB_PATH: copy.path('warehouse.duckdb'), GITHUB_API_URL: 'http://127.0.0.1:9', GITHUB_REPOSITORY: 'octo/shop' }
    })
    return { ...run, project: copy, schema: `dbt_ci_pr_${number}` }
  }

  /** A copy of a manifest, changed, in a directory of its own. */
  function rewritten(from: string, change: (m: Manifest) => Manifest): string {
    const dir = join(deployedByNewest.root, `baseline-${++pr}`)
    mkdirSync(dir)
    writeFileSync(join(dir, 'manifest.json'), JSON.stringify(change(JSON.parse(readFileSync(from, 'utf8')) as Manifest)))
    return join(dir, 'manifest.json')
  }

  it(
    `refuses a baseline of dbt-core ${newest.version} in a CI on ${oldest.version} before dbt reads it, naming both and the fix`,
    async () => {
      const run = await act(deployedByOldest, oldest.bin, newestManifest)
      expect(run.code).toBe(1)
      expect(run.log).toContain(
        `::error::The production baseline was written by dbt ${newest.version}, newer than this run's dbt ${oldest.version}`
      )
      expect(run.log).toContain(`Install dbt-core>=${newest.line} in CI`)
      expect(run.log).toContain("'dbt-executable'")
      expect(run.log).not.toMatch(/Running: \S+ build/)
      expect(run.log).not.toContain('Traceback')
      // Refused before the CI schema was created.
      expect(await duckdbTestWarehouse().catalog(run.project).schemas()).not.toContain(run.schema)
    },
    TIMEOUT
  )

  it(
    `builds on a baseline of dbt-core ${oldest.version} in a CI on ${newest.version}, noting that dbt upgrades it`,
    async () => {
      const run = await act(deployedByOldest, newest.bin, oldestManifest)
      expect({ code: run.code, log: run.code === 0 ? '' : run.log }).toEqual({ code: 0, log: '' })
      expect(run.log).toContain(
        `The production baseline was written by dbt ${oldest.version}; this run's dbt ${newest.version} upgrades it when reading it.`
      )
      expect(run.log).not.toMatch(/::(warning|error)::The production baseline was written/)
      const results = JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
      expect(results.metadata?.dbt_version).toBe(newest.version)
      expect(results.results.map((r) => r.unique_id)).toContain('model.jaffle_shop.customers')
      expect(await duckdbTestWarehouse().catalog(run.project).relations(run.schema)).toContain('customers')
    },
    TIMEOUT
  )

  it(
    `warns, naming both engines, when the baseline was written by dbt Fusion and the CI runs dbt-core ${newest.version}`,
    async () => {
      const shape = FUSION_SHAPES['preview.212']
      const baseline = rewritten(newestManifest, (m) => fusionManifest(m, shape))
      const run = await act(deployedByNewest, newest.bin, baseline)
      expect(run.log).toContain(
        `::warning::The production baseline was written by dbt Fusion ${shape.version} and this run uses dbt ${newest.version}`
      )
      expect(run.log).toContain('Run the same engine in the deploy and in CI.')
      // The warning comes before dbt reads the baseline.
      expect(run.log.indexOf('written by dbt Fusion')).toBeLessThan(run.log.search(/Running: \S+ build/))
      expect(run.log).toMatch(/Running: \S+ build/)
    },
    TIMEOUT
  )

  it(
    'refuses a manifest schema newer than v12, naming the dbt Fusion release that wrote it and the fix',
    async () => {
      const baseline = rewritten(newestManifest, (m) => ({
        ...m,
        metadata: {
          ...m.metadata,
          dbt_schema_version: 'https://schemas.getdbt.com/dbt/manifest/v20.json',
          dbt_version: '2.0.0-preview.90'
        }
      }))
      const run = await act(deployedByNewest, newest.bin, baseline)
      expect(run.code).toBe(1)
      expect(run.log).toMatch(/::error::The baseline manifest from .* has schema manifest v20, written by dbt Fusion 2\.0\.0-preview\.90/)
      expect(run.log).toContain('Deploy with dbt Fusion 2.0.0-preview.98 or newer (which writes manifest v12), or with dbt-core.')
      expect(run.log).not.toMatch(/Running: \S+ build/)
      expect(await duckdbTestWarehouse().catalog(run.project).relations(run.schema)).not.toContain('customers')
      expect(await duckdbTestWarehouse().catalog(run.project).relations('prod')).toContain('customers')
    },
    TIMEOUT
  )
})
