#!/usr/bin/env node
// What "why this selection" costs: the bundled action on the example project (DuckDB) after a
// production deploy, on a PR of the example's git history that adds a column to `customers`,
// with `explain-selection: true` and `false` alternately (compare off in both, so only this
// step differs), each run in a fresh CI schema, after one warm-up run. Prints each run, the
// medians and their ratio. `--quick`: 2 pairs instead of 5.
//
//   npm run bench [-- --quick]
import { alternate, deployedExample, machine, median, runAction } from './lib/example.mjs'

const pairs = process.argv.includes('--quick') ? 2 : 5
const example = deployedExample()
// The workspace is a git checkout: the deployed commit on main, then the pull request's commit.
example.git('init', '-q', '-b', 'main')
example.git('add', '-A')
example.git('commit', '-q', '-m', 'deployed')
const deployed = example.git('rev-parse', 'HEAD')
example.git('checkout', '-q', '-b', 'feature')
example.edit('models/marts/customers.sql', (sql) =>
  sql.replace(
    'coalesce(t.lifetime_value, 0) as lifetime_value',
    'coalesce(t.lifetime_value, 0) as lifetime_value,\n    coalesce(t.order_count, 0) > 1 as is_repeat_customer'
  )
)
example.git('commit', '-q', '-am', 'the pull request')

const run = (explain) => runAction(example, { compare: 'false', 'explain-selection': String(explain) }).seconds
const warm = runAction(example, { compare: 'false', 'explain-selection': 'true' })
const selection = warm.report?.selection
if (!selection) throw new Error('explain-selection: true left report.json without its selection')
const [on, off] = alternate(
  pairs,
  () => run(true),
  () => run(false)
)
console.log(machine(example))
console.log(`\nPR: customers, a column added (3 nodes built); baseline commit ${deployed.slice(0, 7)}`)
console.log(`dbt asked with: ${selection.asked_with} (${selection.invocations} invocation${selection.invocations === 1 ? '' : 's'})`)
console.log(`runs with explain-selection: true  (s): ${on.map((x) => x.toFixed(2)).join(' ')}`)
console.log(`runs with explain-selection: false (s): ${off.map((x) => x.toFixed(2)).join(' ')}`)
console.log(`median explain-selection: true  ${median(on).toFixed(2)} s`)
console.log(`median explain-selection: false ${median(off).toFixed(2)} s`)
console.log(`ratio ${(median(on) / median(off)).toFixed(2)}x, cost of the step ${(median(on) - median(off)).toFixed(2)} s (${pairs} pairs)`)
