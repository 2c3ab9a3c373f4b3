import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const at = (p: string) => fileURLToPath(new URL(p, import.meta.url));

// One command for the whole suite: the core's tests and every workspace package's (packages/*/vitest.config.mts).
export default defineConfig({
  test: {
    // e2e tests start real sshd servers; two cores, so keep parallelism modest
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    projects: [
      {
        extends: true,
        resolve: { alias: { marshal: at('./src/index.ts'), '@marshal/sshd-harness': at('./packages/sshd-harness/src/index.ts') } },
        test: { name: 'core', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
      'packages/lab/vitest.config.mts',
    ],
  },
});
