// ts-jest in ESM mode; run through scripts/run.mjs, which sets --experimental-vm-modules.
//
// Two projects: `unit` (pure code and fakes on loopback) and `integration` (real dbt, the run's
// PostgreSQL). The PostgreSQL global setup belongs to the integration project alone: jest runs
// a project's globalSetup only when the run selected at least one test file of that project,
// so `npm run test:unit`, or any run of unit files only, never starts (or installs) the server.

/** Files under __tests__/ that need the run's PostgreSQL although their names lack `.int.`. */
const NEEDS_POSTGRES = ['postgres-server.test.ts']

const shared = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }]
  }
}

export default {
  testTimeout: 30000,
  // Two test files at a time: most of a file's time is a dbt process, so two keep both cores busy.
  maxWorkers: 2,
  testSequencer: '<rootDir>/__tests__/setup/sequencer.mjs',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      testMatch: ['<rootDir>/__tests__/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '\\.int\\.test\\.ts$',
        ...NEEDS_POSTGRES.map((file) => `<rootDir>/__tests__/${file.replaceAll('.', '\\.')}$`)
      ]
    },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/__tests__/**/*.int.test.ts', ...NEEDS_POSTGRES.map((file) => `<rootDir>/__tests__/${file}`)],
      globalSetup: '<rootDir>/__tests__/setup/global-setup.ts',
      globalTeardown: '<rootDir>/__tests__/setup/global-teardown.ts'
    }
  ]
}
