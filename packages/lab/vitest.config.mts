import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const at = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig({
  // the core and the harness from their sources, as the core's own tests use them (no build needed)
  resolve: {
    alias: [
      { find: /^marshal$/, replacement: at('../../src/index.ts') },
      { find: /^marshal\/runner$/, replacement: at('../../src/runner-api.ts') },
      { find: /^@marshal\/sshd-harness$/, replacement: at('../sshd-harness/src/index.ts') },
    ],
  },
  test: {
    name: 'lab',
    root: at('.'),
    include: ['test/**/*.test.ts'],
    // the lab, its sshd and temp dirs end with the run, also when it is interrupted (run alone or from the root)
    globalSetup: [at('../../test/support/owner.ts')],
    // lab tests start real sshd servers and a FUSE daemon; two cores, so keep parallelism modest
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
