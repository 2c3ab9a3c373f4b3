/**
 * Ansible Vault: decryption of files made by the real `ansible-vault` (committed fixtures, made by
 * fixtures/vault/regen.sh, so these run without ansible), the loaders that meet vault text, and
 * the password sources. Interop against a live ansible-vault is in vault-interop.test.ts.
 */
import { chmodSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadInventory } from '../../src/inventory/index';
import { decrypt, parseEnvelope, Vault, type VaultSecret } from '../../src/inventory/vault';
import { loadVaultSecrets, parseVaultId, readPasswordFile } from '../../src/inventory/vault-secrets';
import { parseExtraVars } from '../../src/config/extra-vars';
import { isUsageError, isInventoryError, type MarshalError } from '../../src/errors';
import { tree } from './helpers';

const FIX = join(__dirname, 'fixtures/vault');
const SECRETS: VaultSecret[] = [
  { id: 'default', password: 'marshal-default-pw' },
  { id: 'prod', password: 'prod-pw-2' },
];
const temps: string[] = [];
afterAll(() => temps.forEach((d) => rmSync(d, { recursive: true, force: true })));

function thrown(fn: () => unknown): MarshalError {
  try {
    fn();
  } catch (e) {
    return e as MarshalError;
  }
  throw new Error('expected a throw');
}

async function rejected(p: Promise<unknown>): Promise<MarshalError> {
  return p.then(
    () => {
      throw new Error('expected a rejection');
    },
    (e: unknown) => e as MarshalError,
  );
}

describe('decrypt (files made by ansible-vault encrypt)', () => {
  it('reads format 1.1 (no vault id) and 1.2 (vault id prod)', () => {
    const f11 = join(FIX, 'inv/group_vars/web.yml');
    const f12 = join(FIX, 'inv/host_vars/web1.yml');
    expect(parseEnvelope(readFileSync(f11, 'utf8'), { file: f11 })).toMatchObject({ version: '1.1', id: undefined });
    expect(parseEnvelope(readFileSync(f12, 'utf8'), { file: f12 })).toMatchObject({ version: '1.2', id: 'prod' });
    expect(decrypt(readFileSync(f11, 'utf8'), SECRETS, { file: f11 })).toBe('vault_admin_password: "whole file 1.1"\nport_note: 8080\nnested:\n  key: "nested-leaf-x"\n');
    expect(decrypt(readFileSync(f12, 'utf8'), SECRETS, { file: f12 })).toBe('host_secret: "whole file 1.2 prod"\n');
  });

  it('a wrong password is an HMAC failure naming the file, line and vault id', () => {
    const f = join(FIX, 'extra.yml');
    const e = thrown(() => decrypt(readFileSync(f, 'utf8'), [{ id: 'prod', password: 'nope' }], { file: f, line: 1 }));
    expect(isUsageError(e)).toBe(true);
    expect(e.located).toBe(`vault: HMAC check failed for ${f}:1 (wrong password for vault id prod?)`);
    expect(e.file).toBe(f);
    const e11 = thrown(() => decrypt(readFileSync(join(FIX, 'ini/hosts'), 'utf8'), [{ id: 'default', password: 'x' }, { id: 'ops', password: 'y' }], { file: 'hosts', line: 1 }));
    expect(e11.message).toBe('vault: HMAC check failed for hosts:1 (wrong password for vault id default, ops?)');
  });

  it('the right password under another vault id still decrypts (tried after the matching ids, as Ansible does)', () => {
    const f = join(FIX, 'extra.yml');
    expect(decrypt(readFileSync(f, 'utf8'), [{ id: 'default', password: 'prod-pw-2' }], { file: f })).toBe('extra_secret: "from -e 1.2"\n');
  });

  it('no password given: says which flags give one', () => {
    const e = thrown(() => decrypt(readFileSync(join(FIX, 'extra.yml'), 'utf8'), [], { file: 'x.yml', line: 1 }));
    expect(e.message).toMatch(/^vault: x\.yml:1 is encrypted with ansible-vault but no vault password was given \(use --vault-password-file, --vault-id or --ask-vault-pass\)$/);
  });

  it('malformed envelopes name the part that is wrong', () => {
    const good = readFileSync(join(FIX, 'extra.yml'), 'utf8');
    const cases: Array<[string, RegExp]> = [
      [good.replace('1.2', '1.0'), /format version "1.0" is not supported/],
      [good.replace('AES256', 'AES'), /cipher "AES" is not supported/],
      [good.replace(/\n3/, '\nzz'), /its body is not hexadecimal/],
      ['$ANSIBLE_VAULT;1.1;AES256\n6162', /does not hold salt, HMAC and ciphertext/],
    ];
    for (const [text, re] of cases) expect(thrown(() => decrypt(text, SECRETS, { file: 'f', line: 2 })).message).toMatch(re);
  });
});

