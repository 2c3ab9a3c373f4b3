import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { marshal, ROOT } from '../support/cli';

// a full type-check of a playbook and the sources it imports takes a while on two busy cores
describe('marshal check', { timeout: 240_000 }, () => {
  it('passes a well-typed playbook without touching a host', async () => {
    const r = await marshal(['check', join(ROOT, 'playbooks/prepare-cx7.ts')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/prepare-cx7\.ts: ok \(\d+ steps\)/);
  });

  it('reports a type error with file:line:column and exit 1', async () => {
    // inside the repo so `marshal` resolves like a user's project
    const dir = mkdtempSync(join(ROOT, 'test/e2e/fixtures/.tmp-'));
    const file = join(dir, 'typed.ts');
    copyFileSync(join(ROOT, 'test/e2e/fixtures/type-error.ts.txt'), file);
    const r = await marshal(['check', file]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/typed\.ts:11:\d+: error TS2339: Property 'toUpperCase' does not exist on type 'number'/);
  });
});

describe('marshal inventory', () => {
  const fixture = join(ROOT, 'test/fixtures/inventory/ini-basic');
  it('--list prints what ansible-inventory prints', async () => {
    const inv = join(fixture, 'hosts.ini');
    const r = await marshal(['inventory', '-i', inv, '--list']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(JSON.parse(readFileSync(join(fixture, 'expected-list.json'), 'utf8')));
  });

  it('an unknown --limit group is a usage error naming it', async () => {
    const r = await marshal(['run', join(ROOT, 'test/e2e/fixtures/three-steps.ts'), '-i', join(fixture, 'hosts.ini'), '--limit', 'nosuchgroup']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain("nosuchgroup");
  });
});
