import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ops from '../../src/ops/index';

const script = join(__dirname, '../../scripts/operations-reference.mjs');

describe('docs/operations-reference.md', () => {
  it('is the reference generated from src/ops (run `npm run docs:operations`)', () => {
    const r = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 120_000);

  it('lists every function src/ops/index.ts exports, with its options', () => {
    const text = readFileSync(join(__dirname, '../../docs/operations-reference.md'), 'utf8');
    const exported = Object.entries(ops as Record<string, unknown>).filter(([, v]) => typeof v === 'function').map(([k]) => k);
    expect(exported.length).toBeGreaterThan(0);
    for (const name of exported) expect(text).toContain(`## ops.${name}\n`);
    expect(text).toMatch(/\| `cmd` \| `Command \\\| readonly string\[\]` \| yes \|/);
  });
});
