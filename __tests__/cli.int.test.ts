import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Report } from '../src/report/types.js'
import { MARKER_TABLE } from '../src/safety/marker.js'
import { FakeDbtCloud } from './fakes/dbt-cloud-server.js'
import { FakeFileServer } from './fakes/file-server.js'
import { FakeGitHub, makeZip } from './fakes/github-server.js'
import { addRepeatCustomerColumn, ExampleProject } from './helpers/example-project.js'
import { repoRoot, venvBin } from './helpers/paths.js'
import { duckdbCatalog } from './helpers/warehouses.js'

// `dbt-defer` on a developer's machine: the bundled command (dist/cli.js) runs real dbt on a
// copy of the example project, fetching the deploy's manifest from a fake GitHub (real HTTP on
// 127.0.0.1, the real REST paths and shapes) into its own cache directory.

const TOKEN = 'gho_developer_login_token'
const DEV = 'dev_alice'

let github: FakeGitHub
let production: ExampleProject
let dev: ExampleProject
let cacheHome: string
let deployRun: { id: number; head_sha: string }

interface CliRun {
  code: number
  stdout: string
  stderr: string
}

function cli(project: ExampleProject, args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(repoRoot, 'dist', 'cli.js'), ...args], {
      cwd: project.dir,
      env: {
        ...project.env(),
        PATH: `${venvBin()}:${process.env.PATH ?? ''}`,
        DBT_PARTIAL_PARSE: 'true',
        DBT_CI_SCHEMA: DEV,
        XDG_CACHE_HOME: cacheHome,
        GITHUB_TOKEN: TOKEN,
        DBT_DEFER_GITHUB_API_URL: github.apiUrl,
        DBT_DEFER_REPOSITORY: 'octo/shop',
        NO_COLOR: '1',
        ...env
      }
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }))
  })
}

function compiled(project: ExampleProject, model: string): string {
  return readFileSync(project.path(`target/compiled/jaffle_shop/models/marts/${model}.sql`), 'utf8')
}

/** Requests the fake received after `from`, as `host path`. */
function requestsSince(from: number): string[] {
  return github.requests.slice(from).map((r) => `${r.host} ${r.path}`)
}

beforeAll(async () => {
  production = ExampleProject.create()
  const prodManifest = readFileSync(await production.deploy('prod'), 'utf8')
  const stagingManifest = readFileSync(await production.deploy('staging'), 'utf8')
  github = new FakeGitHub()
  await github.start()
  github.addRepo({ owner: 'octo', repo: 'shop', defaultBranch: 'main' })
  github.addToken(TOKEN, { login: 'alice', kind: 'user' })
  deployRun = github.addWorkflowRun({ workflow: 'deploy.yml', event: 'push' })
  github.addArtifact(deployRun.id, { name: 'dbt-manifest', zip: await makeZip({ 'manifest.json': prodManifest }) })
  const staging = github.addWorkflowRun({ workflow: 'staging.yml', event: 'push' })
  github.addArtifact(staging.id, { name: 'dbt-manifest', zip: await makeZip({ 'manifest.json': stagingManifest }) })
  github.addWorkflowRun({ workflow: 'staging-never.yml', event: 'push', conclusion: 'failure' })
  dev = production.clone()
  addRepeatCustomerColumn(dev)
  writeFileSync(dev.path('dbt-defer.yml'), '# dbt-defer settings of this project\nproduction-workflow: deploy.yml\n')
  cacheHome = mkdtempSync(join(tmpdir(), 'dbt-defer-cache-'))
}, 300_000)

afterAll(async () => {
  await github?.stop()
  if (cacheHome) rmSync(cacheHome, { recursive: true, force: true })
})

