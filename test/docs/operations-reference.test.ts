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

  it('describes operations of any shape: a name and options, no options, a list and a RegExp', () => {
    const r = spawnSync(process.execPath, [script, '--entry', join(__dirname, 'fixtures/ops/index.ts'), '--stdout'], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const text = r.stdout;
    expect(text).toContain('## ops.service\n\nA systemd unit in a state.\n\n```ts\nops.service(name: string, opts: ServiceOptions)\n```');
    expect(text).toContain("| `state` | `'started' \\| 'stopped'` | yes | Wanted state of the unit. |");
    expect(text).toContain('## ops.reboot\n\nReboots the host (no options).\n\n```ts\nops.reboot()\n```');
    expect(text).toContain('ops.kernelArgs(args: readonly string[], pattern?: RegExp)');
    // a list or a RegExp is not an options object: no table of their methods
    expect(text).not.toMatch(/`(charAt|push|lastIndex|exec)`/);
  }, 120_000);
});
