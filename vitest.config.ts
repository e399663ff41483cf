import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // aws-local-stepfunctions needs Promise.withResolvers, which Node 20 lacks.
    setupFiles: ['src/lib/with-resolvers-polyfill.ts'],
    // Tests that start real PostgreSQL servers need room; the machines have 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
    env: {
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'AKIDFAKE',
      AWS_SECRET_ACCESS_KEY: 'fake',
      // The Lambdas' Powertools log lines; tests that check them raise the level themselves.
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    },
    coverage: { provider: 'v8', include: ['src/domain/**'] },
  },
});
