import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InputError } from '../src/errors.js'
import { getInputs, readEventPayload, splitArgs, splitSelection } from '../src/inputs.js'

let workspace: string
let saved: NodeJS.ProcessEnv

/** Sets inputs the way the runner does (INPUT_<NAME>), on top of a clean environment. */
function given(inputs: Record<string, string>): void {
  for (const [name, value] of Object.entries(inputs)) process.env[`INPUT_${name.toUpperCase()}`] = value
}

function errorOf(fn: () => unknown): string {
  try {
    fn()
  } catch (error) {
    return (error as Error).message
  }
  throw new Error('expected an error')
}

beforeEach(() => {
  saved = { ...process.env }
  for (const key of Object.keys(process.env)) if (key.startsWith('INPUT_')) delete process.env[key]
  workspace = mkdtempSync(join(tmpdir(), 'inputs-'))
  mkdirSync(join(workspace, 'analytics'))
  writeFileSync(join(workspace, 'analytics', 'dbt_project.yml'), 'name: shop\n')
  process.env.GITHUB_WORKSPACE = workspace
  process.env.GITHUB_REPOSITORY = 'octo/shop'
  process.env.RUNNER_TEMP = join(workspace, 'tmp')
})

afterEach(() => {
  process.env = saved
})

describe('getInputs', () => {
  it('reads defaults into typed settings', () => {
    given({ 'project-dir': 'analytics' })
    const s = getInputs()
    expect(s.mode).toBe('build')
    expect(s.dbt.projectDir).toBe(join(workspace, 'analytics'))
    expect(s.dbt.command).toBe('build')
    expect(s.dbt.select).toEqual(['state:modified'])
    expect(s.dbt.defer).toBe(true)
    expect(s.dbt.favorState).toBe(false)
    expect(s.baseline.source).toBe('github-artifact')
    expect(s.baseline.deferEnv).toBe('auto')
    expect(s.baseline.ifNoBaseline).toBe('fail')
    expect(s.context.repository).toBe('octo/shop')
    expect(s.context.apiUrl).toBe('https://api.github.com')
  })

  it('takes the path source when state-path is set and no source is named', () => {
    given({ 'project-dir': 'analytics', 'state-path': 'prod-state' })
    const s = getInputs()
    expect(s.baseline.source).toBe('path')
    expect(s.baseline.path.production).toBe(join(workspace, 'prod-state'))
  })

  it('reads the API base from GITHUB_API_URL (GitHub Enterprise Server)', () => {
    given({ 'project-dir': 'analytics' })
    process.env.GITHUB_API_URL = 'https://ghe.example.test/api/v3/'
    expect(getInputs().context.apiUrl).toBe('https://ghe.example.test/api/v3')
  })

  it('ignores select when a selector is named', () => {
    given({ 'project-dir': 'analytics', select: 'state:modified', selector: 'pr' })
    const s = getInputs()
    expect(s.dbt.selector).toBe('pr')
    expect(s.dbt.select).toEqual([])
  })

  it('splits selection and extra arguments', () => {
    expect(splitSelection(' state:modified+\n tag:pr  ')).toEqual(['state:modified+', 'tag:pr'])
    expect(splitArgs('extra-args', '--vars "{a: 1, b: 2}"\n--fail-fast')).toEqual(['--vars', '{a: 1, b: 2}', '--fail-fast'])
  })

  const bad: Array<[string, Record<string, string>, string[]]> = [
    ['mode', { mode: 'deploy' }, ["'mode'", "'deploy'", 'build, publish, cleanup']],
    ['command', { command: 'seed-all' }, ["'command'", "'seed-all'", 'build, run, test, seed, snapshot, compile']],
    ['defer', { defer: 'yes' }, ["'defer'", "'yes'", 'true or false']],
    ['favor-state', { 'favor-state': '1' }, ["'favor-state'", "'1'", 'true or false']],
    ['defer-env', { 'defer-env': 'prod' }, ["'defer-env'", "'prod'", 'auto, staging, production']],
    ['baseline-source', { 'baseline-source': 's3' }, ["'baseline-source'", "'s3'", 'github-artifact, actions-cache, dbt-cloud, url, path']],
    ['if-no-baseline', { 'if-no-baseline': 'skip' }, ["'if-no-baseline'", "'skip'", 'fail, build-all']],
    ['deps', { deps: 'maybe' }, ["'deps'", "'maybe'", 'auto, always, never']],
    ['max-runs-searched', { 'max-runs-searched': '0' }, ["'max-runs-searched'", "'0'", 'whole number']],
    ['pr-number', { 'pr-number': '#12' }, ["'pr-number'", "'#12'", 'pull request number']],
    ['production-url', { 'production-url': 'http://bucket.example.test/m.json' }, ["'production-url'", 'https://']],
    ['ci-schema-env-var', { 'ci-schema-env-var': 'DBT SCHEMA' }, ["'ci-schema-env-var'", "'DBT SCHEMA'", 'variable name']],
    ['extra-args', { 'extra-args': '--vars "{a: 1}' }, ["'extra-args'", 'quote is not closed']],
    ['profiles-dir', { 'profiles-dir': 'nowhere' }, ["'profiles-dir'", "'nowhere'", 'profiles.yml']]
  ]
  it.each(bad)('names the input, the value and what is accepted: %s', (_name, inputs, expected) => {
    given({ 'project-dir': 'analytics', ...inputs })
    const message = errorOf(() => getInputs())
    for (const part of expected) expect(message).toContain(part)
  })

  it('refuses a project directory without dbt_project.yml, saying what to do', () => {
    given({ 'project-dir': 'missing' })
    const message = errorOf(() => getInputs())
    expect(message).toContain("Invalid value for input 'project-dir': 'missing'")
    expect(message).toContain('dbt_project.yml')
    expect(message).toContain('actions/checkout')
  })

  it('masks secrets it reads', () => {
    given({ 'project-dir': 'analytics', 'github-token': 'ghs_secret123' })
    expect(printedBy(() => getInputs())).toContain('::add-mask::ghs_secret123')
  })
})

