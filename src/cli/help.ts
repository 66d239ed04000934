/**
 * `dbt-defer --help`: the commands, the tool's flags, and every setting with where it is read
 * from. Made from the settings table, so a new setting is listed by adding it there. Pure.
 */
import { CLI_SETTINGS, CONFIG_FILE, envVarOf } from './config.js'

const USAGE = `dbt-defer: dbt with defer to your staging or production deploy, on your machine.

Usage:
  dbt-defer <dbt command> [dbt arguments...]   run dbt with --defer --state <baseline> added
  dbt-defer status                             show the baseline the next command would use
  dbt-defer clean [-t TARGET]                  drop your development schemas (guarded)
  dbt-defer --help | --version

Every dbt argument is passed to dbt unchanged. The baseline is the manifest of the newest
successful deploy of one environment: staging when staging is configured, else production.
--no-defer runs dbt without it; --favor-state is passed to dbt as it is.

dbt-defer's own flags (taken out before dbt runs):
  --report-json FILE     write the resolution report (the action's report.json) to FILE
  --refresh-baseline     ask the source again even when the cached baseline is fresh

After a build, run, test, seed, snapshot or compile, dbt-defer prints each node dbt ran and
where each of its refs was read from: this run, dev, staging, production or a source.
Before dbt writes, dbt-defer proves that none of the schemas it writes to belongs to a deployed
environment, a source or another target, and marks the schemas it creates as yours; 'clean'
drops only schemas holding that mark.
`

/** The help text. */
export function helpText(): string {
  const rows = CLI_SETTINGS.map((s) => {
    const from = [envVarOf(s.key), ...(s.alsoFrom ?? []), ...(s.secret ? [] : [`${CONFIG_FILE}: ${s.key}`])].join(', ')
    const fallback = s.fallback ? ` (default: ${s.fallback})` : ''
    return `  ${s.key}\n      ${s.help}${fallback}\n      read from: ${from}${s.secret ? ' (a secret: the environment only)' : ''}`
  })
  return `${USAGE}
Settings (the environment first, then ${CONFIG_FILE} in the dbt project; the names are the
action's inputs). dbt's own --project-dir, --profiles-dir, --target and --target-path (or
DBT_PROJECT_DIR, DBT_PROFILES_DIR, DBT_TARGET, DBT_TARGET_PATH) say where the project, the
profile and the artifacts are, as for dbt.

${rows.join('\n')}
`
}
