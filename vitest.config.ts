/**
 * vitest, one project per tier. TypeScript runs through Node's own type stripping (the same
 * way `npm start` and the CDK app run it), not through Vite's module runner.
 *   unit         pure logic, fast, in parallel
 *   infra        CDK synthesis, template assertions and cdk-nag
 *   integration  real HTTP through the local gateway against DynamoDB Local and the S3
 *                emulator: one stack for the tier (globalSetup), files one after another
 */
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    experimental: { viteModuleRunner: false },
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'] },
      },
      {
        extends: true,
        test: { name: 'infra', include: ['test/infra/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/support/global-stack.ts'],
          fileParallelism: false,
          pool: 'forks',
          testTimeout: 180_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
