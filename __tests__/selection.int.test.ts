import { beforeAll, describe, expect, it } from '@jest/globals'
import { chmodSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { Manifest, RunResults } from '../src/dbt/artifact-types.js'
import { execDbtProcess } from '../src/dbt/process.js'
import { dbtRunner } from '../src/dbt/runner.js'
import { dbtSession } from '../src/dbt/session.js'
import { actionDirs } from '../src/run/dirs.js'
import { reasonText, type SelectionReport } from '../src/selection/explain.js'
import { gitIn } from '../src/selection/lag.js'
import { explainAfterBuild, gatherSelection, type SelectionFacts } from '../src/selection/step.js'
import { ExampleProject } from './helpers/example-project.js'
import { dbtExecutable } from './helpers/paths.js'
import { applyPullRequest, commitAll, git, initRepo, prepareSelectionBase } from './helpers/selection-scenario.js'

// Why each node was selected, asked of real dbt (its programmatic runner, and `dbt ls` per part)
// on the example project, with real git histories made here.

const CI = 'ci_why'
let production: ExampleProject
let stateDir: string
let baselineSha: string

const quiet = (exe: string) =>
  execDbtProcess(
    exe,
    (s) => s,
    () => undefined
  )
const log = { info: () => undefined, warning: () => undefined, debug: () => undefined }

beforeAll(async () => {
  production = ExampleProject.create()
  prepareSelectionBase(production)
  stateDir = dirname(await production.deploy('prod'))
  baselineSha = initRepo(production)
}, 240_000)

async function select(
  pr: ExampleProject,
  commits: { baseSha: string; headSha: string },
  executable = dbtExecutable(),
  inSession = false
): Promise<{ facts: SelectionFacts; report: SelectionReport }> {
  const env = pr.env({ DBT_CI_SCHEMA: CI })
  const dirs = actionDirs(mkdtempSync(join(tmpdir(), 'dbt-defer-why-')), pr.dir, pr.dir, 'jaffle_shop')
  const dbt = { executable, projectDir: pr.dir, profilesDir: pr.dir, target: 'ci', extraArgs: [] }
  const session = inSession
    ? dbtSession(
        executable,
        (s) => s,
        () => undefined
      )
    : undefined
  const runner = dbtRunner({ process: session ?? quiet(executable), dbt, env, dirs, log })
  const facts = await gatherSelection({
    dbt,
    env,
    process: quiet,
    runner,
    stateDir,
    git: gitIn(pr.dir, env),
    commits: { baselineSha, ...commits, repository: 'octo/shop', serverUrl: 'https://github.example' },
    log
  })
  await session?.close()
  await pr.dbtOk(['build', '-s', 'state:modified', '--defer', '--state', stateDir], { DBT_CI_SCHEMA: CI })
  const runResults = pr.artifact<RunResults>('run_results.json')
  if (!facts.answer) throw new Error(`dbt gave no answer: ${facts.failure}`)
  const report = await explainAfterBuild(facts, {
    git: gitIn(pr.dir, env),
    selected: runResults.results.map((r) => r.unique_id),
    current: pr.artifact<Manifest>('manifest.json'),
    baseline: production.artifact<Manifest>('manifest.json'),
    projectPath: '.'
  })
  if (!report) throw new Error('no selection report')
  return { facts, report }
}

function reasons(report: SelectionReport): Record<string, string> {
  return Object.fromEntries([...report.nodes].map(([id, n]) => [id.split('.').slice(2).join('.'), reasonText(n.why)]))
}

describe('why each node was selected (real dbt, real git)', () => {
  it('names the part of state:modified that fired for each node, and flags the false positives', async () => {
    const pr = production.clone()
    git(pr.dir, 'checkout', '-q', '-b', 'pr')
    applyPullRequest(pr)
    const head = commitAll(pr, 'the pull request')
    const { facts, report } = await select(pr, { baseSha: baselineSha, headSha: head })
    expect(facts.answer?.how).toBe('programmatic')
    expect(facts.answer?.invocations).toBe(1)
    expect(reasons(report)).toEqual({
      customers: 'body changed',
      'not_null_customers_customer_id.5c9bf9911d': 'tests customers',
      'unique_customers_customer_id.c5af1ff4b1': 'tests customers',
      customer_history: 'configs changed',
      stg_orders: 'macros changed (only macro loaded_at)',
      'unique_stg_orders_order_id.e3b841c71a': 'tests stg_orders',
      'not_null_stg_orders_order_id.81cfe2fe64': 'tests stg_orders',
      'accepted_values_stg_orders_status__placed__shipped__completed__return_pending__returned.080fb20aad': 'tests stg_orders',
      stg_payments: 'macros changed (only macro loaded_at)',
      'unique_stg_payments_payment_id.3744510712': 'tests stg_payments',
      'not_null_stg_payments_payment_id.c19cc50075': 'tests stg_payments',
      new_model: 'new',
      contracted: 'contract changed'
    })
    // dbt-core 1.12 compares the unrendered config (state_modified_compare_more_unrendered_values):
    // the env-aware materialization of customer_segments no longer marks it modified.
    expect(report.nodes.has('model.jaffle_shop.customer_segments')).toBe(false)
    expect(report.section.macro_only).toEqual([{ macro: 'macro.jaffle_shop.loaded_at', nodes: 2 }])
    expect(report.section.lag).toMatchObject({ known: true, behind: 0, ahead: 0, lag_only: [] })
    // What reads the built nodes and was not rebuilt, from the manifest's child_map.
    const downstream = (id: string) => report.nodes.get(id)?.downstream.map((c) => `${c.resourceType} ${c.name}`)
    expect(downstream('model.jaffle_shop.stg_orders')).toEqual(['model orders'])
    expect(downstream('model.jaffle_shop.stg_payments')).toEqual(['model int_order_payments'])
    expect(downstream('model.jaffle_shop.customers')).toEqual(['model customer_segments'])
    expect(report.section.downstream).toEqual({ model: 3 })
  }, 240_000)

  it("asks one ls per part in the run's dbt session, with the same answers and no process of its own", async () => {
    const pr = production.clone()
    git(pr.dir, 'checkout', '-q', '-b', 'pr')
    applyPullRequest(pr)
    const head = commitAll(pr, 'the pull request')
    const inSession = await select(pr, { baseSha: baselineSha, headSha: head }, dbtExecutable(), true)
    expect(inSession.facts.answer).toMatchObject({ how: 'session', invocations: 0, failed: [] })
    expect(reasons(inSession.report)).toMatchObject({
      customers: 'body changed',
      customer_history: 'configs changed',
      stg_orders: 'macros changed (only macro loaded_at)',
      new_model: 'new',
      contracted: 'contract changed'
    })
  }, 240_000)

  it('asks one dbt ls per part, with the same answers, when dbt is not a Python program', async () => {
    const pr = production.clone()
    git(pr.dir, 'checkout', '-q', '-b', 'pr')
    applyPullRequest(pr)
    const head = commitAll(pr, 'the pull request')
    // A dbt whose first line names no Python (as dbt Fusion, a binary): the programmatic runner is out.
    const wrapper = join(mkdtempSync(join(tmpdir(), 'dbt-defer-bin-')), 'dbt')
    writeFileSync(wrapper, `#!/bin/sh\nexec ${dbtExecutable()} "$@"\n`)
    chmodSync(wrapper, 0o755)
    const viaLs = await select(pr, { baseSha: baselineSha, headSha: head }, wrapper)
    expect(viaLs.facts.answer?.how).toBe('dbt-ls')
    expect(viaLs.facts.answer?.invocations).toBe(7)
    expect(reasons(viaLs.report)).toMatchObject({
      customers: 'body changed',
      stg_orders: 'macros changed (only macro loaded_at)',
      new_model: 'new',
      contracted: 'contract changed'
    })
  }, 240_000)

  it('attributes to the lag the nodes the PR did not touch when the baseline is two commits behind the merge base', async () => {
    const repo = production.clone()
    repo.edit('models/staging/stg_customers.sql', (s) => `-- main, after the deploy\n${s}`)
    commitAll(repo, 'main: stg_customers')
    repo.edit('models/marts/orders.sql', (s) => `-- main, later\n${s}`)
    const mergeBase = commitAll(repo, 'main: orders')
    git(repo.dir, 'checkout', '-q', '-b', 'pr')
    repo.edit('models/marts/customers.sql', (s) => `-- the PR\n${s}`)
    const head = commitAll(repo, 'the pull request')
    const { report } = await select(repo, { baseSha: mergeBase, headSha: head })
    expect(report.section.lag).toEqual({
      known: true,
      baseline_sha: baselineSha,
      merge_base: mergeBase,
      head_sha: head,
      behind: 2,
      ahead: 0,
      compare_url: `https://github.example/octo/shop/compare/${baselineSha}...${head}`,
      lag_only: expect.arrayContaining(['model.jaffle_shop.stg_customers', 'model.jaffle_shop.orders']) as unknown as string[]
    })
    const lagOnly = (report.section.lag as { lag_only: string[] }).lag_only
    expect(lagOnly).not.toContain('model.jaffle_shop.customers')
    expect(lagOnly.filter((id) => /\.(unique|not_null)_customers_customer_id\./.test(id))).toEqual([])
    expect(lagOnly.filter((id) => /_stg_customers_customer_id\./.test(id))).toHaveLength(2)
    expect(reasons(report).stg_customers).toBe('body changed; baseline lag only')
    expect(reasons(report).customers).toBe('body changed')
  }, 240_000)
})
