import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunResults } from '../src/dbt/artifact-types.js'
import type { Report } from '../src/report/types.js'
import { FakeGitHub, makeZip } from './fakes/github-server.js'
import { ExampleProject } from './helpers/example-project.js'
import { dbtExecutable } from './helpers/paths.js'
import { runAction, type ActionRun } from './helpers/run-action.js'
import { applyPullRequest, git, prepareSelectionBase } from './helpers/selection-scenario.js'

// "Why this selection" end to end: the bundled action, real dbt, a real git history in the
// workspace, the deploy's manifest from a fake GitHub whose deploy run names the commit it built.

const REPO = 'octo/shop'
const TOKEN = 'ghs_installation_token'

let github: FakeGitHub
let production: ExampleProject
let zip: Buffer
let nextPr = 20

beforeAll(async () => {
  production = ExampleProject.create()
  prepareSelectionBase(production)
  zip = await makeZip({ 'manifest.json': readFileSync(await production.deploy('prod'), 'utf8') })
  github = new FakeGitHub()
  await github.start()
  github.addRepo({ owner: 'octo', repo: 'shop', defaultBranch: 'main' })
  github.addToken(TOKEN, { login: 'github-actions[bot]', kind: 'installation' })
}, 240_000)

afterAll(async () => {
  await github?.stop()
})

/** A workspace whose git history starts with the deployed project; the deploy run names that commit. */
function workspace(): { pr: ExampleProject; commit: (message: string) => string; deployed: string } {
  const pr = production.clone()
  writeFileSync(join(pr.root, '.gitignore'), 'project/target/\nproject/logs/\nproject/warehouse.duckdb*\n')
  git(pr.root, 'init', '-q', '-b', 'main')
  const commit = (message: string): string => {
    git(pr.root, 'add', '-A')
    git(pr.root, 'commit', '-q', '-m', message)
    return git(pr.root, 'rev-parse', 'HEAD')
  }
  const deployed = commit('deployed')
  const run = github.addWorkflowRun({ workflow: 'deploy.yml', event: 'push', headSha: deployed })
  github.addArtifact(run.id, { name: 'dbt-manifest', zip })
  return { pr, commit, deployed }
}

async function act(
  pr: ExampleProject,
  base: string,
  head: string,
  inputs: Record<string, string> = {}
): Promise<{ run: ActionRun; number: number }> {
  const number = nextPr++
  github.addPullRequest({ number, headRef: `feature/${number}`, headSha: head })
  const run = await runAction({
    workspace: pr.root,
    eventName: 'pull_request',
    event: {
      action: 'synchronize',
      number,
      pull_request: {
        number,
        html_url: `${github.serverUrl}/${REPO}/pull/${number}`,
        head: { ref: `feature/${number}`, sha: head, repo: { full_name: REPO } },
        base: { ref: 'main', sha: base, repo: { full_name: REPO } }
      },
      repository: { full_name: REPO }
    },
    inputs: {
      'project-dir': 'project',
      'profiles-dir': 'project',
      target: 'ci',
      'dbt-executable': dbtExecutable(),
      'github-token': TOKEN,
      'production-workflow': 'deploy.yml',
      'ci-schema': '',
      compare: 'false',
      ...inputs
    },
    env: {
      GITHUB_API_URL: github.apiUrl,
      GITHUB_SERVER_URL: github.serverUrl,
      GITHUB_REPOSITORY: REPO,
      GITHUB_RUN_ID: String(9000 + number),
      GITHUB_HEAD_REF: `feature/${number}`,
      DBT_DUCKDB_PATH: join(pr.dir, 'warehouse.duckdb')
    }
  })
  return { run, number }
}

function reportOf(run: ActionRun): Report {
  return JSON.parse(readFileSync(run.outputs['report-path'], 'utf8')) as Report
}

function whyOf(report: Report, name: string): unknown {
  const entry = Object.entries(report.selection?.nodes ?? {}).find(([id]) => id.split('.')[2] === name)
  return entry?.[1].why
}

