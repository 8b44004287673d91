// One project per test tier (docs/CONVENTIONS.md#test-tiers-in-file-names). `npm test` runs unit, int and e2e against
// one set of servers started by test/global-setup.ts (or given by KAFKA_BROKERS etc.);
// `npm run test:fault` runs the fault tests (FAULT_MODE=long for the long mode).
const transform = {
  '^.+\\.ts$': [
    'ts-jest',
    {
      diagnostics: false,
      tsconfig: { module: 'commonjs', moduleResolution: 'node', isolatedModules: true },
    },
  ],
};
const common = {
  testEnvironment: 'node',
  transform,
  moduleFileExtensions: ['ts', 'js', 'json'],
  roots: ['<rootDir>/packages', '<rootDir>/services', '<rootDir>/test'],
};
module.exports = {
  // A run ends when its tests do: a test file whose set-up failed can leave a client or a
  // server open (a Kafka connection, a child's pipe), and jest would otherwise wait on it
  // for ever, holding CI with it. Tests still close what they open; this only bounds a failure.
  forceExit: true,
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
