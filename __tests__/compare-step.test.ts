import { describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { compareData } from '../src/compare/step.js'
import { PROGRESS, RESULT_BEGIN, RESULT_END } from '../src/compare/sql.js'
import type { RawResult } from '../src/compare/types.js'
import type { DbtRunner } from '../src/dbt/runner.js'
import type { CompareSettings } from '../src/settings.js'
import { recordedArtifacts } from './fakes/dbt-process.js'

// The comparison step's two attempts, with a dbt that answers from a script: the recorded
// artifacts of the example project (customers and orders built), and what dbt printed when a
// read failed part way.

const { manifest, baselineManifest, runResults } = recordedArtifacts()
const built = {
  ...runResults,
  results: ['model.jaffle_shop.customers', 'model.jaffle_shop.orders'].map((unique_id) => ({ unique_id, status: 'success' }))
}
const settings: CompareSettings = { enabled: true, maxModels: 50, keyDiffMaxRows: 1000, exampleKeys: 5, valueSamples: false }
const columns = [{ name: 'customer_id', type: 'INTEGER' }]

function answer(i: number, withKeys: boolean): RawResult {
  const keys = {
    column: 'customer_id',
    compared: [],
    only_ci: 1,
    only_deferred: 0,
    changed: 0,
    examples: { only_ci: ['9'], only_deferred: [], changed: [] }
  }
  return {
    i,
    ci_exists: true,
    deferred_exists: true,
    ci_columns: columns,
    deferred_columns: columns,
    ci_rows: 7,
    deferred_rows: 6,
    ...(withKeys ? { keys } : {})
  }
}

/** A dbt runner whose every invocation is one reply of the script: printed lines, or the results. */
function scriptedRunner(replies: Array<(sql: string) => { fail?: string[]; results?: RawResult[] }>): DbtRunner & { sqls: string[] } {
  const root = mkdtempSync(join(tmpdir(), 'dbt-defer-compare-step-'))
  const sqls: string[] = []
  return {
    sqls,
    scratch: (name) => mkdtempSync(join(root, name)),
    startFrom: () => {},
    async step(name, args) {
      const sql = args[args.indexOf('--inline') + 1]
      sqls.push(sql)
      const reply = replies[sqls.length - 1](sql)
      const targetDir = join(root, `${name}-${sqls.length}`)
      mkdirSync(targetDir)
      if (reply.fail) return { exit: { exitCode: 1, output: reply.fail.join('\n') }, targetDir }
      const code = `${RESULT_BEGIN}${JSON.stringify(reply.results)}${RESULT_END}select 1 as compared`
      writeFileSync(
        join(targetDir, 'run_results.json'),
        JSON.stringify({
          metadata: { dbt_schema_version: '' },
          results: [{ unique_id: 'sql_operation.x', status: 'success', compiled_code: code }]
        })
      )
      return { exit: { exitCode: 0, output: '' }, targetDir }
    }
  }
}

const deps = (runner: DbtRunner) => ({ runner, readJson: async (path: string) => JSON.parse(await readFile(path, 'utf8')) as unknown })
const input = { runResults: built, manifest, baseline: baselineManifest, env: 'production' as const }

describe('compareData', () => {
  it('after a key diff that fails, compares that model again without it, in a second invocation', async () => {
    const runner = scriptedRunner([
      () => ({
        fail: [
          `${PROGRESS} 0:columns`,
          `${PROGRESS} 0:rows`,
          `${PROGRESS} 0:keys`,
          'Runtime Error',
          '  could not identify an equality operator for type json'
        ]
      }),
      () => ({ results: [answer(0, false), answer(1, true)] })
    ])
    const changes = await compareData(settings, input, deps(runner))
    expect(changes.invocations).toBe(2)
    expect(changes.models.map((m) => [m.name, m.status, m.key_diff_note])).toEqual([
      ['customers', 'compared', 'key diff failed: could not identify an equality operator for type json'],
      ['orders', 'compared', null]
    ])
    expect(changes.models[1].key_diff).toMatchObject({ only_ci: 1, examples: { only_ci: ['9'] } })
    expect(changes.warnings).toEqual([
      'The key diff of customers against production failed: could not identify an equality operator for type json.'
    ])
    // The second program still reads customers, but asks no key of it.
    expect(runner.sqls[1]).toContain("'k': none")
  })

  it('after a read that fails, compares the others; a second failure leaves the rest as warnings, never more invocations', async () => {
    const deny = ['Runtime Error', '  permission denied for table customers']
    const runner = scriptedRunner([
      () => ({ fail: [`${PROGRESS} 0:columns`, ...deny] }),
      () => ({ fail: [`${PROGRESS} 0:columns`, 'Runtime Error', '  permission denied for table orders'] })
    ])
    const changes = await compareData(settings, input, deps(runner))
    expect(changes.invocations).toBe(2)
    expect(changes.models.map((m) => [m.name, m.status, m.error])).toEqual([
      ['customers', 'failed', 'permission denied for table customers'],
      ['orders', 'failed', 'the comparison failed twice; the second time: permission denied for table orders (at orders)']
    ])
    expect(changes.totals.failed).toBe(2)
    expect(changes.warnings).toHaveLength(2)
  })
})
