/** @type {import('jest').Config} */
module.exports = {
  roots: ['<rootDir>/test'],
  testEnvironment: 'node',
  // tsc type-checks the whole project before jest runs (npm test); isolatedModules makes ts-jest only transpile.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  testMatch: ['**/*.test.ts'],
  setupFiles: ['<rootDir>/test/support/environment.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
