/**
 * Loading under the bundled CLI (dist/cli/marshal.js, `npm run build`): locations at the
 * user's files, one `marshal` instance. Hosts are ansible_connection=local; no step here
 * runs a command except `exit 3`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { marshal } from '../support/cli';

const FIX = join(__dirname, 'fixtures');
let dir: string;
let inventory: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-load-cli-'));
  inventory = join(dir, 'hosts.ini');
  writeFileSync(inventory, '[all]\nlocal1 ansible_connection=local\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const run = (playbook: string, ...args: string[]) => marshal(['run', join(FIX, playbook), '-i', inventory, ...args], { env: { MARSHAL_CACHE_DIR: join(dir, 'cache') } });

describe('the bundled CLI', () => {
  it("a throw in a step's code names the playbook's file:line, not the bundle", async () => {
    const r = await run('step-throws.ts');
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain(`failed: [local1] bridge exists · sh\`\`: value #1 after "ovs-vsctl br-exists " is undefined (at ${join(FIX, 'step-throws.ts')}:9)`);
    expect(r.stdout + r.stderr).not.toMatch(/marshal\.js|\.cache/);
  });

  it('a library step with a bad option names the library line and the playbook line', async () => {
    const r = await run('library-misspelt.ts');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`^ERROR! ${join(FIX, 'lib/bridge.ts')}:11: step "bad": unknown option \`timout\`.* \\(used at ${join(FIX, 'library-misspelt.ts')}:7\\)\\n$`));
  });

  it("the playbook's `marshal` is the CLI's own instance: the engine's errors are its classes", async () => {
    const r = await run('same-instance.ts');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/ok: \[local1\]/);
  });
});
