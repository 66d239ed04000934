/**
 * The action's typed settings. `getInputs()` in inputs.ts is the only producer: every other
 * module receives the parts it needs from here and never reads inputs or the environment.
 */

/** What one invocation of the action does. */
export type Mode = 'build' | 'publish' | 'cleanup'

/** dbt commands the action knows how to run and report. */
export type DbtCommand = 'build' | 'run' | 'test' | 'seed' | 'snapshot' | 'compile'

/** Which environment to defer to: `auto` is staging when one is configured, else production. */
export type DeferEnvChoice = 'auto' | 'staging' | 'production'

/** The one environment an invocation defers to. */
export type DeferredEnv = 'staging' | 'production'

/** Where the deferred environment's manifest comes from. */
export type BaselineSourceKind = 'github-artifact' | 'actions-cache' | 'dbt-cloud' | 'url' | 'path'

/** What to do when no baseline manifest can be found for the chosen environment. */
export type IfNoBaseline = 'fail' | 'build-all'

/** Settings of the `path` baseline source. */
export interface PathSourceSettings {
  /** Local manifest file, or a directory holding manifest.json, of production. */
  production?: string
  /** Local manifest file, or a directory holding manifest.json, of staging. */
  staging?: string
}

/** Settings of the `github-artifact` baseline source. */
export interface ArtifactSourceSettings {
  /** Name of the artifact the deploy workflow uploads (it holds manifest.json). */
  artifactName: string
  /** Workflow file name or id of the production deploy workflow. */
  productionWorkflow?: string
  /** Workflow file name or id of the staging deploy workflow; set means staging is configured. */
  stagingWorkflow?: string
  /** Branch the deploy runs ran on; unset means the repository's default branch. */
  branch?: string
  /** How many successful deploy runs to look through before giving up. */
  maxRuns: number
}

/** Settings of the `actions-cache` baseline source and of the publish mode. */
export interface CacheSourceSettings {
  /** Prefix of every cache key the action writes or reads. */
  keyPrefix: string
  /** Whether staging is configured for the cache source (`staging-cache: true`). */
  stagingConfigured: boolean
  /** Publish mode: fail the step (default) or only warn when the entry cannot be confirmed saved. */
  publishFailure?: 'fail' | 'warn'
}

/** Settings of the `dbt-cloud` baseline source. */
export interface DbtCloudSourceSettings {
  /** dbt Cloud account id. */
  accountId?: string
  /** dbt Cloud API token (masked). */
  token?: string
  /** Base URL of the dbt Cloud API, e.g. https://cloud.getdbt.com. */
  baseUrl: string
  /** dbt Cloud project id (needed for the automatic staging/production choice). */
  projectId?: string
  /** Explicit environment id to defer to, after the precedence of inputs and files. */
  deferEnvId?: string
  /** Where deferEnvId came from, for messages. */
  deferEnvIdOrigin?: 'input' | 'DBT_CLOUD_DEFER_ENV_ID' | 'dbt_project.yml' | 'dbt_cloud.yml'
}

/** Settings of the `url` baseline source. */
export interface UrlSourceSettings {
  /** https URL of production's manifest.json. */
  production?: string
  /** https URL of staging's manifest.json; set means staging is configured. */
  staging?: string
  /** Value of the Authorization header sent with the request (masked). */
  authorization?: string
}

/** Time limits of the baseline sources' network calls, in milliseconds. */
export interface NetworkSettings {
  /** Longest wait for a connection (TCP and TLS) to stand (`http-connect-timeout`). */
  connectTimeoutMs: number
  /** Longest wait for the next byte of an answer (`http-idle-timeout`). */
  idleTimeoutMs: number
  /** Longest time one request or download may take, body included (`download-timeout`). */
  downloadTimeoutMs: number
  /** Longest time the whole search for the baseline may take (`baseline-timeout`). */
  searchTimeoutMs: number
}

/** Everything about finding the baseline manifest. */
export interface BaselineSettings {
  /** Which source to read the baseline from. */
  source: BaselineSourceKind
  /** Environment choice. */
  deferEnv: DeferEnvChoice
  /** What to do when no baseline exists. */
  ifNoBaseline: IfNoBaseline
  /** Keep fetched baselines in the actions cache keyed by their identity. */
  cacheFetched: boolean
  /** `path` source. */
  path: PathSourceSettings
  /** `github-artifact` source. */
  artifact: ArtifactSourceSettings
  /** `actions-cache` source. */
  cache: CacheSourceSettings
  /** `dbt-cloud` source. */
  dbtCloud: DbtCloudSourceSettings
  /** `url` source. */
  url: UrlSourceSettings
  /** Time limits of the sources' network calls; absent means the defaults of action.yml. */
  network?: NetworkSettings
}

