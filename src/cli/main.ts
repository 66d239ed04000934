/**
 * The command-line tool's orchestration: parse the command line, run the command, and turn
 * every error into one message and an exit status (2 for what the tool refused, dbt's own status
 * for dbt's run).
 */
import { messageOf } from '../errors.js'
import { UnsafeSchemaError } from '../safety/check.js'
import { parseCommandLine } from './args.js'
import { clean, runDbtCommand, status } from './commands.js'
import { helpText } from './help.js'
import type { CliIo } from './tool.js'

/** Runs `dbt-defer` with its arguments; resolves to the exit status. */
export async function runCli(argv: string[], io: CliIo, version: string): Promise<number> {
  try {
    const request = parseCommandLine(argv)
    switch (request.kind) {
      case 'help':
        io.out.write(helpText())
        return 0
      case 'version':
        io.out.write(`dbt-defer ${version}\n`)
        return 0
      case 'status':
        return await status(request.dbt, request.refresh, io)
      case 'clean':
        return await clean(request.dbt, io)
      case 'dbt':
        return await runDbtCommand(request.dbt, request.refresh, request.reportJson, io)
    }
  } catch (error) {
    io.err.write(`dbt-defer: ${explain(error)}\n`)
    return 2
  }
}

/** The one message of an error, in the terms of a developer's machine. */
function explain(error: unknown): string {
  if (error instanceof UnsafeSchemaError && error.reason !== 'missing-evidence') {
    const fix =
      error.reason === 'not-owned'
        ? `dbt-defer did not create it for you, so it drops nothing there. If it is yours and should go, drop it by hand (\`drop schema ${error.schema} cascade\`).`
        : "Use a development target whose schema is your own (e.g. dbt_<you>): pass --target, or set DBT_TARGET or the profile's default target."
    return `Refusing to use schema '${error.schema}': ${error.why} ${fix}`
  }
  return messageOf(error)
    .replace(/\bfor input '(-[^']*)'/g, "for flag '$1'")
    .replace(/\bfor input '/g, "for setting '")
}
