import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { checkManifest, checkManifestFile } from '../src/baseline/manifest-check.js'
import { ManifestCheckError } from '../src/baseline/errors.js'
import { isBaseline, type Baseline } from '../src/baseline/types.js'
import { createUrlSource } from '../src/baseline/url-source.js'
import { tempDir, testManifest } from './fakes/baseline-fixtures.js'
import { FakeFileServer } from './fakes/file-server.js'

// Manifests that parse as JSON and carry a schema URL, but lack what dbt reads when deferring:
// fetched from a file server on 127.0.0.1 and checked as obtaining a baseline does.

let server: FakeFileServer
beforeAll(async () => {
  server = await FakeFileServer.start()
})
afterAll(async () => {
  await server.close()
})

const expected = { projectName: 'jaffle_shop' }

/** A parsed manifest as plain data, so a test can break it in ways no type allows. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- malformed on purpose
type LooseManifest = Record<string, any>

/** testManifest with `edit` applied to its parsed form. */
function edited(edit: (m: LooseManifest) => void): string {
  const manifest = JSON.parse(testManifest({ marker: 'orders' }))
  edit(manifest)
  return JSON.stringify(manifest)
}

/** Serves `body`, fetches it through the url source and checks it; returns the refusal. */
async function refusalOf(path: string, body: string): Promise<ManifestCheckError> {
  const url = server.put(path, { body })
  const result = await createUrlSource({ production: `${url}?sig=SECRET` }, { http: { retryDelayMs: 0 } }).fetch(
    'production',
    tempDir('dest')
  )
  if (!isBaseline(result)) throw new Error('expected the download to succeed')
  const error = await checkManifestFile((result as Baseline).manifestPath, expected, (result as Baseline).location).catch((e: unknown) => e)
  if (!(error instanceof ManifestCheckError)) throw new Error(`expected a ManifestCheckError, got ${String(error)}`)
  expect(error.location).toBe(`${url}?…`)
  expect(error.message).toContain(`from ${url}?… is not a usable dbt manifest`)
  expect(error.message).not.toContain('SECRET')
  expect(error.message).toMatch(/Publish target\/manifest\.json of a successful dbt build, run or compile again\.$/)
  return error
}

describe('manifest check of fields dbt reads', () => {
  it('refuses a manifest without nodes, naming the field', async () => {
    const error = await refusalOf(
      '/no-nodes/manifest.json',
      edited((m) => delete m.nodes)
    )
    expect(error.message).toMatch(/`nodes` is missing; it must be an object/)
  })

  it('refuses nodes or sources that are not objects', async () => {
    expect(
      (
        await refusalOf(
          '/nodes-array/manifest.json',
          edited((m) => (m.nodes = []))
        )
      ).message
    ).toMatch(/`nodes` is an array; it must be an object/)
    expect(
      (
        await refusalOf(
          '/sources-null/manifest.json',
          edited((m) => (m.sources = null))
        )
      ).message
    ).toMatch(/`sources` is null; it must be an object/)
  })

  it('refuses a parent_map or child_map that is present but not an object', async () => {
    expect(
      (
        await refusalOf(
          '/parent-map/manifest.json',
          edited((m) => (m.parent_map = 'x'))
        )
      ).message
    ).toMatch(/`parent_map` is a string; when present it must be an object/)
    expect(
      (
        await refusalOf(
          '/child-map/manifest.json',
          edited((m) => (m.child_map = [1]))
        )
      ).message
    ).toMatch(/`child_map` is an array/)
  })

  it('refuses a node that is not an object or lacks a string unique_id or resource_type', async () => {
    const id = 'model.jaffle_shop.orders'
    expect(
      (
        await refusalOf(
          '/node-null/manifest.json',
          edited((m) => (m.nodes[id] = null))
        )
      ).message
    ).toContain(`\`nodes["${id}"]\` is null, not an object`)
    expect(
      (
        await refusalOf(
          '/node-id/manifest.json',
          edited((m) => (m.nodes[id].unique_id = 7))
        )
      ).message
    ).toContain(`\`nodes["${id}"].unique_id\` is a number; it must be a string`)
    expect(
      (
        await refusalOf(
          '/node-type/manifest.json',
          edited((m) => delete m.nodes[id].resource_type)
        )
      ).message
    ).toContain(`\`nodes["${id}"].resource_type\` is missing`)
  })

  it('refuses metadata fields of the wrong type', async () => {
    expect(
      (
        await refusalOf(
          '/generated-at/manifest.json',
          edited((m) => (m.metadata.generated_at = 20250102))
        )
      ).message
    ).toMatch(/`metadata\.generated_at` is a number, not a string/)
    const schema = () =>
      checkManifest(
        edited((m) => (m.metadata.dbt_schema_version = 12)),
        expected,
        'the artifact of run 7'
      )
    expect(schema).toThrow(ManifestCheckError)
    expect(schema).toThrow(
      /from the artifact of run 7 is not a dbt manifest: it has no `metadata\.dbt_schema_version` string \(it is a number\)\. Publish/
    )
  })

  it('still accepts a full manifest, absent maps, null metadata fields and unknown keys', () => {
    expect(checkManifest(testManifest({ marker: 'orders' }), expected).schemaVersion).toBe(12)
    const lean = edited((m) => {
      delete m.parent_map
      delete m.child_map
      m.metadata.invocation_id = null
      m.semantic_models = {}
      m.nodes['model.jaffle_shop.orders'].something_new = [1]
    })
    expect(checkManifest(lean, expected).notes).toEqual([])
  })
})