describe('dbt-defer on a developer machine (real dbt, fake GitHub)', () => {
  it('defers the edited model’s parents to the production deploy’s baseline and reports where each ref resolved', async () => {
    const before = github.requests.length
    const run = await cli(dev, ['build', '-s', 'state:modified', '--report-json', 'defer-report.json'])
    expect(run.stderr).toContain(`Fetched the production baseline (run ${deployRun.id}, commit ${deployRun.head_sha.slice(0, 7)})`)
    expect(run.code).toBe(0)
    // dbt itself: only the edited model and its tests, built into the dev schema, reading production.
    expect(run.stdout).toContain('Done. PASS=3')
    const sql = compiled(dev, 'customers')
    expect(sql).toContain('"warehouse"."prod"."orders"')
    expect(sql).toContain('"warehouse"."prod"."stg_customers"')
    expect(sql).not.toContain(`"${DEV}"."orders"`)
    expect(await duckdbCatalog(dev).relations(DEV)).toEqual(['customers', MARKER_TABLE])
    // The terminal report and the JSON one, from the same structure as the PR report.
    expect(run.stdout).toContain(
      `dbt-defer: dbt build deferred to production (github-artifact, run ${deployRun.id}, commit ${deployRun.head_sha.slice(0, 7)}`
    )
    expect(run.stdout).toContain('model orders → production  "warehouse"."prod"."orders"')
    expect(run.stdout).toContain(`model customers → this run  "warehouse"."${DEV}"."customers"`)
    expect(run.stdout).toContain('3 nodes: 1 success, 2 pass; refs: 3 production, 2 this run')
    const report = JSON.parse(readFileSync(dev.path('defer-report.json'), 'utf8')) as Report
    expect(report.run.deferred_env).toBe('production')
    expect(report.run.baseline?.run_id).toBe(String(deployRun.id))
    const customers = report.nodes.find((n) => n.unique_id === 'model.jaffle_shop.customers')
    expect(customers?.refs.map((r) => [r.name, r.classification])).toEqual([
      ['orders', 'production'],
      ['stg_customers', 'production'],
      ['country_codes', 'production']
    ])
    // The artifact was downloaded from the blob host, and the token never leaves the API host.
    const calls = github.requests.slice(before)
    expect(calls.some((r) => r.host === 'blob')).toBe(true)
    expect(calls.filter((r) => r.host === 'blob').every((r) => !r.authorization)).toBe(true)
    expect(run.stdout + run.stderr).not.toContain(TOKEN)
  }, 240_000)

  it('takes the cached baseline within the freshness window, and asks GitHub again after it', async () => {
    let from = github.requests.length
    const cached = await cli(dev, ['compile', '-s', 'customers'])
    expect(cached.code).toBe(0)
    expect(requestsSince(from)).toEqual([])
    expect(cached.stderr).toMatch(/Using the production baseline fetched \d+ s ago/)
    expect(compiled(dev, 'customers')).toContain('"warehouse"."prod"."orders"')

    // Past the window the source is asked again: the same newest run needs no new download.
    from = github.requests.length
    const same = await cli(dev, ['compile', '-s', 'customers'], { DBT_DEFER_MAX_AGE: '0' })
    expect(same.code).toBe(0)
    expect(requestsSince(from).some((r) => r.startsWith('api ') && r.includes('/actions/workflows/deploy.yml/runs'))).toBe(true)
    expect(requestsSince(from).some((r) => r.startsWith('blob '))).toBe(false)

    // A newer successful deploy is fetched once the window has passed.
    const newer = github.addWorkflowRun({ workflow: 'deploy.yml', event: 'push' })
    github.addArtifact(newer.id, {
      name: 'dbt-manifest',
      zip: await makeZip({ 'manifest.json': readFileSync(join(production.root, 'prod-state', 'manifest.json'), 'utf8') })
    })
    from = github.requests.length
    const fresh = await cli(dev, ['status'], { DBT_DEFER_MAX_AGE: '0' })
    expect(fresh.code).toBe(0)
    expect(requestsSince(from).some((r) => r.startsWith('blob '))).toBe(true)
    expect(fresh.stdout).toContain(`run          ${newer.id}`)
    expect(fresh.stdout).toContain(`commit       ${newer.head_sha}`)
    expect(fresh.stdout).toContain('fetched      just now')
    expect(fresh.stdout).not.toContain('Running with dbt')
  }, 240_000)

  it('runs dbt without defer under --no-defer: every ref reads the dev schema, and dbt’s exit status is the command’s', async () => {
    const from = github.requests.length
    const run = await cli(dev, ['run', '-s', 'customers', '--no-defer'])
    // The dev schema holds no parents of customers, so dbt's run fails with its own status.
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('ERROR=1')
    expect(requestsSince(from)).toEqual([])
    const sql = compiled(dev, 'customers')
    expect(sql).toContain(`"warehouse"."${DEV}"."orders"`)
    expect(sql).not.toContain('"prod"')
    expect(run.stdout).toContain('without defer (--no-defer)')
    expect(run.stdout).toContain(`model orders → dev  "warehouse"."${DEV}"."orders"`)
    expect(run.stdout).toContain('1 node: 1 error; refs: 3 dev')
  }, 120_000)

  it('defers to staging when a staging deploy is configured, and says so when staging never deployed', async () => {
    const run = await cli(dev, ['compile', '-s', 'customers'], { DBT_DEFER_STAGING_WORKFLOW: 'staging.yml' })
    expect(run.code).toBe(0)
    expect(run.stderr).toContain('Deferring to staging (`defer-env: auto` and `staging-workflow` is set)')
    expect(compiled(dev, 'customers')).toContain('"warehouse"."staging"."orders"')
    expect(run.stdout).toContain('dbt-defer: dbt compile deferred to staging')

    const never = await cli(dev, ['build', '-s', 'state:modified'], { DBT_DEFER_STAGING_WORKFLOW: 'staging-never.yml' })
    expect(never.code).toBe(2)
    expect(never.stderr).toContain('No staging baseline was found')
    expect(never.stdout).not.toContain('Running with dbt')
  }, 120_000)

  it('clean drops the dev schemas it created and refuses production’s', async () => {
    const refused = await cli(dev, ['clean', '--target', 'prod'])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toContain("Refusing to use schema 'prod': the production baseline manifest puts")
    expect(refused.stderr).toContain('Use a development target whose schema is your own')
    expect(await duckdbCatalog(dev).relations('prod')).toContain('customers')

    expect(await duckdbCatalog(dev).schemas()).toContain(DEV)
    const cleaned = await cli(dev, ['clean'])
    expect(cleaned.code).toBe(0)
    expect(cleaned.stderr).toContain(`Dropped '${DEV}'`)
    expect(await duckdbCatalog(dev).schemas()).not.toContain(DEV)
    expect(await duckdbCatalog(dev).relations('prod')).toContain('customers')
  }, 120_000)

  it('--help names every setting and where it is read from; a bad setting gets one message', async () => {
    const help = await cli(dev, ['--help'])
    expect(help.code).toBe(0)
    for (const line of [
      'dbt-defer status',
      'dbt-defer clean',
      '--report-json FILE',
      'production-workflow',
      'DBT_DEFER_PRODUCTION_WORKFLOW',
      'dbt-defer.yml: production-workflow',
      'GITHUB_TOKEN, GH_TOKEN',
      'max-age'
    ]) {
      expect(help.stdout).toContain(line)
    }
    // A command without defer is dbt's alone: nothing is fetched, dbt's output and status are the command's.
    const from = github.requests.length
    const deps = await cli(dev, ['deps'])
    expect(deps.code).toBe(0)
    expect(deps.stdout).toContain('Running with dbt=')
    expect(requestsSince(from)).toEqual([])
    const bad = await cli(dev, ['build'], { DBT_DEFER_DEFER_ENV: 'prod' })
    expect(bad.code).toBe(2)
    expect(bad.stderr.trim()).toBe("dbt-defer: Invalid value for setting 'defer-env': 'prod'. Expected one of: auto, staging, production.")
    expect(existsSync(dev.path('target'))).toBe(true)
  }, 60_000)
})

