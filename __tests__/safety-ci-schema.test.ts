import { describe, expect, it } from '@jest/globals'
import { CiSchemaError, ciSchemaName, MAX_SCHEMA_LENGTH, sanitizeSchemaName } from '../src/safety/ci-schema.js'

describe('ciSchemaName', () => {
  it('fills {pr}, {run_id} and {branch}', () => {
    expect(ciSchemaName('dbt_ci_pr_{pr}', { pr: 7 })).toBe('dbt_ci_pr_7')
    expect(ciSchemaName('ci_{run_id}', { runId: '9876543210' })).toBe('ci_9876543210')
    expect(ciSchemaName('ci_{branch}_{pr}', { pr: 12, branch: 'main' })).toBe('ci_main_12')
  })

  it('means no per-PR schema for an empty or blank template', () => {
    expect(ciSchemaName('', { pr: 7 })).toBeUndefined()
    expect(ciSchemaName('   ', { pr: 7 })).toBeUndefined()
  })

  it('lower-cases and reduces other characters to single underscores', () => {
    expect(ciSchemaName('CI_{branch}', { branch: 'Feature/JIRA-123--add.Column' })).toBe('ci_feature_jira_123_add_column')
    expect(ciSchemaName('ci__{branch}', { branch: 'fix-' })).toBe('ci_fix')
    expect(ciSchemaName('ci_{branch}', { branch: 'ümlaut branch' })).toBe('ci_mlaut_branch')
  })

  it('puts ci_ before a name that would start with a digit', () => {
    expect(ciSchemaName('{pr}_ci', { pr: 42 })).toBe('ci_42_ci')
  })

  it('keeps long names within 63 characters and distinct', () => {
    const a = ciSchemaName('dbt_ci_{branch}', { branch: `feature/${'x'.repeat(80)}-one` })!
    const b = ciSchemaName('dbt_ci_{branch}', { branch: `feature/${'x'.repeat(80)}-two` })!
    expect(a.length).toBeLessThanOrEqual(MAX_SCHEMA_LENGTH)
    expect(b.length).toBeLessThanOrEqual(MAX_SCHEMA_LENGTH)
    expect(a).not.toBe(b)
    expect(a).toMatch(/^dbt_ci_feature_x+_[0-9a-f]{8}$/)
    expect(sanitizeSchemaName('a'.repeat(63))).toBe('a'.repeat(63))
  })

  it('falls back to the run id for {pr} when the run has no pull request, and says so', () => {
    const notes: string[] = []
    expect(ciSchemaName('dbt_ci_pr_{pr}', { runId: '555' }, (m) => notes.push(m))).toBe('dbt_ci_pr_run_555')
    expect(notes).toHaveLength(1)
    expect(notes[0]).toContain("'run_555'")
  })

  it('names the input when a placeholder cannot be filled', () => {
    expect(() => ciSchemaName('dbt_ci_pr_{pr}', {})).toThrow(CiSchemaError)
    expect(() => ciSchemaName('dbt_ci_pr_{pr}', {})).toThrow(/Input 'ci-schema' is 'dbt_ci_pr_\{pr\}'/)
    expect(() => ciSchemaName('ci_{branch}', { pr: 1 })).toThrow(/no branch name for \{branch\}/)
    expect(() => ciSchemaName('ci_{run_id}', { pr: 1 })).toThrow(/workflow run id/)
  })

  it('rejects unknown placeholders and templates that leave no name', () => {
    expect(() => ciSchemaName('ci_{sha}', { pr: 1 })).toThrow(
      /\{sha\} is not a known placeholder. Accepted: \{pr\}, \{run_id\}, \{branch\}/
    )
    expect(() => ciSchemaName('---', {})).toThrow(/leaves no letters, digits or underscores/)
  })
})