/** How dbt is invoked. */
export interface DbtSettings {
  /** The dbt executable (name on PATH or a path). */
  executable: string
  /** Absolute path of the dbt project directory. */
  projectDir: string
  /** Absolute path of the profiles directory, when given. */
  profilesDir?: string
  /** dbt target name, when given. */
  target?: string
  /**
   * DBT_TARGET_PATH when set (it overrides dbt_project.yml's target-path). Read only where the
   * action reads what the user's own dbt wrote (`mode: publish`); the dbt commands the action
   * runs write into target directories of the action's own.
   */
  targetPath?: string
  /** The dbt command to run. */
  command: DbtCommand
  /** `--select` values (already split). */
  select: string[]
  /** `--exclude` values (already split). */
  exclude: string[]
  /** `--selector` name, when given. */
  selector?: string
  /** `--defer` (true) or `--no-defer` (false). */
  defer: boolean
  /** `--favor-state`. */
  favorState: boolean
  /** Extra arguments appended to the dbt command, already split. */
  extraArgs: string[]
  /** Run `dbt deps` first: `auto` when packages are declared but not installed. */
  deps: 'auto' | 'always' | 'never'
  /** Clone modified incremental models from the baseline before building. */
  cloneIncremental: boolean
  /** Keep dbt's partial-parse file across runs in the actions cache (`parse-cache`). */
  parseCache: boolean
  /** The environment dbt runs with: the runner's, less the action's inputs and the runner's tokens. */
  env: Record<string, string>
}

/** The per-PR CI schema. */
export interface CiSchemaSettings {
  /** Template of the schema name; `{pr}`, `{run_id}`, `{branch}` are replaced. Empty: none. */
  template: string
  /** Environment variable that carries the schema name to profiles.yml. */
  envVar: string
  /** Drop the schema before and after the build. */
  cleanSlate: boolean
}

/** Where the report goes. */
export interface ReportSettings {
  /** Post or update the sticky PR comment. */
  comment: boolean
  /** Token used for the GitHub API (masked). */
  token: string
  /** PR number given explicitly, overriding the event. */
  prNumber?: number
}

/** The comparison of the CI data with the deferred environment's, after the build. */
export interface CompareSettings {
  /** Compare at all (`compare`). */
  enabled: boolean
  /** The most models compared, most downstream first (`compare-max-models`). */
  maxModels: number
  /** Above this many rows on either side, a model's key diff is skipped (`compare-key-diff-max-rows`). */
  keyDiffMaxRows: number
  /** A SQL predicate both sides of every comparison are filtered by (`compare-where`), when set. */
  where?: string
  /** How many example keys of each kind of changed row the report shows (`compare-example-keys`). */
  exampleKeys: number
  /** Also show the differing values of the example changed rows (`compare-value-samples`). */
  valueSamples: boolean
}

/** Facts about the workflow run, read from the runner's environment. */
export interface RunContext {
  /** owner/repo. */
  repository: string
  /** REST API base URL (GITHUB_API_URL). */
  apiUrl: string
  /** Web base URL (GITHUB_SERVER_URL). */
  serverUrl: string
  /** Event name (GITHUB_EVENT_NAME). */
  eventName: string
  /** Path of the event payload file (GITHUB_EVENT_PATH). */
  eventPath?: string
  /** Workflow run id (GITHUB_RUN_ID). */
  runId?: string
  /** Attempt of the workflow run (GITHUB_RUN_ATTEMPT). */
  runAttempt?: string
  /** Commit of the run (GITHUB_SHA). */
  sha?: string
  /** Ref of the run (GITHUB_REF). */
  ref?: string
  /** Branch of the run (GITHUB_HEAD_REF for PRs, else GITHUB_REF_NAME). */
  branch?: string
  /** The runner's temp directory (RUNNER_TEMP) where the action keeps its own files. */
  tempDir: string
  /** The workspace (GITHUB_WORKSPACE), used to make file links relative. */
  workspace: string
}

/** The "why selected" step. */
export interface SelectionSettings {
  /** Ask dbt why each node is selected, and git how far the baseline lags (`explain-selection`). */
  explain: boolean
  /** Leave out the nodes selected only because the baseline lags (`exclude-lagging`). */
  excludeLagging: boolean
}

/** Everything the action needs, read and validated once. */
export interface Settings {
  /** What this invocation does. */
  mode: Mode
  /** dbt invocation. */
  dbt: DbtSettings
  /** Baseline discovery. */
  baseline: BaselineSettings
  /** CI schema handling. */
  ciSchema: CiSchemaSettings
  /** Report destinations. */
  report: ReportSettings
  /** The data comparison after the build. */
  compare: CompareSettings
  /** Why each node was selected, the baseline's lag, what lies downstream. */
  selection: SelectionSettings
  /** The workflow run. */
  context: RunContext
  /** Every secret the action knows (tokens, the url-authorization header, URL credentials): never published. */
  secrets: string[]
}
