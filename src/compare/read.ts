/**
 * Reading what the comparison's dbt invocation left: the result between the markers of the
 * compiled code in run_results, or, when dbt failed, the target and phase it stopped at (from
 * its progress lines, in dbt's text or JSON log format) and dbt's error lines. Pure.
 */
import type { RunResults } from '../dbt/artifact-types.js'
import { PROGRESS, RESULT_BEGIN, RESULT_END, type ComparePhase } from './sql.js'
import type { RawResult } from './types.js'

/** The results in the compiled code of the comparison, or undefined when there are none. */
export function resultsOf(runResults: RunResults | undefined): RawResult[] | undefined {
  const code = runResults?.results?.[0]?.compiled_code ?? ''
  const start = code.indexOf(RESULT_BEGIN)
  const end = code.indexOf(RESULT_END, start)
  if (start < 0 || end < 0) return undefined
  return JSON.parse(code.slice(start + RESULT_BEGIN.length, end)) as RawResult[]
}

/** The message of a line of dbt's output: the line itself, or `info.msg` of a JSON log line. */
function messageOfLine(line: string): string {
  const trimmed = line.trim()
  if (!trimmed.startsWith('{')) return line
  try {
    const event = JSON.parse(trimmed) as { info?: { msg?: unknown } }
    return typeof event.info?.msg === 'string' ? event.info.msg : line
  } catch {
    return line
  }
}

/** Where a failed comparison stopped, and what dbt said after. */
export interface StoppedAt {
  index: number
  phase: ComparePhase
  /** dbt's error lines after the last progress line (ANSI colours and timestamps removed). */
  error: string
}

const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g')
const PROGRESS_LINE = new RegExp(`${PROGRESS} (\\d+):(columns|rows|keys)`)

/** The last progress line of a failed comparison and dbt's error after it; undefined when none printed. */
export function stoppedAt(output: string): StoppedAt | undefined {
  const lines = output.split('\n').map((l) => messageOfLine(l).replace(ANSI, ''))
  let last = -1
  let match: RegExpExecArray | null = null
  lines.forEach((line, i) => {
    const m = PROGRESS_LINE.exec(line)
    if (m) {
      last = i
      match = m
    }
  })
  if (!match) return undefined
  const found = match as RegExpExecArray
  return { index: Number(found[1]), phase: found[2] as ComparePhase, error: errorLines(lines.slice(last + 1)) }
}

/** dbt's error lines, short: without timestamps, blank lines and the summary boilerplate. */
export function errorLines(lines: string[]): string {
  const kept = lines
    .map((l) =>
      l
        .replace(/^\s*\d{2}:\d{2}:\d{2}\s+/, '')
        .replace(/ in sql_operation inline_query \(from remote system\.sql\)/, ':')
        .trim()
    )
    .filter((l) => l !== '' && !/^(Encountered an error|Running with dbt|Registered adapter|Found \d+|Concurrency|\w+ Error$)/.test(l))
  return kept.slice(0, 6).join(' ').slice(0, 500) || 'dbt gave no reason'
}