describe('loading an inventory with vault content', () => {
  it('decrypts inline !vault values (1.1 and 1.2), encrypted group_vars and host_vars', async () => {
    const inv = await loadInventory([join(FIX, 'inv')], { vault: new Vault(SECRETS) });
    expect(inv.hosts.get('web1')!.vars).toEqual({
      db_password: 'inline-1.1 s3cret',
      api_key: 'inline-1.2 t0ken',
      vault_admin_password: 'whole file 1.1',
      port_note: 8080,
      nested: { key: 'nested-leaf-x' },
      host_secret: 'whole file 1.2 prod',
    });
    expect(inv.hosts.get('web2')!.vars.host_secret).toBeUndefined();
    // every string that came out of the vault is a secret; numbers are not (masking 8080 would hide ordinary output)
    expect(new Set(inv.secrets)).toEqual(new Set(['inline-1.1 s3cret', 'inline-1.2 t0ken', 'whole file 1.1', 'nested-leaf-x', 'whole file 1.2 prod']));
  });

  it('reads a whole encrypted INI inventory; its var values are secrets, its host names and ansible_host are not', async () => {
    const revealed: string[] = [];
    const inv = await loadInventory([join(FIX, 'ini/hosts')], { vault: new Vault(SECRETS, (v) => revealed.push(v)) });
    expect(inv.hosts.get('db1')!.vars).toEqual({ ansible_host: '127.0.0.9', ansible_password: 'ini-pass-77' });
    expect(revealed).toEqual(['ini-pass-77']);
  });

  it('a wrong password for an inline value names the line of the value; it is not retried as INI', async () => {
    const file = join(FIX, 'inv/hosts.yml');
    const e = await rejected(loadInventory([file], { vault: new Vault([{ id: 'prod', password: 'prod-pw-2' }, { id: 'default', password: 'wrong' }]) }));
    expect(isInventoryError(e)).toBe(false);
    expect(e.located).toBe(`vault: HMAC check failed for ${file}:6 (wrong password for vault id prod, default?)`);
  });

  it('a wrong password for an encrypted group_vars file names that file', async () => {
    const dir = tree({ 'hosts.yml': 'web:\n  hosts:\n    web1:\n', 'group_vars/web.yml': readFileSync(join(FIX, 'inv/group_vars/web.yml'), 'utf8') });
    temps.push(dir);
    const e2 = await rejected(loadInventory([dir], { vault: new Vault([{ id: 'prod', password: 'prod-pw-2' }]) }));
    expect(e2.message).toBe(`vault: HMAC check failed for ${join(dir, 'group_vars/web.yml')}:1 (wrong password for vault id prod?)`);
  });

  it('vault content without a password is refused with the flags to use', async () => {
    const e = await rejected(loadInventory([join(FIX, 'ini/hosts')]));
    expect(e.message).toContain('is encrypted with ansible-vault but no vault password was given');
  });

  it('an anchor holding a !vault value decrypts once and every alias gets the plaintext', async () => {
    const inline = readFileSync(join(FIX, 'inv/hosts.yml'), 'utf8').split('\n').slice(5, 12).join('\n');
    const dir = tree({ 'hosts.yml': `all:\n  vars:\n${inline.replace('db_password:', 'db_password: &pw')}\n    copy: *pw\n  hosts:\n    h1:\n` });
    temps.push(dir);
    const inv = await loadInventory([join(dir, 'hosts.yml')], { vault: new Vault(SECRETS) });
    expect(inv.hosts.get('h1')!.vars).toMatchObject({ db_password: 'inline-1.1 s3cret', copy: 'inline-1.1 s3cret' });
  });
});

