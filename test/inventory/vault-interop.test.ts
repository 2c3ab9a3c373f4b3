/**
 * Interop with the real ansible-vault (Debian's ansible-core, installed by scripts/bootstrap.sh):
 * files and strings are encrypted at test time (fresh salts, 1.1 and 1.2 with a vault id), then
 * Marshal loads them; whole-file values must equal what ansible-inventory itself decrypts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index';
import { Vault } from '../../src/inventory/vault';
import { loadVaultSecrets } from '../../src/inventory/vault-secrets';

function hasAnsibleVault(): boolean {
  try {
    execFileSync('ansible-vault', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

// 16 bytes exactly (a whole padding block), quotes, unicode, and a multi-line value
const VALUES = {
  block16: '0123456789abcdef',
  quoted: `it's "quoted" — ünïcødé ✓`,
  multi: 'line one\nline two\n',
};

let dir: string;
const vault = (...args: string[]): string => execFileSync('ansible-vault', args, { cwd: dir, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'], env: { ...process.env, ANSIBLE_NOCOLOR: '1' } });
const encryptString = (value: string, name: string, ...id: string[]): string =>
  execFileSync('ansible-vault', ['encrypt_string', ...id, '--stdin-name', name], { cwd: dir, input: value, encoding: 'utf8', stdio: ['pipe', 'pipe', 'ignore'] });

describe.skipIf(!hasAnsibleVault())('interop with ansible-vault (files made at test time)', () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'marshal-vault-interop-'));
    writeFileSync(join(dir, 'default.pw'), 'default password ☂\n');
    writeFileSync(join(dir, 'ops.pw'), 'ops-pw\n');
    mkdirSync(join(dir, 'inv/group_vars'), { recursive: true });
    mkdirSync(join(dir, 'inv/host_vars'), { recursive: true });
    const inline = [
      encryptString(VALUES.block16, 'v_block16', '--vault-password-file', 'default.pw'),
      encryptString(VALUES.quoted, 'v_quoted', '--vault-id', 'ops@ops.pw'),
      encryptString(VALUES.multi, 'v_multi', '--vault-id', 'ops@ops.pw'),
    ];
    writeFileSync(join(dir, 'inv/hosts.yml'), `app:\n  hosts:\n    app1:\n  vars:\n${inline.join('\n').replace(/^/gm, '    ')}\n`);
    writeFileSync(join(dir, 'inv/group_vars/app.yml'), 'group_secret: "g-1.1"\nlist: [a, "b c"]\n');
    vault('encrypt', '--vault-password-file', 'default.pw', 'inv/group_vars/app.yml');
    writeFileSync(join(dir, 'inv/host_vars/app1.yml'), 'host_secret: "h-1.2 ops"\n');
    vault('encrypt', '--vault-id', 'ops@ops.pw', 'inv/host_vars/app1.yml');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the files really are 1.1 and 1.2 with the vault id', () => {
    expect(readFileSync(join(dir, 'inv/group_vars/app.yml'), 'utf8')).toMatch(/^\$ANSIBLE_VAULT;1\.1;AES256\n/);
    expect(readFileSync(join(dir, 'inv/host_vars/app1.yml'), 'utf8')).toMatch(/^\$ANSIBLE_VAULT;1\.2;AES256;ops\n/);
    expect(readFileSync(join(dir, 'inv/hosts.yml'), 'utf8')).toContain('!vault |');
  });

  it('Marshal decrypts encrypt and encrypt_string output, 1.1 and 1.2, equal to what ansible-inventory decrypts', async () => {
    const secrets = await loadVaultSecrets({ ids: [`ops@${join(dir, 'ops.pw')}`], passwordFiles: [join(dir, 'default.pw')] }, async () => '');
    const inv = await loadInventory([join(dir, 'inv')], { vault: new Vault(secrets) });
    const vars = inv.hosts.get('app1')!.vars;
    expect(vars).toMatchObject({ v_block16: VALUES.block16, v_quoted: VALUES.quoted, v_multi: VALUES.multi });
    const ansible = JSON.parse(execFileSync('ansible-inventory', ['-i', 'inv', '--list', '--vault-password-file', 'default.pw', '--vault-id', 'ops@ops.pw'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as { _meta: { hostvars: Record<string, Record<string, unknown>> } };
    const theirs = ansible._meta.hostvars.app1!;
    for (const k of ['group_secret', 'list', 'host_secret']) expect(vars[k]).toEqual(theirs[k]);
    // inline values: ansible-inventory prints their envelopes ({__ansible_vault}), so only the names compare
    expect(Object.keys(theirs).sort()).toEqual(Object.keys(vars).sort());
  });

  it('a wrong password fails with the HMAC message for the first vaulted value', async () => {
    const err = await loadInventory([join(dir, 'inv')], { vault: new Vault([{ id: 'ops', password: 'wrong' }]) }).catch((e: Error) => e);
    expect((err as Error).message).toBe(`vault: HMAC check failed for ${join(dir, 'inv/hosts.yml')}:5 (wrong password for vault id ops?)`);
  });
});
