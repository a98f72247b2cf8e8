/** @type {import('jest').Config} */
module.exports = {
  roots: ['<rootDir>/test'],
  testEnvironment: 'node',
  // tsc type-checks the whole project before jest runs (npm test), so jest only transpiles.
  transform: { '^.+\\.ts$': ['ts-jest', { isolatedModules: true }] },
  testMatch: ['**/*.test.ts'],
  testTimeout: 60_000,
  maxWorkers: 2,
};
