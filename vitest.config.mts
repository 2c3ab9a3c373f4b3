import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  resolve: {
    // exact matches: a plain 'marshal' key would also rewrite 'marshal/runner' as a prefix
    alias: [
      { find: /^marshal$/, replacement: fileURLToPath(new URL('./src/index.ts', import.meta.url)) },
      { find: /^marshal\/runner$/, replacement: fileURLToPath(new URL('./src/runner-api.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    // e2e tests start real sshd servers; two cores, so keep parallelism modest
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
