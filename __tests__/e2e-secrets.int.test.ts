import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { FakeFileServer } from './fakes/file-server.js'
import { FakeGitHub } from './fakes/github-server.js'
import { ExampleProject } from './helpers/example-project.js'
import { dbtExecutable } from './helpers/paths.js'
import { runAction, type ActionRun } from './helpers/run-action.js'

// Secrets never leave the run. The job gives dbt every secret the action knows (a careless job
// does), a model fails with all of them in its error, and dbt prints it. Through dist/index.js,
// the PR comment on the fake GitHub, summary.md, report.json, every output and the whole job log
// hold none of them; the action's own inputs never reach dbt at all.

const SECRETS = {
  token: 'ghs_secret_installation_token_1234',
  authorization: 'Bearer header-secret-abcdef-987',
  query: 'query-secret-5555-zzzz',
  cloud: 'dbtc_cloud_secret_token_42'
}

let github: FakeGitHub
let files: FakeFileServer
let production: ExampleProject

beforeAll(async () => {
  production = ExampleProject.create()
  const manifest = readFileSync(await production.deploy('prod'), 'utf8')
  github = new FakeGitHub()
  await github.start()
  github.addRepo({ owner: 'octo', repo: 'shop', defaultBranch: 'main' })
  github.addToken(SECRETS.token, { login: 'github-actions[bot]', kind: 'installation' })
  github.addPullRequest({ number: 7, headRef: 'feature/leak', headSha: 'a'.repeat(40) })
  files = await FakeFileServer.start()
  files.files.set('/manifest.json', { body: manifest, authorization: SECRETS.authorization })
}, 240_000)

afterAll(async () => {
  await github?.stop()
  await files?.close()
})

function act(project: ExampleProject, env: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    workspace: project.dir,
    eventName: 'pull_request',
    event: {
      action: 'synchronize',
      number: 7,
      pull_request: {
        number: 7,
        head: { ref: 'feature/leak', sha: 'a'.repeat(40), repo: { full_name: 'octo/shop' } },
        base: { ref: 'main', repo: { full_name: 'octo/shop' } }
      },
      repository: { full_name: 'octo/shop' }
    },
    inputs: {
      'project-dir': project.dir,
      'profiles-dir': project.dir,
      target: 'ci',
      'dbt-executable': dbtExecutable(),
      'baseline-source': 'url',
      'production-url': `${files.url}/manifest.json?token=${SECRETS.query}`,
      'url-authorization': SECRETS.authorization,
      'dbt-cloud-api-token': SECRETS.cloud,
      'github-token': SECRETS.token,
      'ci-schema': 'dbt_ci_pr_{pr}'
    },
    env: {
      GITHUB_REPOSITORY: 'octo/shop',
      GITHUB_API_URL: github.apiUrl,
      GITHUB_SERVER_URL: github.serverUrl,
      DBT_DUCKDB_PATH: project.path('warehouse.duckdb'),
      ...env
    }
  })
}

/** Every text the run published, the runner's own mask commands left out (the runner consumes them). */
function published(run: ActionRun): Record<string, string> {
  return {
    log: run.log
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n'),
    summary: run.summary,
    'summary.md': run.outputs['summary-path'] ? readFileSync(run.outputs['summary-path'], 'utf8') : '',
    'report.json': run.outputs['report-path'] ? readFileSync(run.outputs['report-path'], 'utf8') : '',
    outputs: JSON.stringify(run.outputs),
    comment: github
      .comments(7)
      .map((c) => c.body)
      .join('\n')
  }
}

describe('secrets', () => {
  it('never appear in the comment, the summary, report.json, the outputs or the log, though dbt printed them all', async () => {
    const pr = production.clone()
    pr.edit(
      'models/marts/customers.sql',
      (sql) =>
        `${sql}\n{% if execute %}{{ exceptions.raise_compiler_error('leaked: ' ~ env_var('LEAK_TOKEN') ~ ' ' ~ env_var('LEAK_AUTH') ~ ' ' ~ env_var('LEAK_QUERY') ~ ' ' ~ env_var('LEAK_CLOUD')) }}{% endif %}`
    )
    const run = await act(pr, {
      LEAK_TOKEN: SECRETS.token,
      LEAK_AUTH: SECRETS.authorization,
      LEAK_QUERY: SECRETS.query,
      LEAK_CLOUD: SECRETS.cloud
    })
    expect(run.code).toBe(1)
    // dbt did fail with the leaking message, and it reached every destination, scrubbed.
    const texts = published(run)
    expect(texts.log).toContain('leaked: ***')
    expect(texts['report.json']).toContain('leaked: ***')
    expect(texts.comment).toContain('leaked: ***')
    expect(texts['summary.md']).toContain('leaked: ***')
    for (const [where, text] of Object.entries(texts)) {
      for (const [name, secret] of Object.entries(SECRETS)) {
        expect({ where, name, leaked: text.includes(secret) }).toEqual({ where, name, leaked: false })
      }
      expect({ where, leaked: text.includes('header-secret-abcdef-987') }).toEqual({ where, leaked: false })
    }
    // The baseline URL is printed without its query string.
    expect(texts.log).toContain(`${files.url}/manifest.json`)
    expect(texts.log).not.toContain('?token=query')
  }, 240_000)

  it("hands dbt none of the action's own inputs: a model reading INPUT_GITHUB-TOKEN finds it unset", async () => {
    const pr = production.clone()
    pr.edit('models/marts/customers.sql', (sql) => `${sql}\n-- {{ env_var('INPUT_GITHUB-TOKEN') }}`)
    const run = await act(pr)
    expect(run.code).toBe(1)
    const texts = published(run)
    // dbt cannot even parse the project without it, so the safety probe stops the run first.
    expect(texts.log).toMatch(/Env var required but not provided: 'INPUT_GITHUB-TOKEN'/)
    expect(texts.log).toContain('::error::The safety check could not ask dbt')
    for (const text of Object.values(texts)) expect(text).not.toContain(SECRETS.token)
  }, 240_000)
})
