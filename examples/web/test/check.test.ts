/** `marshal check` type-checks both playbooks and the library they share (the bundled CLI: npm test builds it first). */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { marshal } from '../../../test/support/cli';

describe('marshal check examples/web', () => {
  for (const name of ['web', 'content']) {
    it(`${name}.ts type-checks and validates`, async () => {
      const r = await marshal(['check', join(__dirname, `../playbooks/${name}.ts`)], { timeoutMs: 120_000 });
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`playbooks/${name}\\.ts: ok \\(\\d+ steps\\)`));
    }, 180_000);
  }
});
