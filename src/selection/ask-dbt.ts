/**
 * Asks dbt which nodes each part of `state:modified` selects. In the run's dbt session (see
 * dbt/session.ts), one `ls` per part on the parse the session already holds, with no process of
 * its own. Else, where dbt is a Python program (its executable a script whose first line names
 * its interpreter), one invocation: dbt's own programmatic runner parses the project once and
 * answers every part's `ls` from that parse. Otherwise (dbt Fusion, a binary), one `dbt ls` per
 * part, each starting from the previous one's partial-parse file.
 */
import { projectArgs } from '../dbt/argv.js'
import type { DbtProcess } from '../dbt/process.js'
import type { DbtRunner } from '../dbt/runner.js'
import { pythonOf } from '../dbt/session.js'
import type { DbtSettings } from '../settings.js'
import { idOfLine, lsArgs, PARTS, selectorOf, type Part, type PartSets } from './why.js'

/** The marker of the programmatic runner's one answer line. */
const MARK = 'DBT_DEFER_WHY'

/**
 * The programmatic runner's script: parse once, then `ls` every part on that manifest, printing
 * one marked JSON line. Arguments: one JSON object (common flags, state directory, selectors).
 */
const SCRIPT = `
import json, sys
from dbt.cli.main import dbtRunner
spec = json.loads(sys.argv[1])
parsed = dbtRunner().invoke(["parse", "--quiet", *spec["common"]])
if not parsed.success:
    print("${MARK}" + json.dumps({"error": str(parsed.exception or "dbt parse failed")}))
    sys.exit(2)
runner = dbtRunner(manifest=parsed.result)
out = {}
for part, selector in spec["parts"].items():
    res = runner.invoke(["ls", "--quiet", "--select", selector, "--state", spec["state"], "--indirect-selection", "empty",
                         "--output", "json", "--output-keys", "unique_id", *spec["common"]])
    ids = [json.loads(line)["unique_id"] for line in (res.result or [])] if res.success else []
    out[part] = {"ok": bool(res.success), "ids": ids}
print("${MARK}" + json.dumps({"parts": out}))
`

/** What asking needs. */
export interface AskDeps {
  dbt: Pick<DbtSettings, 'executable' | 'projectDir' | 'profilesDir' | 'target' | 'extraArgs'>
  env: Record<string, string>
  /** Starts a program the way dbt is started (scrubbed output, signals named). */
  process: (executable: string) => DbtProcess
  /** The run's dbt steps, for `dbt ls` one part at a time. */
  runner: DbtRunner
  /** A fresh target directory for the programmatic runner, seeded with the build's partial-parse file. */
  targetDir: () => string
  stateDir: string
}

/** What dbt answered. */
export interface Answer {
  sets: PartSets
  /** Parts whose `ls` failed (their sets are empty). */
  failed: Part[]
  /** How dbt was asked, and how many dbt processes were started for it (none in the run's session). */
  how: 'session' | 'programmatic' | 'dbt-ls'
  invocations: number
}

function emptySets(): Record<Part, Set<string>> {
  return Object.fromEntries(PARTS.map((p) => [p, new Set<string>()])) as Record<Part, Set<string>>
}

async function programmatic(deps: AskDeps, python: string): Promise<Answer | undefined> {
  const spec = {
    common: ['--target-path', deps.targetDir(), ...projectArgs(deps.dbt)],
    state: deps.stateDir,
    parts: Object.fromEntries(PARTS.map((p) => [p, selectorOf(p)]))
  }
  let answer: string | undefined
  const exit = await deps.process(python).run(['-c', SCRIPT, JSON.stringify(spec)], {
    cwd: deps.dbt.projectDir,
    env: deps.env,
    quiet: true,
    onLine: (line) => {
      if (line.startsWith(MARK)) answer = line.slice(MARK.length)
    }
  })
  if (exit.exitCode !== 0 || !answer) return undefined
  const parsed = JSON.parse(answer) as { parts?: Record<Part, { ok: boolean; ids: string[] }> }
  if (!parsed.parts) return undefined
  const sets = emptySets()
  const failed: Part[] = []
  for (const part of PARTS) {
    const got = parsed.parts[part]
    if (!got?.ok) failed.push(part)
    for (const id of got?.ids ?? []) sets[part].add(id)
  }
  return { sets, failed, how: 'programmatic', invocations: 1 }
}

async function onePerPart(deps: AskDeps): Promise<Answer> {
  const sets = emptySets()
  const failed: Part[] = []
  for (const part of PARTS) {
    const { exit } = await deps.runner.step(`why-${part}`, lsArgs(part, deps.stateDir), {
      quiet: true,
      reads: 'nothing',
      onLine: (line) => {
        const id = idOfLine(line)
        if (id) sets[part].add(id)
      }
    })
    if (exit.exitCode !== 0) failed.push(part)
  }
  return { sets, failed, how: 'dbt-ls', invocations: PARTS.length }
}

/** Asks dbt: in the run's dbt session, else in one invocation where it can, else one `dbt ls` per part. */
export async function askDbt(deps: AskDeps): Promise<Answer> {
  if (await deps.runner.inSession?.()) return { ...(await onePerPart(deps)), how: 'session', invocations: 0 }
  const python = await pythonOf(deps.dbt.executable)
  const answer = python ? await programmatic(deps, python) : undefined
  return answer ?? onePerPart(deps)
}
