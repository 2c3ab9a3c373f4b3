import { defineConfig } from 'vitest/config';
import { resolve } from 'node:path';

export default defineConfig({
  resolve: { alias: { marshal: resolve(__dirname, 'src/index.ts') } },
  test: {
    include: ['test/**/*.test.ts'],
    // e2e tests start real sshd servers; two cores, so keep parallelism modest
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
