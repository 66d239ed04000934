import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { cpSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { RunResults } from '../src/dbt/artifact-types.js'
import type { Report } from '../src/report/types.js'
import { FakeGitHub, makeZip } from './fakes/github-server.js'
import { addRepeatCustomerColumn, ExampleProject } from './helpers/example-project.js'
import { dbtExecutable } from './helpers/paths.js'
import { runAction, type ActionRun } from './helpers/run-action.js'
import { repoRoot } from './helpers/paths.js'
import { parse } from 'yaml'

// The deploy side publishes the example's production manifest as a workflow artifact on a fake
// GitHub (real HTTP on 127.0.0.1, real REST paths and shapes); the PR side runs dist/index.js
// as the runner does, fetches it through GITHUB_API_URL, defers to it with real dbt, and
// reports on the pull request.

const REPO = 'octo/shop'
const TOKEN = 'ghs_installation_token'
const FORK_TOKEN = 'ghs_fork_read_only'

let github: FakeGitHub
let production: ExampleProject
let manifestText: string
let deployRunId: number
let deploySha: string

beforeAll(async () => {
  production = ExampleProject.create()
  manifestText = readFileSync(await production.deploy('prod'), 'utf8')
  github = new FakeGitHub()
  await github.start()
  github.addRepo({ owner: 'octo', repo: 'shop', defaultBranch: 'main' })
  github.addToken(TOKEN, { login: 'github-actions[bot]', kind: 'installation' })
  github.addToken(FORK_TOKEN, { login: 'github-actions[bot]', kind: 'installation', readOnly: true })
  // An older deploy, a CI run of a PR (newer, must never be taken), then the newest deploy.
  const older = github.addWorkflowRun({ workflow: 'deploy.yml', event: 'push' })
  github.addArtifact(older.id, { name: 'dbt-manifest', zip: await makeZip({ 'manifest.json': '{"metadata": {}}' }) })
  const deploy = github.addWorkflowRun({ workflow: 'deploy.yml', event: 'push' })
  github.addArtifact(deploy.id, { name: 'dbt-manifest', zip: await makeZip({ 'manifest.json': manifestText }) })
  const ci = github.addWorkflowRun({ workflow: 'deploy.yml', event: 'pull_request', branch: 'main' })
  github.addArtifact(ci.id, { name: 'dbt-manifest', zip: await makeZip({ 'manifest.json': '{"metadata": {}}' }) })
  deployRunId = deploy.id
  deploySha = deploy.head_sha
  github.addPullRequest({ number: 7, headRef: 'feature/repeat-customers', headSha: 'a'.repeat(40) })
}, 240_000)

afterAll(async () => {
  await github?.stop()
})

/** A PR checkout: the workspace holds the project under `project/`. */
function checkout(): ExampleProject {
  const pr = production.clone()
  addRepeatCustomerColumn(pr)
  return pr
}

function pullRequestEvent(number: number, fork = false): Record<string, unknown> {
  const head = fork ? 'someone/shop' : REPO
  return {
    action: 'synchronize',
    number,
    pull_request: {
      number,
      html_url: `${github.serverUrl}/${REPO}/pull/${number}`,
      head: { ref: 'feature/repeat-customers', sha: 'a'.repeat(40), repo: { full_name: head } },
      base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: REPO } }
    },
    repository: { full_name: REPO }
  }
}

async function act(
  project: ExampleProject,
  opts: { inputs?: Record<string, string>; eventName?: string; event?: unknown; env?: Record<string, string>; projectDir?: string } = {}
): Promise<ActionRun> {
  return runAction({
    workspace: project.root,
    eventName: opts.eventName ?? 'pull_request',
    event: opts.event ?? pullRequestEvent(7),
    inputs: {
      'project-dir': opts.projectDir ?? 'project',
      'profiles-dir': opts.projectDir ?? 'project',
      target: 'ci',
      'dbt-executable': dbtExecutable(),
      'github-token': TOKEN,
      'production-workflow': 'deploy.yml',
      'ci-schema': '',
      ...opts.inputs
    },
    env: {
      GITHUB_API_URL: github.apiUrl,
      GITHUB_SERVER_URL: github.serverUrl,
      GITHUB_REPOSITORY: REPO,
      GITHUB_RUN_ID: '9001',
      GITHUB_SHA: 'c'.repeat(40),
      GITHUB_HEAD_REF: 'feature/repeat-customers',
      GITHUB_REF_NAME: '7/merge',
      DBT_DUCKDB_PATH: join(project.root, opts.projectDir ?? 'project', 'warehouse.duckdb'),
      ...opts.env
    }
  })
}

