import { afterAll, describe, expect, it } from 'vitest';
import { rmSync } from 'node:fs';
import { InventoryError } from '../../src/errors';
import { loadInventory } from '../../src/inventory';
import { parseExtraVars } from '../../src/config/extra-vars';
import { isSecretVarName, maskSecretAssignments } from '../../src/util/secret-names';
import { tree } from '../inventory/helpers';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function iniError(text: string): Promise<InventoryError> {
  const dir = tree({ hosts: text });
  dirs.push(dir);
  const err = await loadInventory(['hosts'], { cwd: dir }).then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(InventoryError);
  return err as InventoryError;
}

describe('secret var names', () => {
  it("Ansible's connection passwords, *password*/*secret*/*token*, vault_* and the _pass-like suffixes", () => {
    for (const n of ['ansible_password', 'ansible_become_pass', 'ansible_become_password', 'ansible_ssh_pass', 'ansible_sudo_pass', 'db_password', 'API_TOKEN', 'client_secret', 'vault_anything', 'db_pass', 'smtp_passwd', 'ansible_ssh_private_key_passphrase', 'pass'])
      expect(isSecretVarName(n), n).toBe(true);
    for (const n of ['ansible_user', 'ansible_host', 'passenger', 'compass_dir']) expect(isSecretVarName(n), n).toBe(false);
  });

  it('masks quoted, unterminated and bare values of secret names only', () => {
    expect(maskSecretAssignments(`web1 ansible_password="s3 cr3t" x=1 db_pass: 'a b' user=root`)).toBe('web1 ansible_password=******** x=1 db_pass: ******** user=root');
    expect(maskSecretAssignments(`w ansible_become_pass="never closed`)).toBe('w ansible_become_pass=********');
  });
});

describe('inventory errors that quote a line mask its secrets', () => {
  it('an unterminated quote on a host line (the line is quoted in the error)', async () => {
    const err = await iniError('[web]\nweb1 ansible_user=ops ansible_password=hunter2 motd="unterminated\n');
    expect(err.line).toBe(2);
    expect(err.message).toMatch(/^Error parsing host definition 'web1 ansible_user=ops ansible_password=\*{8} motd=.*No closing quotation/);
    expect(err.message).not.toContain('hunter2');
  });

  it('a quoted secret that is never closed, and a [g:vars] line without =', async () => {
    const a = await iniError('[web]\nweb1 ansible_become_pass="hunter2 x=1\n');
    expect(a.message).not.toContain('hunter2');
    const b = await iniError('[web]\nweb1\n[web:vars]\nvault_db_password hunter2\n');
    expect([b.line, b.message]).toEqual([4, 'Expected key=value, got: vault_db_password ********']);
  });

  it('-e with an unclosed quote does not echo the password', () => {
    expect(() => parseExtraVars([`ansible_password='hunter2 user=x`])).toThrow('--extra-vars: unclosed \' in "ansible_password=********"');
  });
});
