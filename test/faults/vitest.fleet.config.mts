// `npm run test:fleet`: the 200-host fault run, kept out of the default suite (too heavy for CI's two cores).
import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('../..', import.meta.url)),
  resolve: {
    alias: [
      { find: /^marshal$/, replacement: fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
      { find: /^marshal\/runner$/, replacement: fileURLToPath(new URL('../../src/runner-api.ts', import.meta.url)) },
      { find: /^@marshal\/sshd-harness$/, replacement: fileURLToPath(new URL('../../packages/sshd-harness/src/index.ts', import.meta.url)) },
    ],
  },
  test: {
    include: ['test/faults/**/*.fleet.ts'],
    pool: 'forks',
    testTimeout: 20 * 60_000,
    hookTimeout: 20 * 60_000,
  },
});
