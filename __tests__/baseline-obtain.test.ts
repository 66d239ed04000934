import { describe, expect, it } from '@jest/globals'
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ManifestCheckError, NoBaselineError, NoStagingBaselineError } from '../src/baseline/errors.js'
import { obtainBaseline } from '../src/baseline/obtain.js'
import { createPathSource } from '../src/baseline/path-source.js'
import type { BaselineSource } from '../src/baseline/types.js'
import type { BaselineSettings, PathSourceSettings } from '../src/settings.js'
import { baselineSettings, recordingLogger, tempDir, testManifest } from './fakes/baseline-fixtures.js'

/** A workspace holding a dbt project dir and, optionally, production and staging manifests. */
function setup(files: { prod?: string; staging?: string }) {
  const ws = tempDir('ws')
  mkdirSync(join(ws, 'project', 'target'), { recursive: true })
  writeFileSync(join(ws, 'project', 'dbt_project.yml'), 'name: jaffle_shop\n')
  mkdirSync(join(ws, 'baselines'))
  if (files.prod) writeFileSync(join(ws, 'baselines', 'prod.json'), files.prod)
  if (files.staging) writeFileSync(join(ws, 'baselines', 'staging.json'), files.staging)
  const stateDir = join(tempDir('runner'), 'dbt-defer-action', 'state')
  return { ws, stateDir, project: join(ws, 'project') }
}

function pathSettings(path: PathSourceSettings, over: Partial<BaselineSettings> = {}): BaselineSettings {
  return baselineSettings({ source: 'path', path, ...over })
}

async function obtain(settings: BaselineSettings, ws: string, stateDir: string) {
  const log = recordingLogger()
  const source = createPathSource(settings.path, { baseDir: ws })
  return { outcome: await obtainBaseline(settings, source, { stateDir, project: { name: 'jaffle_shop' }, log }), log }
}

const prod = testManifest({ marker: 'prod' })
const staging = testManifest({ marker: 'staging' })