describe('-e @file with vault content', () => {
  it('decrypts an encrypted file and inline values; what they held is secret', () => {
    const revealed: string[] = [];
    const vault = new Vault(SECRETS, (v) => revealed.push(v));
    expect(parseExtraVars([`@${join(FIX, 'extra.yml')}`], vault)).toEqual({ extra_secret: 'from -e 1.2' });
    expect(parseExtraVars([`@${join(FIX, 'inv/hosts.yml')}`], vault).web).toMatchObject({ vars: { api_key: 'inline-1.2 t0ken' } });
    expect(revealed).toEqual(['from -e 1.2', 'inline-1.1 s3cret', 'inline-1.2 t0ken']);
  });

  it('without a password it is refused', () => {
    expect(() => parseExtraVars([`@${join(FIX, 'extra.yml')}`])).toThrow(/no vault password was given/);
  });
});

describe('vault passwords', () => {
  const dir = tree({ 'pw': '  spaced-pw \n', 'empty': '\n' });
  temps.push(dir);

  it('a password file is read and trimmed like Ansible does', () => {
    expect(readPasswordFile(join(dir, 'pw'), 'default', '--vault-password-file')).toBe('spaced-pw');
    expect(() => readPasswordFile(join(dir, 'empty'), 'default', '--vault-password-file')).toThrow(/--vault-password-file: the vault password from .*empty is empty/);
    expect(() => readPasswordFile(join(dir, 'missing'), 'default', '--vault-password-file')).toThrow(/--vault-password-file: cannot read/);
  });

  it('an executable password file is run and its output used; a *-client script is told the vault id', () => {
    writeFileSync(join(dir, 'script'), '#!/bin/sh\necho "from-script $#"\n');
    writeFileSync(join(dir, 'keyring-client.sh'), '#!/bin/sh\necho "client $1 $2"\n');
    writeFileSync(join(dir, 'failing'), '#!/bin/sh\nexit 3\n');
    for (const f of ['script', 'keyring-client.sh', 'failing']) chmodSync(join(dir, f), 0o700);
    expect(readPasswordFile(join(dir, 'script'), 'default', 'x')).toBe('from-script 0');
    expect(readPasswordFile(join(dir, 'keyring-client.sh'), 'prod', 'x')).toBe('client --vault-id prod');
    expect(() => readPasswordFile(join(dir, 'failing'), 'default', '--vault-id a@f')).toThrow(`--vault-id a@f: the vault password script ${join(dir, 'failing')} exited 3`);
  });

  it('--vault-id label@source, a bare source is the id default; bad specs are refused', () => {
    expect(parseVaultId('prod@/x/y')).toEqual({ id: 'prod', source: '/x/y' });
    expect(parseVaultId('/x/y')).toEqual({ id: 'default', source: '/x/y' });
    expect(parseVaultId('dev@prompt')).toEqual({ id: 'dev', source: 'prompt' });
    expect(() => parseVaultId('@file')).toThrow(/expected label@file or label@prompt/);
    expect(() => parseVaultId('a;b@file')).toThrow(/may not contain ';'/);
  });

  it('collects the passwords in Ansible order: --vault-id, --ask-vault-pass, --vault-password-file', async () => {
    const asked: string[] = [];
    const secrets = await loadVaultSecrets(
      { ids: [`prod@${join(FIX, 'prod.pass')}`, 'dev@prompt'], ask: true, passwordFiles: [join(FIX, 'default.pass')] },
      async (q) => (asked.push(q), `typed ${asked.length}`),
    );
    expect(asked).toEqual(['Vault password (dev): ', 'Vault password: ']);
    expect(secrets).toEqual([
      { id: 'prod', password: 'prod-pw-2' },
      { id: 'dev', password: 'typed 1' },
      { id: 'default', password: 'typed 2' },
      { id: 'default', password: 'marshal-default-pw' },
    ]);
    await expect(loadVaultSecrets({ ask: true }, async () => '')).rejects.toThrow('--ask-vault-pass: the vault password is empty');
  });
});
