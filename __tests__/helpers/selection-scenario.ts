import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import type { ExampleProject } from './example-project.js'

// The "why selected" scenarios: a production project with a macro used by two models, a
// model with an enforced contract and one whose materialization depends on the target; and a
// pull request that changes one thing of each kind.

/** Runs git in a directory and returns its trimmed output. */
export function git(dir: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd: dir,
    encoding: 'utf8',
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Test',
      GIT_AUTHOR_EMAIL: 'test@example.com',
      GIT_COMMITTER_NAME: 'Test',
      GIT_COMMITTER_EMAIL: 'test@example.com'
    }
  }).trim()
}

/** Makes the project directory a git repository on `main` with everything committed; returns the commit. */
export function initRepo(project: ExampleProject): string {
  writeFileSync(project.path('.gitignore'), 'target/\nlogs/\nwarehouse.duckdb*\ndbt_packages/\n')
  git(project.dir, 'init', '-q', '-b', 'main')
  return commitAll(project, 'production as deployed')
}

/** Commits every change; returns the commit. */
export function commitAll(project: ExampleProject, message: string): string {
  git(project.dir, 'add', '-A')
  git(project.dir, 'commit', '-q', '-m', message)
  return git(project.dir, 'rev-parse', 'HEAD')
}

/** The production project of the scenarios, before its deploy. */
export function prepareSelectionBase(project: ExampleProject): void {
  mkdirSync(project.path('macros'), { recursive: true })
  writeFileSync(project.path('macros/loaded_at.sql'), "{% macro loaded_at() %}cast('2024-01-01' as date){% endmacro %}\n")
  project.edit('models/staging/stg_orders.sql', (s) => s.replace('    status\n', '    status,\n    {{ loaded_at() }} as loaded_at\n'))
  project.edit('models/staging/stg_payments.sql', (s) =>
    s.replace('    amount / 100.0 as amount\n', '    amount / 100.0 as amount,\n    {{ loaded_at() }} as loaded_at\n')
  )
  writeFileSync(project.path('models/marts/contracted.sql'), 'select 1 as id\n')
  // Its materialization depends on the target: production builds a table, CI a view.
  project.edit(
    'models/marts/customer_segments.sql',
    (s) => `{{ config(materialized=('table' if target.name == 'prod' else 'view')) }}\n${s}`
  )
  project.edit(
    'models/marts/_marts.yml',
    (s) =>
      s +
      '  - name: contracted\n    config:\n      contract: {enforced: true}\n    columns:\n      - name: id\n        data_type: integer\n'
  )
}

/** The pull request: a body change, a config-only change, a macro change, a new model and a contract change. */
export function applyPullRequest(project: ExampleProject): void {
  project.edit('macros/loaded_at.sql', (s) => s.replace('2024-01-01', '2024-06-01'))
  project.edit('models/marts/customers.sql', (s) =>
    s.replace(
      'coalesce(t.lifetime_value, 0) as lifetime_value',
      'coalesce(t.lifetime_value, 0) as lifetime_value,\n    coalesce(t.order_count, 0) > 1 as is_repeat_customer'
    )
  )
  project.edit('models/marts/_marts.yml', (s) =>
    s
      .replace('  - name: customer_history\n', '  - name: customer_history\n    config:\n      materialized: view\n')
      .replace('data_type: integer', 'data_type: int')
  )
  writeFileSync(project.path('models/marts/new_model.sql'), 'select 2 as id\n')
}
