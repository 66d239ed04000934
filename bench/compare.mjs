#!/usr/bin/env node
// What the data comparison costs: the bundled action (dist/index.js) run on the example project
// (DuckDB) after a production deploy, with `compare: true` and `compare: false` alternately, each
// run in a fresh CI schema, on two PRs: one that adds a column to `customers` (1 model compared),
// then one that also edits four more models (5 compared). Prints the median wall time of each and
// their ratio. `--quick`: 2 pairs instead of 5.
//
//   npm run bench [-- --quick]
import { alternate, deployedExample, machine, median, runAction } from './lib/example.mjs'

const pairs = process.argv.includes('--quick') ? 2 : 5
const example = deployedExample()
const edit = example.edit

/** The PRs, each on top of the one before: a new column in customers; then four more models edited. */
const prs = [
  {
    name: '1 model (customers: a column added)',
    models: 1,
    apply: () =>
      edit('models/marts/customers.sql', (sql) =>
        sql.replace(
          'coalesce(t.lifetime_value, 0) as lifetime_value',
          'coalesce(t.lifetime_value, 0) as lifetime_value,\n    coalesce(t.order_count, 0) > 1 as is_repeat_customer'
        )
      )
  },
  {
    name: '5 models (also orders, dim_customers v1 and v2, stg_payments)',
    models: 5,
    apply: () => {
      edit('models/marts/orders.sql', (sql) => `-- one row per order\n${sql}`)
      edit('models/marts/dim_customers_v1.sql', (sql) => `-- the pinned version\n${sql}`)
      edit('models/marts/dim_customers_v2.sql', (sql) => `${sql.trimEnd()}\nwhere country_code <> 'US'\n`)
      edit('models/staging/stg_payments.sql', (sql) => `-- amounts are in cents upstream\n${sql}`)
    }
  }
]

/** One run of the bundled action; checks it compared what it should, returns its wall time in seconds. */
function run(compare, models) {
  // explain-selection off on both sides, so only the comparison differs.
  const { seconds, outputs } = runAction(example, { compare: String(compare), 'explain-selection': 'false' })
  const compared = /data-models-compared<<(\S+)\n(\d+)/.exec(outputs)?.[2]
  if (compared !== String(compare ? models : 0)) throw new Error(`compare: ${compare} compared ${compared} models, not ${models}`)
  return seconds
}

const results = []
for (const pr of prs) {
  pr.apply()
  run(true, pr.models) // warm-up: the first run of a PR pays for a cold disk cache and a full parse
  const [on, off] = alternate(
    pairs,
    () => run(true, pr.models),
    () => run(false, pr.models)
  )
  results.push({ pr, on, off })
}
console.log(machine(example))
for (const { pr, on, off } of results) {
  console.log(`\nPR: ${pr.name}`)
  console.log(`runs of the action with compare: true  (s): ${on.map((x) => x.toFixed(2)).join(' ')}`)
  console.log(`runs of the action with compare: false (s): ${off.map((x) => x.toFixed(2)).join(' ')}`)
  console.log(`median compare: true  ${median(on).toFixed(2)} s`)
  console.log(`median compare: false ${median(off).toFixed(2)} s`)
  console.log(
    `ratio ${(median(on) / median(off)).toFixed(2)}x, cost of the comparison ${(median(on) - median(off)).toFixed(2)} s (${pairs} pairs)`
  )
}
