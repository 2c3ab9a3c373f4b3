import { defineConfig } from 'vitest/config';
import { fileURLToPath } from 'node:url';

const at = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** The core and the sshd harness from their sources (no build needed), for every project. */
function aliases(from: (p: string) => string) {
  return [
    { find: /^marshal$/, replacement: from('./src/index.ts') },
    { find: /^marshal\/runner$/, replacement: from('./src/runner-api.ts') },
    { find: /^@marshal\/sshd-harness$/, replacement: from('./packages/sshd-harness/src/index.ts') },
  ];
}

/** Connection and fault tests whose paths differ between the two session modes (~40 s more). */
const EXEC_MODE_FILES = [
  'test/connection/ssh-exec.test.ts',
  'test/connection/ssh-output.test.ts',
  'test/connection/ssh-become.test.ts',
  'test/connection/ssh-sessions.test.ts',
  'test/faults/lifecycle.test.ts',
  'test/faults/session-faults.test.ts',
  'test/faults/interrupt.test.ts',
];

// One command for the whole suite: the core's tests and every workspace package's (packages/*/vitest.config.mts).
export default defineConfig({
  test: {
    // e2e tests start real sshd servers; two cores, so keep parallelism modest
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // servers, labs and temp dirs of the run end with it, also when it is interrupted
    globalSetup: [at('./test/support/owner.ts')],
    projects: [
      {
        extends: true,
        // exact matches: a plain 'marshal' key would also rewrite 'marshal/runner' as a prefix
        resolve: { alias: aliases(at) },
        test: { name: 'core', include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        resolve: { alias: aliases(at) },
        // persistent sessions are the default; these files run again with a channel per command (--session exec)
        test: { name: 'exec-mode', include: EXEC_MODE_FILES, env: { MARSHAL_SESSION: 'exec' }, testTimeout: 60_000, hookTimeout: 120_000 },
      },
      {
        extends: true,
        resolve: { alias: aliases(at) },
        // examples/*: projects written against the public API only; their tests run here too
        test: { name: 'examples', include: ['examples/*/test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 120_000 },
      },
      'packages/lab/vitest.config.mts',
    ],
  },
});
