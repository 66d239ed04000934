import { describe, expect, it } from '@jest/globals'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ManifestCheckError, BaselineConfigError } from '../src/baseline/errors.js'
import { checkManifest, checkManifestFile, projectIdOf, projectNameFromDbtProject } from '../src/baseline/manifest-check.js'
import { tempDir, testManifest } from './fakes/baseline-fixtures.js'
import { isIndexed, readBaselineJson } from '../src/dbt/json-file.js'

const expected = { projectName: 'jaffle_shop' }

function refusal(run: () => unknown): ManifestCheckError {
  try {
    run()
  } catch (error) {
    expect(error).toBeInstanceOf(ManifestCheckError)
    return error as ManifestCheckError
  }
  throw new Error('expected the manifest to be refused')
}

describe('checkManifest', () => {
  it('accepts a v12 manifest of this project and reports its metadata', () => {
    const check = checkManifest(testManifest({ generatedAt: '2025-05-06T07:08:09Z' }), expected)
    expect(check.schemaVersion).toBe(12)
    expect(check.generatedAt).toBe('2025-05-06T07:08:09Z')
    expect(check.dbtVersion).toBe('1.10.4')
    expect(check.notes).toEqual([])
    expect(check.manifest.metadata.project_name).toBe('jaffle_shop')
  })

  it('accepts an already parsed manifest with keys it does not know', () => {
    const parsed = { ...JSON.parse(testManifest()), semantic_models: {}, functions: {}, some_future_key: [1] }
    expect(checkManifest(parsed, expected).schemaVersion).toBe(12)
  })

  it('accepts v11 with a note that dbt upgrades it', () => {
    const check = checkManifest(testManifest({ schema: 11 }), expected)
    expect(check.schemaVersion).toBe(11)
    expect(check.notes.join(' ')).toMatch(/manifest v11.*upgrades it to v12/)
  })

  it('accepts v4, the oldest dbt upgrades, and refuses v3', () => {
    expect(checkManifest(testManifest({ schema: 4 }), expected).schemaVersion).toBe(4)
    expect(refusal(() => checkManifest(testManifest({ schema: 3 }), expected)).message).toMatch(/manifest v3, too old/)
  })

  it('refuses v13, naming the version found and the one supported', () => {
    const error = refusal(() => checkManifest(testManifest({ schema: 13 }), expected, 'dbt Cloud run 7'))
    expect(error.message).toContain('manifest v13')
    expect(error.message).toContain('manifest v12')
    expect(error.message).toContain('dbt Cloud run 7')
  })

  it('refuses a run_results file and a catalog, saying what they are', () => {
    const runResults = testManifest({ schema: 'https://schemas.getdbt.com/dbt/run-results/v6.json' })
    expect(refusal(() => checkManifest(runResults, expected)).message).toMatch(/dbt run-results file.*not a manifest/)
    const catalog = testManifest({ schema: 'https://schemas.getdbt.com/dbt/catalog/v1.json' })
    expect(refusal(() => checkManifest(catalog, expected)).message).toMatch(/dbt catalog file/)
  })

  it('refuses a manifest of another project, naming both projects', () => {
    const error = refusal(() => checkManifest(testManifest({ project: 'other_shop' }), expected))
    expect(error.message).toContain("'other_shop'")
    expect(error.message).toContain("'jaffle_shop'")
  })

  it('falls back to project_id (md5 of the name) when project_name is absent', () => {
    expect(checkManifest(testManifest({ withoutProjectName: true }), expected).notes).toEqual([])
    const other = testManifest({ project: 'other_shop', withoutProjectName: true })
    expect(refusal(() => checkManifest(other, expected)).message).toContain(projectIdOf('other_shop'))
    expect(projectIdOf('jaffle_shop')).toMatch(/^[0-9a-f]{32}$/)
  })

  it('refuses broken JSON and says where it broke', () => {
    const text = '{\n  "metadata": {\n    "dbt_schema_version": "x",,\n  }\n}'
    const error = refusal(() => checkManifest(text, expected, 'https://example.test/m.json'))
    expect(error.message).toContain('not valid JSON')
    expect(error.message).toMatch(/line 3/)
    expect(error.message).toContain('https://example.test/m.json')
  })

  it('refuses JSON without dbt metadata', () => {
    expect(refusal(() => checkManifest('{"nodes": {}}', expected)).message).toMatch(/no `metadata.dbt_schema_version`/)
    expect(refusal(() => checkManifest('[1, 2]', expected)).message).toMatch(/not a dbt manifest/)
  })

  it('checks every node of a big baseline held as an index, and refuses a bad one as it refuses it in plain values', async () => {
    const dir = tempDir('check-index')
    const base = JSON.parse(testManifest()) as { nodes: Record<string, Record<string, unknown>>; sources: Record<string, unknown> }
    const cases: Array<(m: typeof base) => void> = [
      () => {},
      (m) => void (m.nodes['model.jaffle_shop.bad'] = { unique_id: 7, resource_type: 'model' }),
      (m) => void (m.nodes['model.jaffle_shop.bad'] = { unique_id: 'model.jaffle_shop.bad', resource_type: 'model', relation_name: 3 }),
      (m) => void (m.nodes['model.jaffle_shop.bad'] = [1] as unknown as Record<string, unknown>),
      (m) => void (m.sources['source.jaffle_shop.bad'] = 'x')
    ]
    const outcome = (run: () => unknown): string => {
      try {
        run()
        return 'accepted'
      } catch (error) {
        return (error as Error).message
      }
    }
    const seen = new Set<string>()
    for (const [n, change] of cases.entries()) {
      const m = structuredClone(base)
      change(m)
      const path = join(dir, `${n}.json`)
      writeFileSync(path, JSON.stringify(m))
      const held = await readBaselineJson(path, 0)
      expect(isIndexed((held as { nodes: object }).nodes)).toBe(true)
      const want = outcome(() => checkManifest(m, expected))
      expect(outcome(() => checkManifest(held, expected))).toBe(want)
      seen.add(want)
    }
    expect(seen.size).toBe(cases.length)
  })

  it('reads files, and says so when the file is missing', async () => {
    const dir = tempDir('check')
    writeFileSync(join(dir, 'manifest.json'), testManifest())
    expect((await checkManifestFile(join(dir, 'manifest.json'), expected)).schemaVersion).toBe(12)
    await expect(checkManifestFile(join(dir, 'nope.json'), expected)).rejects.toThrow(/Could not read the baseline manifest/)
  })
})

describe('projectNameFromDbtProject', () => {
  it("reads dbt_project.yml's name", async () => {
    const dir = tempDir('project')
    writeFileSync(join(dir, 'dbt_project.yml'), "name: 'jaffle_shop'\nversion: '1.0'\nprofile: jaffle\n")
    expect(await projectNameFromDbtProject(dir)).toBe('jaffle_shop')
  })

  it('names project-dir when there is no dbt_project.yml, or it has no name', async () => {
    const dir = tempDir('project')
    await expect(projectNameFromDbtProject(dir)).rejects.toThrow(/project-dir/)
    writeFileSync(join(dir, 'dbt_project.yml'), 'version: 2\n')
    const error = await projectNameFromDbtProject(dir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineConfigError)
    expect((error as Error).message).toMatch(/has no `name:`/)
  })
})
