/**
 * Two projects: every suite with cdktf, and the construct suites that prove the graph order, least privilege,
 * the guard rails and both examples again with CDK Terrain (cdktn), whose API is the same: `cdktf` and the
 * AWS provider bindings resolve to `cdktn` and `@cdktn/provider-aws` there (the cdktn package does the same
 * rewrite at build time, scripts/build-cdktn.js).
 */
const shared = {
  roots: ['<rootDir>/test'],
  testEnvironment: 'node',
  // tsc type-checks the whole project before jest runs (npm test); isolatedModules makes ts-jest only transpile.
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.jest.json' }] },
  setupFiles: ['<rootDir>/test/support/environment.ts'],
};

/** The suites that run again with cdktn. */
const CDKTN_SUITES = [
  'test/constructs/framework.test.ts',
  'test/constructs/examples.test.ts',
  'test/constructs/graph-order.test.ts',
  'test/constructs/s3-batch-export.test.ts',
  'test/constructs/aspects/*.test.ts',
  'test/review/least-privilege.simulate.test.ts',
  'test/review/example-reviews.test.ts',
];

/** @type {import('jest').Config} */
module.exports = {
  testTimeout: 60_000,
  maxWorkers: 2,
  projects: [
    { ...shared, displayName: 'cdktf', testMatch: ['**/*.test.ts'] },
    {
      ...shared,
      displayName: 'cdktn',
      testMatch: CDKTN_SUITES.map((suite) => `<rootDir>/${suite}`),
      moduleNameMapper: {
        '^cdktf$': 'cdktn',
        '^@cdktf/provider-aws/(.*)$': '@cdktn/provider-aws/$1',
      },
      globals: { EXPECTED_FRAMEWORK: 'cdktn' },
    },
  ],
};
