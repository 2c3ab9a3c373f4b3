/**
 * `marshal exec`: one command on real sshd hosts, output grouped per host in inventory order,
 * with run's recap and exit codes (0, 2 a host failed, 4 unreachable, 1 usage).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { loopbackAddress, startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';
import { ALICE_PASSWORD, labAccounts, sudoAvailable } from '../connection/users';
import { iniInventory, recap, sshVars, type HostVars } from '../faults/support';

let fleet: TestFleet;
let inv: string;
const sudo = sudoAvailable();

const ACCOUNTS = join('/tmp', `marshal-exec-accounts-${process.pid}`);
beforeAll(async () => {
  fleet = await startFleet(2, () =>
    sudo ? { binds: labAccounts(ACCOUNTS), extraConfig: ['Match User alice', '  PasswordAuthentication yes'] } : {},
  );
  // zeta before alpha: inventory order, not name order nor completion order
  inv = inventory('fleet.ini', { zeta: sshVars(fleet, fleet.hosts[0]!), alpha: sshVars(fleet, fleet.hosts[1]!) });
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  rmSync(ACCOUNTS, { recursive: true, force: true });
});

function inventory(file: string, hosts: Record<string, HostVars>): string {
  const path = join(fleet.dir, file);
  writeFileSync(path, iniInventory(Object.entries(hosts).map(([name, vars]) => ({ name, vars }))));
  return path;
}

/** The server address of the ssh session the command runs in: tells the hosts apart. */
const SERVER = `"$(echo "$SSH_CONNECTION" | cut -d' ' -f3)"`;

describe('marshal exec', () => {
  it('runs its one command over a channel of its own unless --session persistent asks for a session', async () => {
    // an exec channel's shell is a child of sshd; a persistent session's command, of the session's loop (bash)
    const parent = 'ps -o comm= -p $PPID';
    const byDefault = await marshal(['exec', 'zeta', '-i', inv, '--', parent], { env: { MARSHAL_SESSION: '' } });
    expect(byDefault.stdout, byDefault.stdout + byDefault.stderr).toContain('zeta | CHANGED | rc=0 >>\nsshd\n');
    const asked = await marshal(['exec', 'zeta', '-i', inv, '--session', 'persistent', '--', parent], { env: { MARSHAL_SESSION: '' } });
    expect(asked.stdout, asked.stdout + asked.stderr).toContain('zeta | CHANGED | rc=0 >>\nbash\n');
  });

  it('prints each host output grouped, in inventory order, even when the first host finishes last; exit 0', async () => {
    const [h1, h2] = fleet.hosts;
    const cmd = `if [ ${SERVER} = ${h1!.address} ]; then sleep 1; fi; echo ${SERVER}; echo second line`;
    const r = await marshal(['exec', 'all', '-i', inv, '--', cmd]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const zeta = `zeta | CHANGED | rc=0 >>\n${h1!.address}\nsecond line\n`;
    const alpha = `alpha | CHANGED | rc=0 >>\n${h2!.address}\nsecond line\n`;
    expect(r.stdout).toContain(zeta + alpha);
    expect(r.stdout).toContain('PLAY RECAP');
    expect(recap(r.stdout, 'zeta')).toMatchObject({ ok: 1, changed: 1, failed: 0, unreachable: 0 });
    expect(recap(r.stdout, 'alpha')).toMatchObject({ ok: 1, changed: 1, failed: 0, unreachable: 0 });
  });

  it('a failing host prints its exit code and stderr and makes the exit code 2; the other host is unaffected', async () => {
    const h2 = fleet.hosts[1]!;
    const cmd = `if [ ${SERVER} = ${h2.address} ]; then echo "disk is full" >&2; exit 3; fi; echo fine`;
    const r = await marshal(['exec', 'all', '-i', inv, '--', cmd]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain('zeta | CHANGED | rc=0 >>\nfine\nalpha | FAILED | rc=3 >>\ndisk is full\n');
    expect(recap(r.stdout, 'alpha')).toMatchObject({ ok: 0, failed: 1 });
    expect(recap(r.stdout, 'zeta')).toMatchObject({ ok: 1, failed: 0 });
  });

  it('an unreachable host is reported with its reason and makes the exit code 4', async () => {
    const mixed = inventory('mixed.ini', { zeta: sshVars(fleet, fleet.hosts[0]!), gone: sshVars(fleet, { address: loopbackAddress(), port: 2222 }) });
    const r = await marshal(['exec', 'all', '-i', mixed, '--connect-timeout', '5', '--', 'echo', 'hi']);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    expect(r.stdout).toContain('zeta | CHANGED | rc=0 >>\nhi\n');
    expect(r.stdout).toMatch(/^gone \| UNREACHABLE! => .*refused/m);
    expect(recap(r.stdout, 'gone')).toMatchObject({ ok: 0, unreachable: 1 });
  });

  it('--limit narrows the pattern; a pattern that matches nothing is a usage error (exit 1)', async () => {
    const r = await marshal(['exec', 'all', '-i', inv, '--limit', 'alpha', '--', 'echo', 'limited']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('alpha | CHANGED | rc=0 >>\nlimited\n');
    expect(r.stdout).not.toContain('zeta');
    const none = await marshal(['exec', 'nosuch*', '-i', inv, '--', 'true']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/no host or group matches 'nosuch\*'/);
  });

  it('--check is refused with a clear message (exit 1), and so is a missing command', async () => {
    const r = await marshal(['exec', 'all', '-i', inv, '--check', '--', 'touch', '/root/x']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--check is refused');
    expect(r.stdout).toBe('');
    const bare = await marshal(['exec', 'all', '-i', inv]);
    expect(bare.code).toBe(1);
    expect(bare.stderr).toContain('give the command after `--`');
  });

  it.skipIf(!sudo)('--become runs the command through sudo as root (password from the inventory, never printed)', async () => {
    const { ansible_ssh_private_key_file: _k, ...alice } = sshVars(fleet, fleet.hosts[0]!, { ansible_user: 'alice', ansible_password: ALICE_PASSWORD, ansible_become_password: ALICE_PASSWORD });
    const become = inventory('become.ini', { alice1: alice });
    const plain = await marshal(['exec', 'all', '-i', become, '--', 'id -un']);
    expect(plain.stdout).toContain('alice1 | CHANGED | rc=0 >>\nalice\n');
    const r = await marshal(['exec', 'all', '-i', become, '--become', '--', 'id -un; echo "$HOME"']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('alice1 | CHANGED | rc=0 >>\nroot\n');
    expect(r.stdout + r.stderr).not.toContain(ALICE_PASSWORD);
  });
});
