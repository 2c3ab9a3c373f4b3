import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFleet, type TestFleet } from '../support/sshd';
import { SshConnection } from '../../src/connection/ssh';
import { ConnectionError, StepFailure } from '../../src/errors';
import { specFor } from './helpers';
import { ALICE_PASSWORD, BOB_PASSWORD, labAccounts, sudoAvailable } from './users';

const hasSudo = sudoAvailable();

describe.skipIf(!hasSudo)('password login and sudo become (needs sudo installed: apt-get install -y sudo)', () => {
  let fleet: TestFleet;
  let alice: SshConnection;
  beforeAll(async () => {
    fleet = await startFleet(1, (i) => ({
      binds: labAccounts(join('/tmp', `marshal-accounts-${process.pid}-${i}`)),
      extraConfig: ['Match User alice,bob', '  PasswordAuthentication yes'],
    }));
    // Key login is root's here (the lab's authorized_keys file is root-only): users log in by password.
    alice = new SshConnection(specFor(fleet, fleet.hosts[0]!, { user: 'alice', privateKeyFile: undefined, password: ALICE_PASSWORD }));
    await alice.connect();
  });
  afterAll(async () => {
    await alice?.close();
    await fleet?.stop();
    rmSync(join('/tmp', `marshal-accounts-${process.pid}-0`), { recursive: true, force: true });
  });

  it('logs in with a password', async () => {
    expect((await alice.exec('id -un')).stdout).toBe('alice\n');
  });

  it('a wrong login password is an auth failure that does not show the password', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!, { user: 'alice', privateKeyFile: undefined, password: 'wrong-pw-123' }));
    const err = await c.connect().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as ConnectionError).kind).toBe('auth');
    expect((err as ConnectionError).message).toMatch(/alice@.*tried: password/);
    expect((err as ConnectionError).message).not.toContain('wrong-pw-123');
    await c.close();
  });

  it('becomes root with the sudo password; stdin reaches the command, the prompt never shows', async () => {
    const r = await alice.exec('id -u; cat; echo err >&2', { become: { user: 'root', password: ALICE_PASSWORD }, stdin: 'from stdin\n' });
    expect(r).toMatchObject({ stdout: '0\nfrom stdin\n', stderr: 'err\n', exitCode: 0 });
  });

  it('uses the spec default become and its password', async () => {
    const c = new SshConnection(
      specFor(fleet, fleet.hosts[0]!, {
        user: 'alice',
        password: ALICE_PASSWORD,
        privateKeyFile: undefined,
        become: { enabled: true, user: 'root', password: ALICE_PASSWORD },
      }),
    );
    expect((await c.exec('id -un')).stdout).toBe('root\n');
    expect((await c.exec('id -un', { become: false })).stdout).toBe('alice\n');
    await c.close();
  });

  it('a wrong sudo password fails with kind become, quickly, without leaking it', async () => {
    const err = await alice.exec('id -u', { become: { user: 'root', password: 'not-the-password' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StepFailure);
    const f = err as StepFailure;
    expect(f.kind).toBe('become');
    expect(f.message).toBe(`${fleet.hosts[0]!.name}: sudo: wrong password`);
    expect(JSON.stringify({ m: f.message, o: f.stdout, e: f.stderr, c: f.command })).not.toContain('not-the-password');
  });

  it('become without a password when sudo wants one fails instead of hanging', async () => {
    const err = await alice.exec('id -u', { become: { user: 'root' } }).catch((e: unknown) => e);
    expect((err as StepFailure).kind).toBe('become');
    expect((err as StepFailure).message).toMatch(/sudo: .*password/);
  });

  it('NOPASSWD sudo needs no password', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!, { user: 'bob', password: BOB_PASSWORD, privateKeyFile: undefined }));
    expect((await c.exec('id -un', { become: { user: 'root' } })).stdout).toBe('root\n');
    await c.close();
  });

  it('putFile with become writes where the login user cannot', async () => {
    const path = `/tmp/marshal-become-put-${process.pid}`;
    await alice.putFile(path, 'root data\n', { mode: 0o600, become: { user: 'root', password: ALICE_PASSWORD } });
    const r = await alice.exec(`stat -c '%U %a' ${path}; cat ${path}; rm -f ${path}`, { become: { user: 'root', password: ALICE_PASSWORD } });
    expect(r.stdout).toBe('root 600\nroot data\n');
  });
});