describe('obtainBaseline', () => {
  it('auto without staging defers to production and places manifest.json in the state directory only', async () => {
    const { ws, stateDir, project } = setup({ prod })
    const { outcome } = await obtain(pathSettings({ production: 'baselines/prod.json' }), ws, stateDir)
    expect(outcome.kind).toBe('found')
    if (outcome.kind !== 'found') return
    expect(outcome.baseline.env).toBe('production')
    expect(outcome.baseline.manifestPath).toBe(join(stateDir, 'manifest.json'))
    expect(readFileSync(outcome.baseline.manifestPath, 'utf8')).toBe(prod)
    expect(outcome.baseline.generatedAt).toBe('2025-01-02T03:04:05.000000Z')
    expect(readdirSync(stateDir)).toEqual(['manifest.json'])
    expect(readdirSync(join(project, 'target'))).toEqual([])
  })

  it('auto with staging configured defers to staging', async () => {
    const { ws, stateDir } = setup({ prod, staging })
    const { outcome } = await obtain(pathSettings({ production: 'baselines/prod.json', staging: 'baselines/staging.json' }), ws, stateDir)
    expect(outcome.kind === 'found' && outcome.baseline.env).toBe('staging')
    expect(readFileSync(join(stateDir, 'manifest.json'), 'utf8')).toBe(staging)
  })

  it('staging configured but never deployed fails, even though production exists (no fallback)', async () => {
    const { ws, stateDir } = setup({ prod })
    const settings = pathSettings({ production: 'baselines/prod.json', staging: 'baselines/staging.json' }, { ifNoBaseline: 'build-all' })
    const error = await obtain(settings, ws, stateDir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoStagingBaselineError)
    const message = (error as Error).message
    expect(message).toContain('staging')
    expect(message).toContain('baselines/staging.json: does not exist')
    expect(message).toContain('`staging-state-path` is set')
    expect(message).toContain('defer-env: production')
    expect(message).toMatch(/does not fall back to production/)
    expect(existsSync(join(stateDir, 'manifest.json'))).toBe(false)
  })

  it('defer-env: production ignores a configured staging', async () => {
    const { ws, stateDir } = setup({ prod, staging })
    const settings = pathSettings({ production: 'baselines/prod.json', staging: 'baselines/staging.json' }, { deferEnv: 'production' })
    const { outcome } = await obtain(settings, ws, stateDir)
    expect(outcome.kind === 'found' && outcome.baseline.env).toBe('production')
    expect(readFileSync(join(stateDir, 'manifest.json'), 'utf8')).toBe(prod)
  })

  it('no production baseline with if-no-baseline: fail throws, explaining how to publish one', async () => {
    const { ws, stateDir } = setup({})
    const error = await obtain(pathSettings({ production: 'baselines/prod.json' }), ws, stateDir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoBaselineError)
    expect((error as NoBaselineError).searched).toEqual(['baselines/prod.json: does not exist'])
    expect((error as Error).message).toMatch(/put the production manifest.json at baselines\/prod.json/)
    expect((error as Error).message).toContain('if-no-baseline: build-all')
  })

  it('no production baseline with if-no-baseline: build-all returns none', async () => {
    const { ws, stateDir } = setup({})
    const { outcome } = await obtain(pathSettings({ production: 'baselines/prod.json' }, { ifNoBaseline: 'build-all' }), ws, stateDir)
    expect(outcome).toEqual({ kind: 'none', env: 'production', searched: ['baselines/prod.json: does not exist'], buildAll: true })
    expect(existsSync(join(stateDir, 'manifest.json'))).toBe(false)
  })

  it('validates the manifest before returning it, and leaves nothing behind when it is refused', async () => {
    const { ws, stateDir } = setup({ prod: testManifest({ schema: 13 }) })
    const error = await obtain(pathSettings({ production: 'baselines/prod.json' }), ws, stateDir).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ManifestCheckError)
    expect((error as Error).message).toContain('baselines/prod.json')
    expect(existsSync(join(stateDir, 'manifest.json'))).toBe(false)
  })

  it('refuses the manifest of another project', async () => {
    const { ws, stateDir } = setup({ prod: testManifest({ project: 'other_shop' }) })
    await expect(obtain(pathSettings({ production: 'baselines/prod.json' }), ws, stateDir)).rejects.toThrow(/'other_shop'.*'jaffle_shop'/)
  })

  it('removes a manifest an earlier step left in the state directory', async () => {
    const { ws, stateDir } = setup({})
    mkdirSync(stateDir, { recursive: true })
    writeFileSync(join(stateDir, 'manifest.json'), prod)
    const { outcome } = await obtain(pathSettings({ production: 'baselines/prod.json' }, { ifNoBaseline: 'build-all' }), ws, stateDir)
    expect(outcome.kind).toBe('none')
    expect(existsSync(join(stateDir, 'manifest.json'))).toBe(false)
  })

  it('logs the note of an older schema', async () => {
    const { ws, stateDir } = setup({ prod: testManifest({ schema: 11 }) })
    const { outcome, log } = await obtain(pathSettings({ production: 'baselines/prod.json' }), ws, stateDir)
    expect(outcome.kind).toBe('found')
    expect(log.lines.join('\n')).toMatch(/manifest v11/)
  })

  it('never asks the source about the production environment once staging is chosen', async () => {
    const asked: string[] = []
    const source: BaselineSource = {
      kind: 'url',
      stagingConfigured: async () => true,
      fetch: async (env) => {
        asked.push(env)
        return { searched: [`${env}: nothing`] }
      }
    }
    const error = await obtainBaseline(
      baselineSettings({ source: 'url', url: { production: 'https://x.test/p', staging: 'https://x.test/s' } }),
      source,
      { stateDir: tempDir('state'), project: { name: 'jaffle_shop' }, log: recordingLogger() }
    ).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(NoStagingBaselineError)
    expect(asked).toEqual(['staging'])
  })
})
