/**
 * Host keys at run level: an unknown key under strict is refused with its fingerprint; a changed
 * key is refused under strict and accept-new with a possible-MITM message; accept-new records
 * many hosts at once (from one run and from two runs in parallel) without corrupting known_hosts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';
import { knownHostsLine } from '@marshal/sshd-harness';
import { iniInventory, recap, sshVars } from '../faults/support';

const PLAYBOOK = join(__dirname, 'fixtures/one-step.ts');
const N = 12;

let fleet: TestFleet;
beforeAll(async () => {
  fleet = await startFleet(N);
});
afterAll(async () => fleet?.stop());

/** OpenSSH's own fingerprint of a host's key, to compare with ours. */
function sshKeygenFingerprint(hostKey: string): string {
  const f = join(fleet.dir, `fp-${Math.random().toString(36).slice(2)}.pub`);
  writeFileSync(f, `${hostKey}\n`);
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', f], { encoding: 'utf8' }).split(' ')[1]!;
}

function inventory(name: string, knownHosts: string, policy: string, count = N): string {
  const inv = join(fleet.dir, `${name}.ini`);
  writeFileSync(inv, iniInventory(fleet.hosts.slice(0, count).map((h) => ({ name: h.name, vars: sshVars(fleet, h, { marshal_known_hosts: knownHosts, marshal_host_key_checking: policy }) }))));
  return inv;
}

const lines = (file: string) => readFileSync(file, 'utf8').split('\n').filter((l) => l !== '');

describe('host key checking', () => {
  it('strict refuses an unknown key and shows its fingerprint (the one ssh-keygen computes)', async () => {
    const kh = join(fleet.dir, 'strict_empty');
    writeFileSync(kh, '');
    const r = await marshal(['run', PLAYBOOK, '-i', inventory('strict-unknown', kh, 'strict', 2)]);
    expect(r.code, r.stdout + r.stderr).toBe(4);
    for (const h of fleet.hosts.slice(0, 2)) {
      const fp = sshKeygenFingerprint(h.hostKey);
      expect(r.stdout).toContain(`unreachable: [${h.name}] ${h.name}: host key for [${h.address}]:${h.port} is not known (ssh-ed25519 ${fp}) and host key checking is strict`);
      expect(recap(r.stdout, h.name)).toMatchObject({ unreachable: 1, ok: 0 });
    }
    expect(readFileSync(kh, 'utf8')).toBe('');
  });

  for (const policy of ['strict', 'accept-new']) {
    it(`${policy} refuses a changed key with a possible-MITM message and leaves known_hosts alone`, async () => {
      const kh = join(fleet.dir, `changed_${policy}`);
      const [h1, h2] = fleet.hosts;
      // host1's address with host2's key: what a man in the middle would look like
      const content = `${knownHostsLine(h2!.address, h2!.port, h2!.hostKey)}\n${knownHostsLine(h1!.address, h1!.port, h2!.hostKey)}\n`;
      writeFileSync(kh, content);
      const r = await marshal(['run', PLAYBOOK, '-i', inventory(`changed-${policy}`, kh, policy, 2)]);
      expect(r.code, r.stdout + r.stderr).toBe(4);
      expect(r.stdout).toContain(`unreachable: [host1] host1: REMOTE HOST IDENTIFICATION HAS CHANGED for [${h1!.address}]:${h1!.port}!`);
      expect(r.stdout).toContain('possible man-in-the-middle attack');
      expect(r.stdout).toContain(`Offending ssh-ed25519 key in ${kh}:2 (expected ${sshKeygenFingerprint(h2!.hostKey)})`);
      expect(r.stdout).toContain(`The server presented ssh-ed25519 key ${sshKeygenFingerprint(h1!.hostKey)}.`);
      expect(recap(r.stdout, 'host1')).toMatchObject({ unreachable: 1, ok: 0 });
      expect(recap(r.stdout, 'host2')).toMatchObject({ ok: 1, failed: 0, unreachable: 0 });
      expect(readFileSync(kh, 'utf8')).toBe(content);
    });
  }

  it(`accept-new records ${N} new hosts connecting at once, one intact line each, after existing lines`, async () => {
    const kh = join(fleet.dir, 'accept_new');
    // an unrelated entry without a trailing newline: the first append must not glue onto it
    writeFileSync(kh, 'other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl');
    const r = await marshal(['run', PLAYBOOK, '-i', inventory('accept-new', kh, 'accept-new')]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const got = lines(kh);
    expect(got[0]).toBe('other.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl');
    expect(got.slice(1).sort()).toEqual(fleet.hosts.map((h) => knownHostsLine(h.address, h.port, h.hostKey)).sort());
    expect(existsSync(`${kh}.lock`)).toBe(false);
    // OpenSSH reads the file back: every host is found with its own key
    for (const h of fleet.hosts) {
      const found = execFileSync('ssh-keygen', ['-F', `[${h.address}]:${h.port}`, '-f', kh], { encoding: 'utf8' });
      expect(found).toContain(h.hostKey);
    }
    // and the next run under strict accepts every recorded key
    const again = await marshal(['run', PLAYBOOK, '-i', inventory('accept-new-strict', kh, 'strict')]);
    expect(again.code, again.stdout).toBe(0);
  });

  it('accept-new from two runs at once on the same known_hosts: no duplicate, no torn line', async () => {
    const kh = join(fleet.dir, 'accept_new_parallel');
    writeFileSync(kh, '');
    const inv = inventory('accept-new-parallel', kh, 'accept-new');
    const [a, b] = await Promise.all([marshal(['run', PLAYBOOK, '-i', inv]), marshal(['run', PLAYBOOK, '-i', inv])]);
    expect(a.code, a.stdout).toBe(0);
    expect(b.code, b.stdout).toBe(0);
    expect(lines(kh).sort()).toEqual(fleet.hosts.map((h) => knownHostsLine(h.address, h.port, h.hostKey)).sort());
    expect(existsSync(`${kh}.lock`)).toBe(false);
  });
});
