import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseCommandLine, readDbtInvocation, withDefer } from '../src/cli/args.js'
import { CLI_SETTINGS, githubTokenOf, readCliConfig, repositoryOfRemote } from '../src/cli/config.js'
import { directoryCacheStore } from '../src/cli/local-cache.js'
import { loadCliSettings } from '../src/cli/settings.js'
import { colour, plain, renderTerminalReport, wantsColour } from '../src/cli/terminal-report.js'
import { VERSION } from '../src/cli/version.js'
import { passThrough } from '../src/cli/commands.js'
import type { CliIo } from '../src/cli/tool.js'
import { Input } from '../src/constants.js'
import type { Report } from '../src/report/types.js'
import { exampleDir, repoRoot } from './helpers/paths.js'

function project(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-cli-'))
  cpSync(join(exampleDir, 'dbt_project.yml'), join(dir, 'dbt_project.yml'))
  cpSync(join(exampleDir, 'profiles.yml'), join(dir, 'profiles.yml'))
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text)
  return dir
}

async function rejected(promise: Promise<unknown>): Promise<string> {
  try {
    await promise
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

function thrown(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

describe('dbt-defer command line', () => {
  it('passes every dbt argument on unchanged and takes out only its own flags', () => {
    const request = parseCommandLine([
      'build',
      '-s',
      'my_model',
      'other',
      '--report-json',
      'r.json',
      '--vars',
      '{"a": 1}',
      '--refresh-baseline',
      '-t',
      'dev'
    ])
    expect(request).toMatchObject({ kind: 'dbt', refresh: true, reportJson: 'r.json' })
    if (request.kind !== 'dbt') throw new Error('not a dbt request')
    expect(request.dbt.args).toEqual(['build', '-s', 'my_model', 'other', '--vars', '{"a": 1}', '-t', 'dev'])
    expect(request.dbt).toMatchObject({ command: 'build', select: ['my_model', 'other'], target: 'dev', noDefer: false })
  })

  it('finds the command after dbt’s global flags and reads the flags that locate the project', () => {
    const inv = readDbtInvocation(['--debug', 'run', '--project-dir=sub', '--profiles-dir', 'p', '--target-path', 'out', '--exclude', 'x'])
    expect(inv).toMatchObject({ command: 'run', projectDir: 'sub', profilesDir: 'p', targetPath: 'out', exclude: ['x'] })
  })

  it('adds --defer --state, keeps --favor-state, and leaves --no-defer runs alone', () => {
    expect(withDefer(readDbtInvocation(['build', '--favor-state']), '/s')).toEqual(['build', '--favor-state', '--defer', '--state', '/s'])
    expect(withDefer(readDbtInvocation(['build', '--defer']), '/s')).toEqual(['build', '--defer', '--state', '/s'])
    expect(withDefer(readDbtInvocation(['build', '--no-defer']), '/s')).toEqual(['build', '--no-defer'])
    expect(withDefer(readDbtInvocation(['build']), undefined)).toEqual(['build'])
  })

  it('refuses a state directory of the user’s and a command line without a dbt command', () => {
    expect(thrown(() => parseCommandLine(['build', '--state', 'prod-state']))).toBe(
      "Invalid value for input '--state': 'prod-state'. Expected no state directory: dbt-defer passes the deferred environment's own (drop the flag, or run dbt itself)."
    )
    expect(thrown(() => parseCommandLine(['--select', 'x']))).toContain("Expected a dbt command (e.g. 'dbt-defer build -s my_model')")
    expect(parseCommandLine(['clean', '-t', 'dev'])).toMatchObject({ kind: 'clean', dbt: { target: 'dev' } })
    expect(parseCommandLine(['status'])).toMatchObject({ kind: 'status' })
    expect(parseCommandLine([])).toEqual({ kind: 'help' })
  })
})

describe('dbt-defer settings', () => {
  it('reads the environment before dbt-defer.yml, and resolves paths against where each was written', () => {
    const dir = project({ 'dbt-defer.yml': 'state-path: prod-state\nproduction-workflow: deploy.yml\nartifact-name: from-file\n' })
    const config = readCliConfig(dir, { DBT_DEFER_ARTIFACT_NAME: 'from-env', DBT_DEFER_STAGING_STATE_PATH: 'stg' }, '/work')
    expect(config.values).toMatchObject({
      [Input.StatePath]: join(dir, 'prod-state'),
      [Input.StagingStatePath]: '/work/stg',
      [Input.ProductionWorkflow]: 'deploy.yml',
      [Input.ArtifactName]: 'from-env'
    })
    expect(config.origins[Input.ArtifactName]).toBe('DBT_DEFER_ARTIFACT_NAME')
    expect(config.origins[Input.ProductionWorkflow]).toBe('dbt-defer.yml')
  })

  it('refuses a secret or an unknown key in the project’s file', () => {
    const secret = project({ 'dbt-defer.yml': 'github-token: ghp_committed\n' })
    const message = thrown(() => readCliConfig(secret, {}, secret))
    expect(message).toContain('A secret never goes in a project file')
    expect(message).not.toContain('ghp_committed')
    const unknown = project({ 'dbt-defer.yml': 'prod-workflow: deploy.yml\n' })
    expect(thrown(() => readCliConfig(unknown, {}, unknown))).toContain(
      "Invalid value for input 'dbt-defer.yml: prod-workflow': 'deploy.yml'. Expected one of the settings 'dbt-defer --help' lists"
    )
  })

  it('names only settings the action has, besides the tool’s own', () => {
    const own = new Set(['max-age', 'cache-dir', 'repository', 'github-api-url'])
    for (const s of CLI_SETTINGS) if (!own.has(s.key)) expect(Object.values(Input)).toContain(s.key)
  })

  it('reads the repository from the git remote, in every URL form', () => {
    expect(repositoryOfRemote('https://github.com/octo/shop.git')).toBe('octo/shop')
    expect(repositoryOfRemote('git@github.com:octo/shop.git')).toBe('octo/shop')
    expect(repositoryOfRemote('ssh://git@github.example.com/octo/shop')).toBe('octo/shop')
    expect(repositoryOfRemote('https://github.com/octo/shop/')).toBe('octo/shop')
    expect(repositoryOfRemote('/local/path')).toBeUndefined()
  })

  it('takes the GitHub token from the environment, else from the gh CLI’s login', async () => {
    const bin = mkdtempSync(join(tmpdir(), 'dbt-defer-gh-'))
    writeFileSync(join(bin, 'gh'), '#!/bin/sh\n[ "$1 $2" = "auth token" ] && echo gho_from_gh_login\n')
    chmodSync(join(bin, 'gh'), 0o755)
    const dir = project()
    const env = { PATH: `${bin}:${process.env.PATH ?? ''}` }
    expect(await githubTokenOf(readCliConfig(dir, env, dir), dir, env)).toEqual({
      token: 'gho_from_gh_login',
      origin: "the gh CLI's login"
    })
    const withVar = { ...env, GITHUB_TOKEN: 'ghp_env' }
    expect(await githubTokenOf(readCliConfig(dir, withVar, dir), dir, withVar)).toEqual({ token: 'ghp_env', origin: 'GITHUB_TOKEN' })
  })

  it('hands the settings to the action’s reader: dbt Cloud from the environment and dbt_project.yml', async () => {
    const dir = project()
    writeFileSync(join(dir, 'dbt_project.yml'), `${readFileSync(join(dir, 'dbt_project.yml'), 'utf8')}\ndbt-cloud:\n  defer-env-id: 502\n`)
    const writes: string[] = []
    const write = process.stdout.write.bind(process.stdout)
    process.stdout.write = ((chunk: string) => (writes.push(String(chunk)), true)) as typeof process.stdout.write
    let cli
    try {
      cli = await loadCliSettings(
        readDbtInvocation(['build']),
        {
          HOME: dir,
          DBT_DEFER_BASELINE_SOURCE: 'dbt-cloud',
          DBT_CLOUD_ACCOUNT_ID: '42',
          DBT_CLOUD_API_TOKEN: 'dbtc_secret',
          DBT_DEFER_MAX_AGE: '60'
        },
        dir
      )
    } finally {
      process.stdout.write = write
    }
    expect(cli.settings.baseline.source).toBe('dbt-cloud')
    expect(cli.settings.baseline.dbtCloud).toMatchObject({
      accountId: '42',
      token: 'dbtc_secret',
      deferEnvId: '502',
      deferEnvIdOrigin: 'dbt_project.yml'
    })
    expect(cli.settings.secrets).toContain('dbtc_secret')
    expect(cli.maxAgeSeconds).toBe(60)
    // No runner command (a mask) is printed on a terminal, and dbt is not handed the tool's settings.
    expect(writes.join('')).not.toContain('dbtc_secret')
    expect(Object.keys(cli.dbtEnv).filter((k) => k.startsWith('DBT_DEFER_') || k.startsWith('INPUT_'))).toEqual([])
    expect(Object.keys(process.env).filter((k) => k.startsWith('INPUT_'))).toEqual([])
  })

  it('gives one message for a bad setting, a source the machine cannot reach, and a state of its own', async () => {
    const dir = project()
    expect(await rejected(loadCliSettings(readDbtInvocation(['build']), { DBT_DEFER_MAX_AGE: 'soon' }, dir))).toBe(
      "Invalid value for input 'max-age (DBT_DEFER_MAX_AGE)': 'soon'. Expected a whole number of seconds (0 or more)."
    )
    expect(await rejected(loadCliSettings(readDbtInvocation(['build']), { DBT_DEFER_BASELINE_SOURCE: 'actions-cache' }, dir))).toContain(
      'the actions cache is reachable only from a workflow run'
    )
    expect(await rejected(loadCliSettings(readDbtInvocation(['build']), { DBT_STATE: 'x' }, dir))).toContain(
      "dbt-defer passes the deferred environment's state directory itself"
    )
    expect(await rejected(loadCliSettings(readDbtInvocation(['build', '--project-dir', '/nowhere']), {}, dir))).toContain(
      "Invalid value for input '--project-dir': '/nowhere'. Expected a directory holding dbt_project.yml"
    )
  })
})

describe('dbt-defer terminal report', () => {
  const report: Report = {
    schema_version: 4,
    data_changes: null,
    selection: null,
    run: {
      command: 'build',
      select: ['customers'],
      exclude: [],
      selector: null,
      defer: true,
      favor_state: false,
      deferred_env: 'production',
      built_all: false,
      baseline: {
        source: 'github-artifact',
        run_id: '7',
        run_url: null,
        sha: 'abcdef0123',
        generated_at: null,
        location: null,
        age_seconds: 7200
      },
      success: true,
      elapsed_seconds: 1,
      dbt_version: '1.11.16',
      dbt_engine: 'dbt-core',
      repository: null,
      server_url: null,
      head_sha: null,
      project_dir: '.',
      generated_at: '2026-12-02T00:00:00Z'
    },
    counts: { total: 1, by_status: { success: 1 }, by_classification: { production: 1, inlined: 1 } },
    nodes: [
      {
        unique_id: 'model.p.customers',
        name: 'customers',
        resource_type: 'model',
        is_test: false,
        status: 'success',
        execution_time: 0.42,
        message: null,
        failures: null,
        relation: '"db"."dev"."customers"',
        file: null,
        file_url: null,
        compiled: true,
        sql_from: 'run_results',
        refs: [
          {
            unique_id: 'model.p.eph',
            name: 'eph',
            resource_type: 'model',
            classification: 'inlined',
            relation: null,
            dev_relation: null,
            state_relation: null,
            evidence: '',
            reason: null,
            children: [
              {
                unique_id: 'model.p.orders',
                name: 'orders',
                resource_type: 'model',
                classification: 'production',
                relation: '"db"."prod"."orders"',
                dev_relation: '"db"."dev"."orders"',
                state_relation: '"db"."prod"."orders"',
                evidence: '',
                reason: null,
                children: []
              }
            ]
          }
        ]
      }
    ]
  }

  it('lists each node and where each ref was read from, inlined refs under their ephemeral', () => {
    expect(renderTerminalReport(report, plain)).toBe(
      [
        'dbt-defer: dbt build deferred to production (github-artifact, run 7, commit abcdef0, 2 h old)',
        '  model customers  success 0.4s  "db"."dev"."customers"',
        '      model eph → inlined',
        '        model orders → production  "db"."prod"."orders"',
        '1 node: 1 success; refs: 1 production, 1 inlined',
        ''
      ].join('\n')
    )
  })

  it('colours for a terminal and not for a pipe, as NO_COLOR and FORCE_COLOR say', () => {
    expect(renderTerminalReport(report, colour)).toContain('\u001b[35mproduction\u001b[39m')
    expect(renderTerminalReport(report, plain)).not.toContain('\u001b[')
    expect(wantsColour(true, {})).toBe(true)
    expect(wantsColour(false, {})).toBe(false)
    expect(wantsColour(true, { NO_COLOR: '1' })).toBe(false)
    expect(wantsColour(false, { FORCE_COLOR: '1' })).toBe(true)
    expect(wantsColour(true, { TERM: 'dumb' })).toBe(false)
  })
})

describe('dbt-defer cache and package', () => {
  it('keeps entries by key in a directory, restoring exact keys and the newest of a prefix', async () => {
    const root = mkdtempSync(join(tmpdir(), 'dbt-defer-store-'))
    const store = directoryCacheStore(join(root, 'store'))
    const file = join(root, 'work', 'manifest.json')
    mkdirSync(join(root, 'work'))
    writeFileSync(file, 'one')
    await store.save([file], 'k-1')
    writeFileSync(file, 'two')
    await store.save([file], 'k-1')
    writeFileSync(file, 'x')
    expect(await store.restore([file], 'k-1', [])).toBe('k-1')
    expect(readFileSync(file, 'utf8')).toBe('one')
    expect(await store.restore([file], 'missing', [])).toBeUndefined()
    expect(await store.restore([file], 'missing', ['k-'], { lookupOnly: true })).toBe('k-1')
  })

  it('is package.json’s bin, at package.json’s version, and runs with npm exec from the repository', () => {
    const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> }
    expect(pkg.bin).toEqual({ 'dbt-defer': 'dist/cli.js' })
    expect(VERSION).toBe(pkg.version)
    const out = execFileSync('npm', ['exec', '--offline', '--', 'dbt-defer', '--version'], { cwd: repoRoot, encoding: 'utf8' })
    expect(out.trim()).toBe(`dbt-defer ${pkg.version}`)
  })
})

describe('dbt-defer pass-through commands', () => {
  // A command without defer (dbt init, dbt debug) runs with the terminal's stdio; its status,
  // or the shell's status for the signal that killed it, is the tool's.
  const io = (): CliIo => ({
    env: { PATH: process.env.PATH ?? '' },
    cwd: tmpdir(),
    out: { write: () => undefined },
    err: { write: () => undefined },
    now: () => new Date()
  })

  it("returns dbt's exit status, and 128 + the signal's number when a signal killed it", async () => {
    expect(await passThrough('sh', ['-c', 'exit 3'], io())).toBe(3)
    expect(await passThrough('sh', ['-c', 'kill -KILL $$'], io())).toBe(137)
    expect(await passThrough('sh', ['-c', 'kill -TERM $$'], io())).toBe(143)
    expect(await passThrough('sh', ['-c', 'kill -INT $$'], io())).toBe(130)
  })

  it('says what is missing when the executable cannot be started', async () => {
    const said: string[] = []
    const status = await passThrough('dbt-defer-no-such-dbt', ['debug'], { ...io(), err: { write: (t) => said.push(t) } })
    expect(status).toBe(2)
    expect(said.join('')).toMatch(/could not start 'dbt-defer-no-such-dbt'.*Is dbt installed and on PATH/)
  })
})