describe('why this selection, in report.json and the comment (real dbt, real git)', () => {
  it('gives each node the part of state:modified that fired, flags the noise, and draws the lineage', async () => {
    const { pr, commit, deployed } = workspace()
    git(pr.root, 'checkout', '-q', '-b', 'feature')
    applyPullRequest(pr)
    const head = commit('the pull request')
    const { run, number } = await act(pr, deployed, head)
    expect(run.code).toBe(0)
    const report = reportOf(run)
    expect(report.selection).toMatchObject({ asked_with: 'session', invocations: 0, failed_parts: [] })
    expect(report.selection?.by_part).toEqual({
      new: 1,
      body: 1,
      configs: 1,
      relation: 0,
      persisted_descriptions: 0,
      macros: 2,
      contract: 1
    })
    expect(whyOf(report, 'customers')).toEqual({ parts: ['body'], via: null, flags: [], lag_only: false })
    expect(whyOf(report, 'customer_history')).toEqual({ parts: ['configs'], via: null, flags: [], lag_only: false })
    // dbt-core 1.12 compares the unrendered config (state_modified_compare_more_unrendered_values):
    // the env-aware materialization of customer_segments no longer marks it modified.
    expect(whyOf(report, 'customer_segments')).toBeUndefined()
    expect(whyOf(report, 'stg_orders')).toEqual({
      parts: ['macros'],
      via: null,
      flags: [{ kind: 'macro-only', macros: ['macro.jaffle_shop.loaded_at'] }],
      lag_only: false
    })
    expect(whyOf(report, 'new_model')).toEqual({ parts: ['new'], via: null, flags: [], lag_only: false })
    expect(whyOf(report, 'contracted')).toEqual({ parts: ['contract'], via: null, flags: [], lag_only: false })
    expect(whyOf(report, 'unique_customers_customer_id')).toEqual({
      parts: [],
      via: { kind: 'tests', nodes: ['model.jaffle_shop.customers'] },
      flags: [],
      lag_only: false
    })
    expect(report.selection?.lag).toMatchObject({
      known: true,
      baseline_sha: deployed,
      merge_base: deployed,
      behind: 0,
      ahead: 0,
      lag_only: []
    })
    expect(report.selection?.downstream).toEqual({ model: 3 })
    expect(run.outputs['lag-only-count']).toBe('0')
    expect(run.outputs['downstream-count']).toBe('3')

    const body = github.comments(number)[0].body
    expect(body).toContain('### Why this selection')
    expect(body).toContain('- **Selection:** 3 models downstream, not rebuilt\n')
    expect(body).toContain('**Why selected:** 1 new, 1 body, 1 configs, 2 macros, 1 contract')
    expect(body).not.toContain('env-aware configs')
    expect(body).toContain('⚠️ 2 nodes selected only because macro <code>loaded_at</code> changed.')
    expect(body).toContain('↘️ 3 models read the built nodes and were not rebuilt.')
    expect(body).toContain('```mermaid\nflowchart LR')
    expect(body).not.toContain('customer_segments<br/><i>configs')
    expect(body).toContain(
      '| <code>stg_orders</code> | macros changed &#40;only macro loaded_at&#41; | <details><summary>1</summary>model <code>orders</code></details> |'
    )
    expect(run.summary).toContain('### Why this selection')
  }, 240_000)

  it('says which nodes only the lagging baseline selected, and leaves them out with exclude-lagging', async () => {
    const { pr, commit, deployed } = workspace()
    pr.edit('models/staging/stg_customers.sql', (s) => `-- main, after the deploy\n${s}`)
    commit('main: stg_customers')
    pr.edit('models/marts/orders.sql', (s) => `-- main, later\n${s}`)
    const mergeBase = commit('main: orders')
    git(pr.root, 'checkout', '-q', '-b', 'feature')
    pr.edit('models/marts/customers.sql', (s) => `-- the PR\n${s}`)
    const head = commit('the pull request')

    const { run, number } = await act(pr, mergeBase, head)
    expect(run.code).toBe(0)
    const lag = reportOf(run).selection?.lag
    expect(lag).toMatchObject({ known: true, baseline_sha: deployed, merge_base: mergeBase, head_sha: head, behind: 2, ahead: 0 })
    const lagOnly = (lag as { lag_only: string[] }).lag_only
    expect(lagOnly.filter((id) => id.startsWith('model.'))).toEqual(['model.jaffle_shop.orders', 'model.jaffle_shop.stg_customers'])
    // Their data tests too, the singular test on orders among them.
    expect(lagOnly).toHaveLength(8)
    expect(run.outputs['lag-only-count']).toBe('8')
    const body = github.comments(number)[0].body
    expect(body).toContain(
      `⏳ 8 nodes are selected only because the production baseline is 2 commits behind the pull request's merge base (<a href="${github.serverUrl}/${REPO}/compare/${deployed}...${head}">compare</a>).`
    )
    expect(body).toContain('| <code>stg_customers</code> | body changed; baseline lag only |')
    expect(body).toContain('· 8 selected only because the baseline lags')

    const excluded = await act(pr, mergeBase, head, { 'exclude-lagging': 'true' })
    expect(excluded.run.code).toBe(0)
    const ran = (JSON.parse(readFileSync(excluded.run.outputs['run-results-path'], 'utf8')) as RunResults).results.map((r) => r.unique_id)
    expect(ran).toContain('model.jaffle_shop.customers')
    // The lag's two models and their tests go; the PR's model stays.
    expect(ran.filter((id) => id.startsWith('model.')).sort()).toEqual(['model.jaffle_shop.customers'])
    expect(ran.filter((id) => lagOnly.includes(id))).toEqual([])
    expect(excluded.run.log).toContain('exclude-lagging: leaving out 8 nodes selected only because the baseline lags the pull request')
  }, 240_000)
})
