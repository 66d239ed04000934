import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse } from 'yaml'
import type { ExampleProject } from './example-project.js'
import { distEntry, repoRoot } from './paths.js'

/** How a run of the bundled action ended, read from the files the runner would read. */
export interface ActionRun {
  /** The process exit code (1 when the step failed). */
  code: number
  /** Everything the action printed (the job log). */
  log: string
  /** Step outputs, parsed from GITHUB_OUTPUT. */
  outputs: Record<string, string>
  /** The job summary, read from GITHUB_STEP_SUMMARY. */
  summary: string
  /** The runner temp directory the action used. */
  runnerTemp: string
}

/** What a run is given: inputs as in `with:`, the event, and extra environment. */
export interface ActionRunOptions {
  inputs: Record<string, string>
  workspace: string
  eventName?: string
  event?: unknown
  env?: Record<string, string>
}

interface ActionYml {
  inputs: Record<string, { default?: string }>
}

/** Input defaults from action.yml, as the runner passes them (expressions evaluated to ''). */
function inputDefaults(): Record<string, string> {
  const action = parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as ActionYml
  const defaults: Record<string, string> = {}
  for (const [name, spec] of Object.entries(action.inputs)) {
    const value = spec.default ?? ''
    defaults[name] = value.includes('${{') ? '' : value
  }
  return defaults
}

/** The runner's INPUT_ variable name of an input. */
function inputVar(name: string): string {
  return `INPUT_${name.replace(/ /g, '_').toUpperCase()}`
}

/** Parses the GITHUB_OUTPUT file format (`name<<delimiter` blocks, or `name=value` lines). */
export function parseOutputFile(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const heredoc = /^([^=<]+)<<(.+)$/.exec(lines[i])
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1)
      outputs[heredoc[1]] = lines.slice(i + 1, end).join('\n')
      i = end
    } else if (lines[i].includes('=')) {
      const at = lines[i].indexOf('=')
      outputs[lines[i].slice(0, at)] = lines[i].slice(at + 1)
    }
  }
  return outputs
}

function runnerEnv(opts: ActionRunOptions, files: { output: string; summary: string; event: string; temp: string }) {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !key.startsWith('INPUT_') && !key.startsWith('GITHUB_')) env[key] = value
  }
  const inputs = { ...inputDefaults(), ...opts.inputs }
  for (const [name, value] of Object.entries(inputs)) env[inputVar(name)] = value
  return {
    ...env,
    GITHUB_ACTIONS: 'true',
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_EVENT_PATH: files.event,
    GITHUB_EVENT_NAME: opts.eventName ?? 'pull_request',
    GITHUB_WORKSPACE: opts.workspace,
    RUNNER_TEMP: files.temp,
    DBT_SEND_ANONYMOUS_USAGE_STATS: 'false',
    ...opts.env
  }
}

/** Runs dist/index.js the way the runner runs a node24 action, and collects what it left. */
export async function runAction(opts: ActionRunOptions): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), 'dbt-defer-runner-'))
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary.md'), event: join(dir, 'event.json'), temp: join(dir, 'temp') }
  mkdirSync(files.temp)
  writeFileSync(files.output, '')
  writeFileSync(files.summary, '')
  writeFileSync(files.event, JSON.stringify(opts.event ?? {}))
  const env = runnerEnv(opts, files)
  const { code, log } = await new Promise<{ code: number; log: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [distEntry], { cwd: opts.workspace, env })
    let log = ''
    child.stdout.on('data', (d) => (log += d))
    child.stderr.on('data', (d) => (log += d))
    child.on('error', reject)
    child.on('close', (exit) => resolve({ code: exit ?? 1, log }))
  })
  if (process.env.SHOW_ACTION_LOG) console.log(log)
  return {
    code,
    log,
    outputs: parseOutputFile(readFileSync(files.output, 'utf8')),
    summary: readFileSync(files.summary, 'utf8'),
    runnerTemp: files.temp
  }
}

/** The inputs of a run on a project copy with a local baseline: project, profiles, CI target, dbt. */
export function localProjectInputs(project: ExampleProject, statePath: string): Record<string, string> {
  return {
    'project-dir': project.dir,
    'profiles-dir': project.dir,
    target: project.warehouse.targets.ci,
    'state-path': statePath,
    'dbt-executable': project.dbtExecutable,
    comment: 'false'
  }
}

/** A `pull_request` event of PR `number`; the action names the CI schema after it. */
export function pullRequestEvent(number: number, action = 'synchronize'): Record<string, unknown> {
  return {
    action,
    number,
    pull_request: {
      number,
      state: action === 'closed' ? 'closed' : 'open',
      head: { ref: 'feature/x', sha: 'a'.repeat(40), repo: { full_name: 'octo/shop' } },
      base: { ref: 'main', sha: 'b'.repeat(40), repo: { full_name: 'octo/shop' } }
    },
    repository: { full_name: 'octo/shop' }
  }
}
