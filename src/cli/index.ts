/** Entry of the `dbt-defer` command (package.json `bin`); calls runCli, nothing else. */
import { runCli } from './main.js'
import { VERSION } from './version.js'

process.exitCode = await runCli(
  process.argv.slice(2),
  { env: process.env, cwd: process.cwd(), out: process.stdout, err: process.stderr, now: () => new Date() },
  VERSION
)
