// Starts the slowest test files first, so the two workers finish together instead of one
// running the last long file alone. jest's own order (longest first by its timing cache, file
// size on a fresh clone) cannot know that the small files of the safety tables run longest.
import TestSequencer from '@jest/test-sequencer'

const Sequencer = TestSequencer.default ?? TestSequencer

/** File names, slowest first (measured on the 2-core machine). */
const SLOWEST = [
  'compat-dbt-1.8.int.test.ts',
  'bench-quick.int.test.ts',
  'safety-table-duckdb.int.test.ts',
  'safety-table-postgres.int.test.ts',
  'e2e-ci-schema.int.test.ts',
  'resolution-scenarios.int.test.ts',
  'compat-dbt-1.9.int.test.ts',
  'compat-dbt-1.10.int.test.ts',
  'compat-dbt-1.11.int.test.ts',
  'e2e-path.int.test.ts',
  'e2e-parse-cache.int.test.ts',
  'e2e-github.int.test.ts',
  'compare-duckdb.int.test.ts',
  'compare-postgres.int.test.ts',
  'compat-mixed.int.test.ts',
  'schema-drop.int.test.ts',
  'postgres-drop.int.test.ts'
]

class SlowestFirst extends Sequencer {
  async sort(tests) {
    const base = await super.sort(tests)
    const rank = (test) => {
      const i = SLOWEST.findIndex((name) => test.path.endsWith(`/${name}`))
      return i < 0 ? SLOWEST.length : i
    }
    return [...base].sort((a, b) => rank(a) - rank(b))
  }
}

export default SlowestFirst
