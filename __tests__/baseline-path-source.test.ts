import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { BaselineConfigError } from '../src/baseline/errors.js'
import { createPathSource } from '../src/baseline/path-source.js'
import { isBaseline, type Baseline } from '../src/baseline/types.js'
import { tempDir, testManifest } from './fakes/baseline-fixtures.js'

function workspaceWith(files: Record<string, string>): string {
  const root = tempDir('workspace')
  for (const [path, body] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true })
    writeFileSync(join(root, path), body)
  }
  return root
}

describe('path source', () => {
  it('copies a manifest file named relative to the workspace, leaving the original untouched', async () => {
    const body = testManifest({ marker: 'prod_file' })
    const ws = workspaceWith({ 'baselines/prod.json': body })
    const before = statSync(join(ws, 'baselines/prod.json'))
    const dest = tempDir('dest')
    const result = await createPathSource({ production: 'baselines/prod.json' }, { baseDir: ws }).fetch('production', dest)
    expect(isBaseline(result)).toBe(true)
    const baseline = result as Baseline
    expect(baseline.manifestPath).toBe(join(dest, 'manifest.json'))
    expect(readFileSync(baseline.manifestPath, 'utf8')).toBe(body)
    expect(baseline.identity).toBe(`path:${createHash('sha256').update(body).digest('hex')}`)
    expect(baseline.env).toBe('production')
    expect(baseline.source).toBe('path')
    const after = statSync(join(ws, 'baselines/prod.json'))
    expect(readFileSync(join(ws, 'baselines/prod.json'), 'utf8')).toBe(body)
    expect(after.mtimeMs).toBe(before.mtimeMs)
  })

  it('takes manifest.json from a directory', async () => {
    const body = testManifest({ marker: 'staging_dir' })
    const ws = workspaceWith({ 'state/staging/manifest.json': body })
    const source = createPathSource({ production: 'state/prod', staging: 'state/staging' }, { baseDir: ws })
    const result = await source.fetch('staging', tempDir('dest'))
    expect(readFileSync((result as Baseline).manifestPath, 'utf8')).toBe(body)
    expect((result as Baseline).env).toBe('staging')
  })

  it('accepts an absolute path', async () => {
    const ws = workspaceWith({ 'm.json': testManifest() })
    const result = await createPathSource({ production: join(ws, 'm.json') }, { baseDir: '/nonexistent' }).fetch(
      'production',
      tempDir('dest')
    )
    expect(isBaseline(result)).toBe(true)
  })

  it('reports a missing file or a directory without manifest.json as nothing found', async () => {
    const ws = workspaceWith({ 'empty/readme.txt': 'x' })
    const missing = await createPathSource({ production: 'nope/manifest.json' }, { baseDir: ws }).fetch('production', tempDir('dest'))
    expect(missing).toEqual({ searched: ['nope/manifest.json: does not exist'] })
    const noManifest = await createPathSource({ production: 'empty' }, { baseDir: ws }).fetch('production', tempDir('dest'))
    expect(isBaseline(noManifest)).toBe(false)
    expect((noManifest as { searched: string[] }).searched[0]).toMatch(/empty\/manifest.json: does not exist/)
  })

  it('is an error when manifest.json in the directory is itself a directory', async () => {
    const ws = tempDir('workspace')
    mkdirSync(join(ws, 'state', 'manifest.json'), { recursive: true })
    await expect(createPathSource({ production: 'state' }, { baseDir: ws }).fetch('production', tempDir('dest'))).rejects.toThrow(
      /is a directory/
    )
  })

  it('is configured for staging exactly when the staging path is set', async () => {
    await expect(createPathSource({ production: 'a' }, { baseDir: '/' }).stagingConfigured()).resolves.toBe(false)
    await expect(createPathSource({ production: 'a', staging: 'b' }, { baseDir: '/' }).stagingConfigured()).resolves.toBe(true)
  })

  it('names the empty input when the chosen environment has no path', async () => {
    const source = createPathSource({ production: 'a' }, { baseDir: '/' })
    const error = await source.fetch('staging', tempDir('dest')).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(BaselineConfigError)
    expect((error as BaselineConfigError).input).toBe('staging-state-path')
  })
})
