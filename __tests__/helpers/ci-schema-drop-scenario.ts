import { beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Manifest } from '../../src/dbt/artifact-types.js'
import { dropCiSchema, SchemaDropError, type DropCiSchemaArgs } from '../../src/schema/drop-schema.js'
import { UnsafeDropError } from '../../src/schema/guard.js'
import { loadProfileTargets } from '../../src/schema/profiles.js'
import type { ExampleProject } from './example-project.js'
import { recordingLogger } from '../fakes/baseline-fixtures.js'
import { venvDbt } from './venv-dbt.js'

/** Reads the warehouse's own catalog (never dbt's view of it). */
export interface Catalog {
  /** Every schema of the database. */
  schemas(): Promise<string[]>
  /** Tables and views of one schema. */
  relations(schema: string): Promise<string[]>
}

const CI_SCHEMA = 'dbt_ci_pr_7'

/**
 * The CI schema life cycle on a real warehouse: production deployed, a PR built into
 * `dbt_ci_pr_7` (and the `_raw` custom schema dbt derives from it), the guard refusing to drop
 * production or source schemas, then the CI schemas dropped through dbt and production intact.
 */
export function describeCiSchemaDrop(title: string, setup: () => Promise<{ project: ExampleProject; catalog: Catalog }>): void {
  describe(title, () => {
    let project: ExampleProject
    let catalog: Catalog
    let baseline: Manifest
    let ciManifest: Manifest
    const before: Record<string, string[]> = {}

    beforeAll(async () => {
      ;({ project, catalog } = await setup())
      baseline = JSON.parse(readFileSync(await project.deploy('prod'), 'utf8')) as Manifest
      for (const schema of ['prod', 'prod_raw']) before[schema] = await catalog.relations(schema)
      const ci = project.warehouse.targets.ci
      await project.dbtOk(['seed', '--target', ci, '--select', 'raw_customers'], { DBT_CI_SCHEMA: CI_SCHEMA })
      await project.dbtOk(['run', '--target', ci, '--select', 'stg_customers', 'stg_orders'], { DBT_CI_SCHEMA: CI_SCHEMA })
      ciManifest = project.artifact<Manifest>('manifest.json')
    }, 300_000)

    async function drop(schema: string, extra: Partial<DropCiSchemaArgs> = {}): Promise<string[]> {
      const log = recordingLogger()
      await dropCiSchema({
        schema,
        baseline,
        manifest: ciManifest,
        profiles: await loadProfileTargets({ projectDir: project.dir, profilesDir: project.dir, homeDir: homedir(), debug: log.debug }),
        dbt: venvDbt(),
        projectDir: project.dir,
        profilesDir: project.dir,
        target: project.warehouse.targets.ci,
        env: project.env({ DBT_CI_SCHEMA: CI_SCHEMA }),
        scratchDir: mkdtempSync(join(tmpdir(), 'dbt-defer-drop-')),
        log,
        ...extra
      })
      return log.lines
    }

    async function refusal(schema: string, extra: Partial<DropCiSchemaArgs> = {}): Promise<UnsafeDropError> {
      const error = await drop(schema, extra).then(
        () => undefined,
        (err: unknown) => err
      )
      expect(error).toBeInstanceOf(UnsafeDropError)
      return error as UnsafeDropError
    }

    it('has production and the CI build side by side before anything is dropped', async () => {
      expect(before.prod).toEqual(expect.arrayContaining(['customers', 'orders', 'stg_customers', 'customers_snapshot']))
      expect(before.prod_raw).toEqual(['raw_customers', 'raw_orders', 'raw_payments'])
      expect(await catalog.relations(CI_SCHEMA)).toEqual(['stg_customers', 'stg_orders'])
      expect(await catalog.relations(`${CI_SCHEMA}_raw`)).toEqual(['raw_customers'])
    })

    it('refuses to drop production when ci-schema is misconfigured to it, and production keeps every table', async () => {
      expect((await refusal('prod')).reason).toBe('baseline-relation')
      expect((await refusal('Prod', { baseline: null })).reason).toBe('profile-target')
      expect(await catalog.relations('prod')).toEqual(before.prod)
    })

    it('refuses to drop the source schema prod_raw, which keeps its tables', async () => {
      expect((await refusal('prod_raw')).message).toContain("Refusing to drop schema 'prod_raw'")
      // As in cleanup mode: no baseline, no build manifest; dbt parse tells the sources.
      const bySource = await refusal('prod_raw', { baseline: null, manifest: null })
      expect(bySource.reason).toBe('source-schema')
      expect(bySource.message).toContain("source 'jaffle.raw_customers'")
      expect(await catalog.relations('prod_raw')).toEqual(before.prod_raw)
    })

    it('reports a failing dbt as SchemaDropError with what dbt said', async () => {
      const error = await drop(CI_SCHEMA, { target: 'no_such_target' }).catch((err: unknown) => err)
      expect(error).toBeInstanceOf(SchemaDropError)
      expect((error as Error).message).toContain("dbt could not drop schema 'dbt_ci_pr_7'")
      expect((error as Error).message).toContain('no_such_target')
      expect(await catalog.relations(CI_SCHEMA)).toEqual(['stg_customers', 'stg_orders'])
    }, 120_000)

    it('drops the CI schemas through dbt, leaving production and the build artifacts untouched', async () => {
      const manifestBefore = readFileSync(project.path('target/manifest.json'), 'utf8')
      // As in cleanup mode (no build manifest): dbt parse tells which schemas derive from the CI one.
      const lines = await drop(CI_SCHEMA, { manifest: null })
      expect(lines).toContain('info: Parsing the project to learn its sources and the schemas dbt derives from the CI schema.')
      // The test nodes' audit schema comes along: dbt derives it from the CI schema too.
      expect(lines).toContain(`info: Dropped '${CI_SCHEMA}', '${CI_SCHEMA}_dbt_test__audit', '${CI_SCHEMA}_raw'.`)
      const schemas = await catalog.schemas()
      expect(schemas).not.toContain(CI_SCHEMA)
      expect(schemas).not.toContain(`${CI_SCHEMA}_raw`)
      expect(schemas).toEqual(expect.arrayContaining(['prod', 'prod_raw']))
      expect(await catalog.relations('prod')).toEqual(before.prod)
      expect(await catalog.relations('prod_raw')).toEqual(before.prod_raw)
      expect(readFileSync(project.path('target/manifest.json'), 'utf8')).toBe(manifestBefore)
    }, 120_000)
  })
}
