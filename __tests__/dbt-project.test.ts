import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readDbtProject } from '../src/dbt/project.js'

function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbt-project-'))
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true })
    writeFileSync(join(dir, name), text)
  }
  return dir
}

describe('readDbtProject', () => {
  it('reads the name, the profile and the default target directory', () => {
    const dir = project({ 'dbt_project.yml': 'name: shop\nprofile: shop\n' })
    expect(readDbtProject(dir)).toEqual({ name: 'shop', targetDir: join(dir, 'target'), packagesMissing: false, profile: 'shop' })
    // A templated profile is dbt's to render: the project gives none.
    expect(readDbtProject(project({ 'dbt_project.yml': 'name: shop\nprofile: "{{ env_var(\'P\') }}"\n' })).profile).toBeUndefined()
  })

  it('honours target-path, and DBT_TARGET_PATH over it', () => {
    const dir = project({ 'dbt_project.yml': 'name: shop\ntarget-path: build/dbt\n' })
    expect(readDbtProject(dir).targetDir).toBe(join(dir, 'build/dbt'))
    expect(readDbtProject(dir, '/abs/target').targetDir).toBe('/abs/target')
  })

  it('says packages are missing when packages.yml or dependencies.yml declares some that are not installed', () => {
    const declared = 'packages:\n  - package: dbt-labs/dbt_utils\n    version: 1.3.0\n'
    expect(readDbtProject(project({ 'dbt_project.yml': 'name: a\n', 'packages.yml': declared })).packagesMissing).toBe(true)
    expect(readDbtProject(project({ 'dbt_project.yml': 'name: a\n', 'dependencies.yml': declared })).packagesMissing).toBe(true)
    const installed = project({
      'dbt_project.yml': 'name: a\n',
      'packages.yml': declared,
      'dbt_packages/dbt_utils/dbt_project.yml': 'name: dbt_utils\n'
    })
    expect(readDbtProject(installed).packagesMissing).toBe(false)
    const elsewhere = project({
      'dbt_project.yml': 'name: a\npackages-install-path: vendor\n',
      'packages.yml': declared,
      'dbt_packages/x': ''
    })
    expect(readDbtProject(elsewhere).packagesMissing).toBe(true)
    expect(readDbtProject(project({ 'dbt_project.yml': 'name: a\n', 'packages.yml': 'packages: []\n' })).packagesMissing).toBe(false)
  })

  it('fails with what to fix when dbt_project.yml has no name or is not YAML', () => {
    expect(() => readDbtProject(project({ 'dbt_project.yml': 'version: 2\n' }))).toThrow("has no 'name'")
    expect(() => readDbtProject(project({ 'dbt_project.yml': 'name: [unclosed\n' }))).toThrow('Fix the YAML')
  })
})
