/** `marshal exec` reads vaulted inventories with the same flags as `run` (no host is contacted here). */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { marshal } from '../support/cli';

const VAULT = join(__dirname, '../inventory/fixtures/vault');
const args = (...extra: string[]) => ['exec', 'nothing-matches', '-i', join(VAULT, 'inv'), ...extra, '--', 'true'];

describe('marshal exec with ansible-vault', () => {
  it('decrypts the inventory with --vault-password-file and --vault-id, then selects hosts', async () => {
    const r = await marshal(args('--vault-password-file', join(VAULT, 'default.pass'), '--vault-id', `prod@${join(VAULT, 'prod.pass')}`));
    // decrypted fine: the error is the pattern's, not the vault's
    expect(r.code, r.stdout + r.stderr).toBe(1);
    expect(r.stderr).toMatch(/host pattern: no host or group matches 'nothing-matches'/);
    expect(r.stdout + r.stderr).not.toMatch(/vault/i);
  });

  it('without a vault password: a clear error naming the encrypted file, nothing run', async () => {
    const r = await marshal(args());
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/encrypted with ansible-vault but no vault password was given/);
  });

  it('with a wrong vault password: the HMAC check fails, nothing run', async () => {
    const r = await marshal(args('--vault-password-file', join(VAULT, 'prod.pass'), '--vault-id', `prod@${join(VAULT, 'prod.pass')}`));
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/HMAC check failed/);
  });
});
