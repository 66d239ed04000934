import { beforeAll, describe, expect, it } from '@jest/globals'
import { mkdtempSync, readFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { homedir, tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Manifest } from '../../src/dbt/artifact-types.js'
import { dbtRunner } from '../../src/dbt/runner.js'
import { actionDirs } from '../../src/run/dirs.js'
import { UnsafeSchemaError } from '../../src/safety/check.js'
import { MARKER_TABLE } from '../../src/safety/marker.js'
import { SafetyProbeError } from '../../src/safety/probe.js'
import { loadProfileTargets } from '../../src/safety/profiles.js'
import { dropOwnedSchemas, prepareBuildSchemas, type SafetyDeps } from '../../src/safety/step.js'
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
const OWNER = { repository: 'octo/shop', project: 'jaffle_shop', pr: 7 }

/**
 * The CI schema life cycle on a real warehouse, through the action's safety steps and real dbt:
 * production deployed; the PR's schemas created with the ownership marker and built into; the
 * check refusing production, source schemas and a schema without the marker; then the PR's
 * schemas dropped and production intact.
 */
export function describeCiSchemaDrop(title: string, setup: () => Promise<{ project: ExampleProject; catalog: Catalog }>): void {
  describe(title, () => {
    let project: ExampleProject
    let catalog: Catalog
    let baseline: Manifest
    const before: Record<string, string[]> = {}

    function deps(
      schema: string,
      extra: Partial<Omit<SafetyDeps, 'log'>> & { target?: string } = {}
    ): SafetyDeps & { log: ReturnType<typeof recordingLogger> } {
      const log = recordingLogger()
      const temp = mkdtempSync(join(tmpdir(), 'dbt-defer-drop-'))
      const dbt = {
        executable: 'dbt',
        projectDir: project.dir,
        profilesDir: project.dir,
        target: extra.target ?? project.warehouse.targets.ci,
        extraArgs: []
      }
      const runner = dbtRunner({
        process: venvDbt(),
        dbt,
        env: project.env({ DBT_CI_SCHEMA: schema }),
        dirs: actionDirs(temp, project.dir, project.dir, 'jaffle_shop'),
        log
      })
      return {
        runner,
        profile: profile!,
        ciSchema: { name: schema, envVar: 'DBT_CI_SCHEMA' },
        baselines: [{ env: 'production', manifest: baseline }],
        owner: OWNER,
        readJson: async (path) => JSON.parse(await readFile(path, 'utf8')) as unknown,
        log,
        now: () => new Date(),
        ...extra
      }
    }
    let profile: Awaited<ReturnType<typeof loadProfileTargets>> | undefined

    async function refusal(run: Promise<unknown>): Promise<UnsafeSchemaError> {
      const error = await run.then(
        () => undefined,
        (err: unknown) => err
      )
      expect(error).toBeInstanceOf(UnsafeSchemaError)
      return error as UnsafeSchemaError
    }

    beforeAll(async () => {
      ;({ project, catalog } = await setup())
      profile = await loadProfileTargets({ projectDir: project.dir, profilesDir: project.dir, homeDir: homedir() })
      baseline = JSON.parse(readFileSync(await project.deploy('prod'), 'utf8')) as Manifest
      for (const schema of ['prod', 'prod_raw']) before[schema] = await catalog.relations(schema)
      await prepareBuildSchemas(deps(CI_SCHEMA), { cleanSlate: false, claim: true })
      const ci = project.warehouse.targets.ci
      await project.dbtOk(['seed', '--target', ci, '--select', 'raw_customers'], { DBT_CI_SCHEMA: CI_SCHEMA })
      await project.dbtOk(['run', '--target', ci, '--select', 'stg_customers', 'stg_orders'], { DBT_CI_SCHEMA: CI_SCHEMA })
      // A schema of the same shape that the action did not create.
      await project.dbtOk(['run', '--target', ci, '--select', 'stg_customers'], { DBT_CI_SCHEMA: 'dbt_ci_pr_8' })
    }, 300_000)

    it('has production and the marked CI build side by side before anything is dropped', async () => {
      expect(before.prod).toEqual(expect.arrayContaining(['customers', 'orders', 'stg_customers', 'customers_snapshot']))
      expect(before.prod_raw).toEqual(['raw_customers', 'raw_orders', 'raw_payments'])
      expect(await catalog.relations(CI_SCHEMA)).toEqual([MARKER_TABLE, 'stg_customers', 'stg_orders'])
      expect(await catalog.relations(`${CI_SCHEMA}_raw`)).toEqual([MARKER_TABLE, 'raw_customers'])
    })

    it('refuses to drop production when ci-schema is misconfigured to it, and production keeps every table', async () => {
      expect((await refusal(dropOwnedSchemas(deps('prod'), 'drop'))).reason).toBe('baseline-relation')
      // No baseline at hand: the prod target's schema, as dbt renders it, still refuses.
      expect((await refusal(dropOwnedSchemas(deps('Prod', { baselines: [] }), 'drop'))).reason).toBe('profile-target')
      expect(await catalog.relations('prod')).toEqual(before.prod)
    }, 120_000)

    it('refuses to drop the source schema prod_raw, which keeps its tables', async () => {
      const bySource = await refusal(dropOwnedSchemas(deps('prod_raw', { baselines: [] }), 'drop'))
      expect(bySource.reason).toBe('source-schema')
      expect(bySource.message).toContain("source 'jaffle.raw_customers'")
      expect(await catalog.relations('prod_raw')).toEqual(before.prod_raw)
    }, 120_000)

    it('never drops a schema without the marker, whatever its name, and says how to drop it by hand', async () => {
      const error = await refusal(dropOwnedSchemas(deps('dbt_ci_pr_8', { owner: { ...OWNER, pr: 8 } }), 'drop'))
      expect(error.reason).toBe('not-owned')
      expect(error.message).toContain('drop schema dbt_ci_pr_8 cascade')
      expect(await catalog.relations('dbt_ci_pr_8')).toEqual(['stg_customers'])
      // Another PR's marker is no proof either.
      expect((await refusal(dropOwnedSchemas(deps(CI_SCHEMA, { owner: { ...OWNER, pr: 9 } }), 'drop'))).message).toContain(
        'pull request #7, not pull request #9'
      )
    }, 120_000)

    it('fails closed when dbt cannot be asked (an unknown target), and nothing is dropped', async () => {
      const error = await dropOwnedSchemas(deps(CI_SCHEMA, { target: 'no_such_target' }), 'drop').catch((err: unknown) => err)
      expect(error).toBeInstanceOf(SafetyProbeError)
      expect((error as Error).message).toContain('nothing was written or dropped')
      expect((error as Error).message).toContain('no_such_target')
      expect(await catalog.relations(CI_SCHEMA)).toEqual([MARKER_TABLE, 'stg_customers', 'stg_orders'])
    }, 120_000)

    it("drops the PR's marked schemas through dbt, leaving production and the project's target/ untouched", async () => {
      const manifestBefore = readFileSync(project.path('target/manifest.json'), 'utf8')
      const d = deps(CI_SCHEMA)
      expect(await dropOwnedSchemas(d, 'drop')).toEqual([CI_SCHEMA, `${CI_SCHEMA}_dbt_test__audit`, `${CI_SCHEMA}_raw`])
      expect(d.log.lines).toContain(`info: Dropped '${CI_SCHEMA}', '${CI_SCHEMA}_dbt_test__audit', '${CI_SCHEMA}_raw'.`)
      const schemas = await catalog.schemas()
      expect(schemas).not.toContain(CI_SCHEMA)
      expect(schemas).not.toContain(`${CI_SCHEMA}_raw`)
      expect(schemas).toEqual(expect.arrayContaining(['prod', 'prod_raw', 'dbt_ci_pr_8']))
      expect(await catalog.relations('prod')).toEqual(before.prod)
      expect(await catalog.relations('prod_raw')).toEqual(before.prod_raw)
      expect(readFileSync(project.path('target/manifest.json'), 'utf8')).toBe(manifestBefore)
      // A second cleanup finds nothing to drop and says so.
      const again = deps(CI_SCHEMA)
      expect(await dropOwnedSchemas(again, 'drop')).toEqual([])
      expect(again.log.lines).toContain(`info: Nothing to drop: '${CI_SCHEMA}' does not exist.`)
    }, 120_000)
  })
}
