import { describe, expect, it } from '@jest/globals'
import { engineLabel, parseDbtVersion, versionMix } from '../src/dbt/engine.js'

describe('parseDbtVersion', () => {
  it.each([
    ['1.12.6', 'dbt-core', [1, 12, 6]],
    ['1.10.0b2', 'dbt-core', [1, 10, 0]],
    ['1.8', 'dbt-core', [1, 8, 0]],
    ['2.0.0-preview.45', 'dbt-fusion', [2, 0, 0]],
    ['2.0.0-beta.3', 'dbt-fusion', [2, 0, 0]]
  ])('reads %s as %s', (text, engine, [major, minor, patch]) => {
    expect(parseDbtVersion(text)).toEqual({ engine, text, major, minor, patch })
  })

  it.each([[undefined], [null], [''], ['unknown'], ['dbt 1.8']])('gives nothing for %p', (text) => {
    expect(parseDbtVersion(text)).toBeUndefined()
  })

  it('names the engine in labels', () => {
    expect(engineLabel(parseDbtVersion('1.12.6')!)).toBe('dbt 1.12.6')
    expect(engineLabel(parseDbtVersion('2.0.0-beta.3')!)).toBe('dbt Fusion 2.0.0-beta.3')
  })
})

describe('versionMix', () => {
  it('says nothing for the same release line, a patch apart, or an unknown version', () => {
    expect(versionMix('production', '1.12.6', '1.12.6')).toEqual({ kind: 'same' })
    expect(versionMix('production', '1.12.1', '1.12.6')).toEqual({ kind: 'same' })
    expect(versionMix('production', '1.12.6', '1.12.1')).toEqual({ kind: 'same' })
    expect(versionMix('production', undefined, '1.12.6')).toEqual({ kind: 'same' })
    expect(versionMix('production', '1.8.10', 'not a version')).toEqual({ kind: 'same' })
  })

  it('refuses a baseline of a newer release line, naming both versions and the dbt-core to install', () => {
    const mix = versionMix('staging', '1.12.6', '1.8.10')
    expect(mix.kind).toBe('newer-baseline')
    const message = 'message' in mix ? mix.message : ''
    expect(message).toContain("The staging baseline was written by dbt 1.12.6, newer than this run's dbt 1.8.10")
    expect(message).toContain('Install dbt-core>=1.12 in CI')
  })

  it('asks for a newer dbt Fusion when a Fusion baseline is of a newer line than the CI', () => {
    const mix = versionMix('production', '2.1.0-beta.1', '2.0.0-preview.212')
    expect(mix.kind).toBe('newer-baseline')
    expect('message' in mix ? mix.message : '').toContain('Install dbt Fusion 2.1 or newer in CI')
  })

  it('notes an older baseline, which dbt upgrades', () => {
    expect(versionMix('production', '1.8.10', '1.12.6')).toEqual({
      kind: 'older-baseline',
      message: "The production baseline was written by dbt 1.8.10; this run's dbt 1.12.6 upgrades it when reading it."
    })
  })

  it.each([
    ['2.0.0-preview.212', '1.12.6', 'dbt Fusion 2.0.0-preview.212', 'dbt 1.12.6'],
    ['1.11.16', '2.0.0-beta.3', 'dbt 1.11.16', 'dbt Fusion 2.0.0-beta.3']
  ])('warns, naming both engines, for a baseline of %s in a CI on %s', (baseline, ci, writer, runner) => {
    const mix = versionMix('production', baseline, ci)
    expect(mix.kind).toBe('other-engine')
    const message = 'message' in mix ? mix.message : ''
    expect(message).toContain(`The production baseline was written by ${writer} and this run uses ${runner}`)
    expect(message).toContain('state:modified marks nodes modified that the pull request did not change')
  })
})