describe('dbt-defer with dbt Cloud, configured by the project (real dbt, fake dbt Cloud)', () => {
  const ACCOUNT = 4242
  const CLOUD_TOKEN = 'dbtc_developer_token'
  let cloud: FakeDbtCloud

  beforeAll(async () => {
    cloud = await FakeDbtCloud.start({ accountId: ACCOUNT, token: CLOUD_TOKEN })
    cloud.addEnvironment({ id: 501, projectId: 77, name: 'Production', deploymentType: 'production' })
    cloud.addEnvironment({ id: 502, projectId: 77, name: 'Staging', deploymentType: 'staging' })
    const staging = readFileSync(join(production.root, 'staging-state', 'manifest.json'), 'utf8')
    cloud.addRun({
      id: 9001,
      environmentId: 502,
      status: 10,
      finishedAt: '2026-11-30T10:00:00Z',
      gitSha: 'c'.repeat(40),
      manifest: staging
    })
  })
  afterAll(async () => {
    await cloud?.close()
  })

  it('reads defer-env-id from dbt_project.yml and defers to that environment', async () => {
    const project = dev.clone()
    project.edit('dbt_project.yml', (yml) => `${yml}\ndbt-cloud:\n  defer-env-id: 502\n`)
    rmSync(project.path('dbt-defer.yml'))
    const env = {
      DBT_DEFER_BASELINE_SOURCE: 'dbt-cloud',
      DBT_CLOUD_ACCOUNT_ID: String(ACCOUNT),
      DBT_CLOUD_PROJECT_ID: '77',
      DBT_CLOUD_API_TOKEN: CLOUD_TOKEN,
      DBT_CLOUD_HOST: cloud.url,
      XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'dbt-defer-cache-'))
    }
    const status = await cli(project, ['status'], env)
    expect(status.code).toBe(0)
    expect(status.stdout).toContain('environment  staging')
    expect(status.stdout).toContain('run          9001')
    expect(status.stdout).toContain(`commit       ${'c'.repeat(40)}`)
    expect(cloud.manifestDownloads()).toEqual([9001])

    const run = await cli(project, ['compile', '-s', 'customers'], env)
    expect(run.code).toBe(0)
    expect(compiled(project, 'customers')).toContain('"warehouse"."staging"."orders"')
    expect(run.stdout).toContain('dbt-defer: dbt compile deferred to staging (dbt-cloud, run 9001')
    expect(cloud.manifestDownloads()).toEqual([9001])
    expect(run.stdout + run.stderr + status.stdout + status.stderr).not.toContain(CLOUD_TOKEN)
  }, 120_000)
})

