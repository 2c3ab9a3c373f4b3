import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

describe('docs/architecture.md', () => {
  it('holds the import graph generated from the code (run `npm run docs:architecture`)', () => {
    const r = spawnSync(process.execPath, [join(__dirname, '../../scripts/architecture.mjs'), '--check'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  }, 60_000);
});
