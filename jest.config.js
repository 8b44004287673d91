// One project per test tier (docs/CONVENTIONS.md#test-tiers-in-file-names). `npm test` runs unit, int and e2e against
// one set of servers started by test/global-setup.ts (or given by KAFKA_BROKERS etc.);
// `npm run test:fault` runs the fault tests (FAULT_MODE=long for the long mode).
const transform = {
  '^.+\\.ts$': ['ts-jest', { diagnostics: false, tsconfig: { module: 'commonjs', moduleResolution: 'node', isolatedModules: true } }],
};
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/test'],
};
module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['**/*.unit.test.ts'] },
    {
      ...common,
      displayName: 'int',
      testMatch: ['**/*.int.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/tier-timeout.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['**/*.e2e.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/tier-timeout.ts'],
    },
    {
      ...common,
      displayName: 'fault',
      testMatch: ['**/*.fault.test.ts'],
      globalSetup: '<rootDir>/test/global-setup.ts',
      globalTeardown: '<rootDir>/test/global-teardown.ts',
      setupFilesAfterEnv: ['<rootDir>/test/tier-timeout.ts'],
    },
  ],
};