describe('dbt-defer with the url and path sources', () => {
  it('fetches from a URL with its Authorization header, and reads a local path, never printing the secret', async () => {
    const server = await FakeFileServer.start()
    try {
      const manifest = readFileSync(join(production.root, 'prod-state', 'manifest.json'), 'utf8')
      const url = server.put('/prod/manifest.json', { body: manifest, authorization: 'Bearer url-secret-123' })
      const project = dev.clone()
      rmSync(project.path('dbt-defer.yml'))
      writeFileSync(project.path('dbt-defer.yml'), `production-url: ${url}\n`)
      const env = { DBT_DEFER_URL_AUTHORIZATION: 'Bearer url-secret-123', XDG_CACHE_HOME: mkdtempSync(join(tmpdir(), 'dbt-defer-cache-')) }
      const status = await cli(project, ['status'], env)
      expect(status.code).toBe(0)
      expect(status.stdout).toContain('environment  production')
      expect(status.stdout).toContain('source       url')
      expect(server.requests.map((r) => [r.path, r.authorization])).toEqual([['/prod/manifest.json', 'Bearer url-secret-123']])
      expect(status.stdout + status.stderr).not.toContain('url-secret-123')

      writeFileSync(project.path('dbt-defer.yml'), 'baseline-source: path\nstate-path: ../prod-state-copy\n')
      const local = join(project.root, 'prod-state-copy')
      cpSync(join(production.root, 'prod-state'), local, { recursive: true })
      const fromPath = await cli(project, ['status'], env)
      expect(fromPath.code).toBe(0)
      expect(fromPath.stdout).toContain('source       path')
      expect(fromPath.stdout).toContain(`baseline     ${join(local, 'manifest.json')}`)
      expect(readFileSync(join(local, 'manifest.json'), 'utf8')).toBe(manifest)
    } finally {
      await server.close()
    }
  }, 60_000)
})