function runResults(run: ActionRun): RunResults {
  return JSON.parse(readFileSync(run.outputs['run-results-path'], 'utf8')) as RunResults
}

describe('baseline from the deploy workflow artifact, report on the pull request', () => {
  it('defers to the newest successful deploy and keeps one sticky comment up to date', async () => {
    const pr = checkout()
    const first = await act(pr)
    expect(first.code).toBe(0)
    expect(first.outputs['deferred-env']).toBe('production')
    expect(first.outputs['baseline-source']).toBe('github-artifact')
    expect(first.outputs['baseline-run-id']).toBe(String(deployRunId))
    expect(first.outputs['baseline-sha']).toBe(deploySha)
    expect(first.outputs['baseline-run-url']).toBe(`${github.serverUrl}/${REPO}/actions/runs/${deployRunId}`)
    expect(readFileSync(join(first.outputs['state-path'], 'manifest.json'), 'utf8')).toBe(manifestText)

    const customers = runResults(first).results.find((r) => r.unique_id === 'model.jaffle_shop.customers')
    expect(customers?.compiled_code).toContain('"warehouse"."prod"."orders"')
    expect(runResults(first).results).toHaveLength(3)

    const comments = github.comments(7)
    expect(comments).toHaveLength(1)
    expect(comments[0].user.login).toBe('github-actions[bot]')
    expect(comments[0].body).toContain('<!-- dbt-defer-action:jaffle_shop-')
    expect(comments[0].body).toContain('<b>customers</b>')
    expect(comments[0].body).toContain('**Deferred to:** 🏭 production')
    expect(comments[0].body).toContain(`${github.serverUrl}/${REPO}/actions/runs/${deployRunId}`)
    // The node links to its file at the PR's head commit.
    expect(comments[0].body).toContain(`${github.serverUrl}/${REPO}/blob/${'a'.repeat(40)}/project/models/marts/customers.sql`)
    expect(first.outputs['comment-url']).toBe(comments[0].html_url)
    // The blob host of the signed URL never saw the token.
    expect(github.requests.filter((r) => r.host === 'blob').every((r) => !r.authorization)).toBe(true)

    // A new push: the same comment is updated in place, never duplicated.
    pr.edit('models/marts/customers.sql', (sql) => sql.replace('as is_repeat_customer', 'as is_returning_customer'))
    const second = await act(pr)
    expect(second.code).toBe(0)
    const after = github.comments(7)
    expect(after).toHaveLength(1)
    expect(after[0].id).toBe(comments[0].id)
    expect(second.outputs['comment-url']).toBe(comments[0].html_url)
  }, 240_000)

  it('on a fork PR (read-only token) warns that the comment needs pull-requests: write and still passes', async () => {
    const before = github.comments(8).length
    github.addPullRequest({ number: 8, headRef: 'feature/repeat-customers', headRepo: 'someone/shop' })
    const run = await act(checkout(), { event: pullRequestEvent(8, true), inputs: { 'github-token': FORK_TOKEN } })
    expect(run.code).toBe(0)
    expect(run.log).toMatch(/::warning::.*pull-requests: write/)
    expect(github.comments(8)).toHaveLength(before)
    expect(run.summary).toContain('<b>customers</b>')
    expect(run.outputs['comment-url'] ?? '').toBe('')
  }, 240_000)

  it('from workflow_dispatch finds the open pull request of the branch and comments there', async () => {
    github.addPullRequest({ number: 12, headRef: 'feature/manual' })
    const run = await act(checkout(), {
      eventName: 'workflow_dispatch',
      event: { inputs: {}, ref: 'refs/heads/feature/manual', repository: { full_name: REPO } },
      env: { GITHUB_HEAD_REF: '', GITHUB_REF_NAME: 'feature/manual' }
    })
    expect(run.code).toBe(0)
    expect(github.comments(12)).toHaveLength(1)
    expect(github.comments(12)[0].body).toContain('<b>customers</b>')
  }, 240_000)

  it('from workflow_dispatch on a branch without a pull request reports to the job summary only, and says so', async () => {
    const run = await act(checkout(), {
      eventName: 'workflow_dispatch',
      event: { inputs: {}, ref: 'refs/heads/no-pr-here' },
      env: { GITHUB_HEAD_REF: '', GITHUB_REF_NAME: 'no-pr-here' }
    })
    expect(run.code).toBe(0)
    expect(run.log).toMatch(/No pull request to comment on: .*no-pr-here/)
    expect(run.summary).toContain('<b>customers</b>')
    expect(run.outputs['comment-url'] ?? '').toBe('')
  }, 240_000)

  it('keeps two projects of one repository apart: one comment each (a matrix over project-dir)', async () => {
    github.addPullRequest({ number: 21, headRef: 'feature/two-projects' })
    const pr = checkout()
    cpSync(pr.dir, join(pr.root, 'second'), { recursive: true })
    const event = pullRequestEvent(21)
    const a = await act(pr, { event })
    const b = await act(pr, { event, projectDir: 'second', env: { DBT_DUCKDB_PATH: join(pr.root, 'second', 'warehouse.duckdb') } })
    expect([a.code, b.code]).toEqual([0, 0])
    const comments = github.comments(21)
    expect(comments).toHaveLength(2)
    const markers = comments.map((c) => /<!-- (dbt-defer-action:[^ ]+) -->/.exec(c.body)?.[1])
    expect(new Set(markers).size).toBe(2)
    const reportA = JSON.parse(readFileSync(a.outputs['report-path'], 'utf8')) as Report
    const reportB = JSON.parse(readFileSync(b.outputs['report-path'], 'utf8')) as Report
    expect(reportA.run.project_dir).toBe('project')
    expect(reportB.run.project_dir).toBe('second')
  }, 240_000)

  it("runs as the step of the reusable org workflow, called with the caller's pull_request event", async () => {
    // The inputs the action receives are those the reusable workflow's step gives it, with the
    // reusable workflow's inputs filled from what caller.yml passes (the project path adapted to
    // this checkout's layout).
    type Workflow = {
      on: { workflow_call: { inputs: Record<string, { default?: string }> } }
      jobs: Record<string, { steps?: Array<{ uses?: string; with?: Record<string, string> }>; with?: Record<string, string> }>
    }
    const reusable = parse(readFileSync(join(repoRoot, 'examples/workflows/reusable-dbt-ci.yml'), 'utf8')) as Workflow
    const caller = parse(readFileSync(join(repoRoot, 'examples/workflows/caller.yml'), 'utf8')) as Workflow
    const passed: Record<string, string> = { ...caller.jobs.dbt.with, 'project-dir': 'project' }
    const value = (name: string): string => passed[name] ?? reusable.on.workflow_call.inputs[name]?.default ?? ''
    const step = Object.values(reusable.jobs)
      .flatMap((job) => job.steps ?? [])
      .find((st) => st.uses?.startsWith('dbt-defer/dbt-defer-action'))
    const inputs = Object.fromEntries(
      Object.entries(step?.with ?? {}).map(([k, v]) => [
        k,
        String(v).replace(/\$\{\{\s*inputs\.([a-z-]+)\s*\}\}/g, (_m, name: string) => value(name))
      ])
    )
    expect(inputs['production-workflow']).toBe('deploy.yml')

    github.addPullRequest({ number: 41, headRef: 'feature/org-ci' })
    const pr = checkout()
    const run = await act(pr, { event: pullRequestEvent(41), inputs: { ...inputs, 'dbt-executable': dbtExecutable() } })
    expect(run.code).toBe(0)
    expect(run.outputs['ci-schema']).toBe('dbt_ci_pr_41')
    expect(run.outputs['deferred-env']).toBe('production')
    expect(github.comments(41)).toHaveLength(1)
    expect(github.comments(41)[0].body).toContain('<b>customers</b>')
  }, 240_000)

  it('fails, naming staging, when a staging workflow is configured but never deployed (no fallback)', async () => {
    // The staging deploy exists but has never succeeded.
    github.addWorkflowRun({ workflow: 'deploy-staging.yml', event: 'push', conclusion: 'failure' })
    const run = await act(checkout(), { inputs: { 'staging-workflow': 'deploy-staging.yml' } })
    expect(run.code).toBe(1)
    expect(run.log).toMatch(/::error::.*staging/i)
    expect(run.log).toContain('defer-env: production')
    expect(run.outputs['deferred-env'] ?? '').toBe('')
  }, 240_000)
})