/** What `run` printed to stdout (the runner's workflow commands go there). */
function printedBy(run: () => void): string {
  const chunks: string[] = []
  const write = process.stdout.write.bind(process.stdout)
  process.stdout.write = ((chunk: string) => (chunks.push(String(chunk)), true)) as typeof process.stdout.write
  try {
    run()
  } finally {
    process.stdout.write = write
  }
  return chunks.join('')
}

describe('the event payload', () => {
  it('is read from GITHUB_EVENT_PATH; invalid JSON is an InputError naming it, never a raw SyntaxError', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-event-'))
    const good = join(dir, 'good.json')
    writeFileSync(good, JSON.stringify({ pull_request: { number: 3 } }))
    expect(readEventPayload(good)).toEqual({ pull_request: { number: 3 } })
    expect(readEventPayload(undefined)).toEqual({})
    expect(readEventPayload(join(dir, 'absent.json'))).toEqual({})
    const bad = join(dir, 'bad.json')
    writeFileSync(bad, '{"pull_request": ')
    expect(() => readEventPayload(bad)).toThrow(InputError)
    expect(() => readEventPayload(bad)).toThrow(
      /Invalid value for input 'GITHUB_EVENT_PATH': '.*bad\.json'\. Expected a JSON event payload/
    )
    writeFileSync(bad, '[1, 2]')
    expect(readEventPayload(bad)).toEqual({})
  })

  it("masks the secrets inside URL inputs before anything is requested: the password and the query's values", () => {
    given({ 'project-dir': 'analytics', 'production-url': 'https://user:pa55word@host.test/m.json?sig=abc123def&x=1' })
    let secrets: string[] = []
    const printed = printedBy(() => (secrets = getInputs().secrets))
    expect(secrets).toEqual(expect.arrayContaining(['pa55word', 'abc123def']))
    expect(printed).toContain('::add-mask::pa55word')
    expect(printed).toContain('::add-mask::abc123def')
  })
})
