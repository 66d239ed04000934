import { describe, expect, it } from '@jest/globals'
import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { repoRoot } from './helpers/paths.js'

// The example workflows users copy: valid for GitHub's own workflow parser, and consistent with
// action.yml and with each other.

const dir = join(repoRoot, 'examples', 'workflows')
const ACTION = 'dbt-defer/dbt-defer-action@v1'

interface Step {
  uses?: string
  with?: Record<string, unknown>
}
interface Job {
  uses?: string
  with?: Record<string, unknown>
  secrets?: Record<string, unknown>
  steps?: Step[]
}
interface Workflow {
  on: Record<string, { types?: string[]; inputs?: Record<string, unknown>; secrets?: Record<string, unknown> } | null>
  permissions?: Record<string, string>
  jobs: Record<string, Job>
}

const files = readdirSync(dir)
  .filter((f) => f.endsWith('.yml'))
  .sort()
const text = (file: string): string => readFileSync(join(dir, file), 'utf8')
const workflow = (file: string): Workflow => parse(text(file)) as Workflow
const actionInputs = Object.keys((parse(readFileSync(join(repoRoot, 'action.yml'), 'utf8')) as { inputs: object }).inputs)

/** Errors GitHub's parser finds in a workflow, and how many jobs it converted. */
async function validate(name: string, content: string): Promise<{ errors: string[]; jobs: number }> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  const errors = parsed.context.errors.getErrors().map((e) => e.message)
  if (!parsed.value) return { errors: [...errors, 'no workflow parsed'], jobs: 0 }
  const template = await convertWorkflowTemplate(parsed.context, parsed.value)
  return { errors: [...errors, ...(template.errors ?? []).map((e) => e.Message)], jobs: template.jobs?.length ?? 0 }
}

/** Every `with:` given to the action in a workflow. */
function actionSteps(file: string): Array<Record<string, unknown>> {
  const steps = Object.values(workflow(file).jobs).flatMap((job) => job.steps ?? [])
  return steps.filter((s) => s.uses?.startsWith('dbt-defer/dbt-defer-action')).map((s) => s.with ?? {})
}

describe('example workflows', () => {
  it('are all there', () => {
    expect(files).toEqual(['caller.yml', 'cleanup.yml', 'dbt-cloud.yml', 'deploy.yml', 'manual.yml', 'pr.yml', 'reusable-dbt-ci.yml'])
  })

  it.each(files)("%s passes GitHub's workflow parser without errors", async (file) => {
    const { errors, jobs } = await validate(file, text(file))
    expect(errors).toEqual([])
    expect(jobs).toBeGreaterThan(0)
  })

  it('would be caught by that check if broken', async () => {
    const broken = text('pr.yml').replace('runs-on:', 'runs_on:').replace('pull-requests: write', 'pull-requests: admin')
    const { errors } = await validate('pr.yml', broken)
    expect(errors.join('\n')).toMatch(/runs_on/)
    expect(errors.join('\n')).toMatch(/admin/)
  })

  it.each(files)('%s declares its permissions', (file) => {
    const permissions = workflow(file).permissions
    expect(permissions).toBeDefined()
    expect(permissions?.contents).toBe('read')
    expect(Object.values(permissions ?? {}).every((p) => p === 'read' || p === 'write')).toBe(true)
  })

  it.each(files.filter((f) => actionSteps(f).length > 0))('%s gives the action only inputs action.yml declares', (file) => {
    for (const inputs of actionSteps(file)) {
      expect(Object.keys(inputs).filter((k) => !actionInputs.includes(k))).toEqual([])
    }
  })

  it('use the published action, and every workflow but the caller runs it', () => {
    const uses = files.flatMap((f) => Object.values(workflow(f).jobs).flatMap((j) => (j.steps ?? []).map((s) => s.uses ?? '')))
    const ours = uses.filter((u) => u.includes('dbt-defer-action'))
    expect(ours.length).toBeGreaterThanOrEqual(files.length - 1)
    expect(new Set(ours)).toEqual(new Set([ACTION]))
    expect(files.filter((f) => actionSteps(f).length === 0)).toEqual(['caller.yml'])
  })

  it('grant what each baseline source and the comment need', () => {
    for (const file of files.filter((f) => actionSteps(f).length > 0)) {
      const permissions = workflow(file).permissions ?? {}
      for (const inputs of actionSteps(file)) {
        if (inputs['baseline-source'] === 'github-artifact') {
          expect([file, permissions.actions]).toEqual([file, 'read'])
          expect([file, inputs['production-workflow']]).toEqual([file, expect.any(String)])
        }
        const comments = (inputs.mode ?? 'build') === 'build' && inputs.comment !== 'false'
        if (comments) expect([file, permissions['pull-requests']]).toEqual([file, 'write'])
      }
    }
  })
})

describe('the workflows fit together', () => {
  it('cleanup runs on pull_request closed, in cleanup mode', () => {
    const wf = workflow('cleanup.yml')
    expect(Object.keys(wf.on)).toEqual(['pull_request'])
    expect(wf.on.pull_request?.types).toEqual(['closed'])
    expect(actionSteps('cleanup.yml').map((w) => w.mode)).toEqual(['cleanup'])
  })

  it('deploy uploads the manifest under the name pull requests download, and publishes it to the cache', () => {
    const steps = Object.values(workflow('deploy.yml').jobs).flatMap((j) => j.steps ?? [])
    const upload = steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'))
    expect(upload?.with).toMatchObject({ name: 'dbt-manifest', path: 'target/manifest.json' })
    expect(actionSteps('pr.yml')[0]['artifact-name']).toBe('dbt-manifest')
    expect(actionSteps('pr.yml')[0]['production-workflow']).toBe('deploy.yml')
    expect(actionSteps('deploy.yml')).toEqual([expect.objectContaining({ mode: 'publish', 'baseline-source': 'actions-cache' })])
    expect(Object.keys(workflow('deploy.yml').on)).toEqual(['push'])
  })

  it('pr runs on opened, synchronize and reopened; manual on workflow_dispatch; dbt-cloud reads dbt Cloud with secrets', () => {
    expect(workflow('pr.yml').on.pull_request?.types).toEqual(['opened', 'synchronize', 'reopened'])
    expect(Object.keys(workflow('manual.yml').on)).toEqual(['workflow_dispatch'])
    const cloud = actionSteps('dbt-cloud.yml')[0]
    expect(cloud['baseline-source']).toBe('dbt-cloud')
    expect(cloud['dbt-cloud-api-token']).toMatch(/^\$\{\{ secrets\.\w+ \}\}$/)
  })

  it('the reusable workflow is workflow_call, and the caller passes only what it declares', () => {
    const reusable = workflow('reusable-dbt-ci.yml')
    expect(Object.keys(reusable.on)).toEqual(['workflow_call'])
    const call = reusable.on.workflow_call!
    const caller = Object.values(workflow('caller.yml').jobs)
    expect(caller).toHaveLength(1)
    expect(caller[0].uses).toBe('./.github/workflows/reusable-dbt-ci.yml')
    expect(Object.keys(caller[0].with ?? {}).filter((k) => !(k in (call.inputs ?? {})))).toEqual([])
    expect(Object.keys(caller[0].secrets ?? {}).sort()).toEqual(Object.keys(call.secrets ?? {}).sort())
  })
})
