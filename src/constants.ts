/**
 * Names of the action's inputs, outputs and the runner variables it reads, in one place: a rename
 * is one edit here (and in action.yml), and a typo does not compile. __tests__/constants.test.ts
 * checks the input and output names against action.yml.
 */

/** Inputs of action.yml. */
export enum Input {
  Mode = 'mode',
  ProjectDir = 'project-dir',
  ProfilesDir = 'profiles-dir',
  Target = 'target',
  DbtExecutable = 'dbt-executable',
  Command = 'command',
  Select = 'select',
  Exclude = 'exclude',
  Selector = 'selector',
  Defer = 'defer',
  FavorState = 'favor-state',
  ExtraArgs = 'extra-args',
  Deps = 'deps',
  CloneIncremental = 'clone-incremental',
  DeferEnv = 'defer-env',
  BaselineSource = 'baseline-source',
  IfNoBaseline = 'if-no-baseline',
  CacheBaseline = 'cache-baseline',
  StatePath = 'state-path',
  StagingStatePath = 'staging-state-path',
  ArtifactName = 'artifact-name',
  ProductionWorkflow = 'production-workflow',
  StagingWorkflow = 'staging-workflow',
  BaselineBranch = 'baseline-branch',
  MaxRunsSearched = 'max-runs-searched',
  HttpConnectTimeout = 'http-connect-timeout',
  HttpIdleTimeout = 'http-idle-timeout',
  DownloadTimeout = 'download-timeout',
  BaselineTimeout = 'baseline-timeout',
  PublishFailure = 'publish-failure',
  CacheKeyPrefix = 'cache-key-prefix',
  StagingCache = 'staging-cache',
  DbtCloudAccountId = 'dbt-cloud-account-id',
  DbtCloudApiToken = 'dbt-cloud-api-token',
  DbtCloudHost = 'dbt-cloud-host',
  DbtCloudProjectId = 'dbt-cloud-project-id',
  DeferEnvId = 'defer-env-id',
  ProductionUrl = 'production-url',
  StagingUrl = 'staging-url',
  UrlAuthorization = 'url-authorization',
  Comment = 'comment',
  GithubToken = 'github-token',
  PrNumber = 'pr-number',
  CiSchema = 'ci-schema',
  CiSchemaEnvVar = 'ci-schema-env-var',
  CleanSlate = 'clean-slate'
}

/** Outputs of action.yml. */
export enum Output {
  Success = 'success',
  SelectedCount = 'selected-count',
  StatePath = 'state-path',
  RunResultsPath = 'run-results-path',
  ManifestPath = 'manifest-path',
  DeferredEnv = 'deferred-env',
  BaselineSource = 'baseline-source',
  BaselineRunId = 'baseline-run-id',
  BaselineRunUrl = 'baseline-run-url',
  BaselineSha = 'baseline-sha',
  BaselineGeneratedAt = 'baseline-generated-at',
  BuiltAll = 'built-all',
  CiSchema = 'ci-schema',
  CacheKey = 'cache-key',
  CommentUrl = 'comment-url',
  SummaryPath = 'summary-path',
  ReportPath = 'report-path'
}
