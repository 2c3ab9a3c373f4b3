/**
 * ops.user, ops.group and ops.sysctl end to end: the bundled CLI against real sshd hosts. Each
 * host's /etc, /home, /var/log and /var/mail are copies bind-mounted in its own mount namespace, so useradd,
 * usermod, userdel, groupadd and groupdel really run; kernel parameters are written to a file tree
 * (procRoot), and one real parameter is read from /proc/sys. The machine's own files never change.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';

const PLAYBOOK = join(__dirname, 'fixtures/accounts-sysctl.ts');
const HASH = /export const HASH = '([^']+)'/.exec(readFileSync(PLAYBOOK, 'utf8'))![1]!;
const REAL = ['/etc/passwd', '/etc/group', '/etc/shadow', '/etc/gshadow'];
const sha = (f: string) => createHash('sha256').update(readFileSync(f)).digest('hex');
const realBefore = REAL.map(sha);
let fleet: TestFleet | undefined;
let roots: string[] = [];
let inventory: string;

/** A host's private copies: its /etc, /home, /var/log and (its /root) proc-sys tree. */
const etc = (i: number, f: string) => join(roots[i]!, 'etc', f);
const home = (i: number, f: string) => join(roots[i]!, 'home', f);
const proc = (i: number, key: string) => join(fleet!.hosts[i]!.dir, 'home/proc-sys', key.replace(/\./g, '/'));

function hostRoot(): string {
  const root = mkdtempSync(join(tmpdir(), 'marshal-accounts-'));
  execFileSync('cp', ['-a', '/etc', join(root, 'etc')]);
  for (const d of ['home', 'log', 'mail']) mkdirSync(join(root, d));
  // seeded: a user and a group for the absent operations, and a user that keeps its other groups
  appendFileSync(join(root, 'etc/passwd'), 'mgone:x:4310:4310::/home/mgone:/bin/sh\nmlegacy:x:4311:4311::/home/mlegacy:/bin/sh\n');
  appendFileSync(join(root, 'etc/shadow'), 'mgone:!:19000:0:99999:7:::\nmlegacy:!:19000:0:99999:7:::\n');
  appendFileSync(join(root, 'etc/group'), 'mgone:x:4310:\nmlegacy:x:4311:\nmold:x:4312:\nmaudit:x:4313:mlegacy\n');
  appendFileSync(join(root, 'etc/gshadow'), 'mgone:!::\nmlegacy:!::\nmold:!::\nmaudit:!::mlegacy\n');
  mkdirSync(join(root, 'home/mgone'));
  writeFileSync(join(root, 'home/mgone/.profile'), 'x\n');
  // userdel -r removes only a home its user owns (else it exits 12)
  execFileSync('chown', ['-R', '4310:4310', join(root, 'home/mgone')]);
  return root;
}

beforeAll(async () => {
  roots = [hostRoot(), hostRoot()];
  fleet = await startFleet(2, (i) => ({
    binds: [
      { source: join(roots[i]!, 'etc'), target: '/etc' },
      { source: join(roots[i]!, 'home'), target: '/home' },
      { source: join(roots[i]!, 'log'), target: '/var/log' },
      { source: join(roots[i]!, 'mail'), target: '/var/mail' },
    ],
  }));
  inventory = join(fleet.dir, 'hosts.ini');
  const lines = ['[lab]'];
  for (const h of fleet.hosts) lines.push(`${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${fleet.keyFile}`);
  lines.push('', '[all:vars]', `marshal_known_hosts=${fleet.knownHosts}`, 'marshal_host_key_checking=strict');
  writeFileSync(inventory, lines.join('\n') + '\n');
  for (let i = 0; i < 2; i++) {
    mkdirSync(proc(i, 'net.ipv4'), { recursive: true });
    writeFileSync(proc(i, 'net.ipv4.ip_forward'), '0\n');
    writeFileSync(proc(i, 'net.ipv4.ip_local_port_range'), '32768\t60999\n');
  }
}, 60_000);

afterAll(async () => {
  await fleet?.stop();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
  // the machine's own account files are untouched
  expect(REAL.map(sha)).toEqual(realBefore);
});

const recap = (out: string, host: string) => new RegExp(`${host}\\s+: ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=0\\s+failed=0`).exec(out)?.slice(1);
const entry = (i: number, file: string, name: string) => readFileSync(etc(i, file), 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));

describe('ops.user, ops.group, ops.sysctl on real sshd hosts', () => {
  it('--check --diff changes nothing and shows what would change', async () => {
    const before = ['passwd', 'group', 'shadow'].map((f) => sha(etc(0, f)));
    const r = await marshal(['run', PLAYBOOK, '-i', inventory, '--check', '--diff']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    for (const note of [
      'group mdev: created with gid 4300',
      'user mdeploy: created (-m -u 4301 -g mdev -G mops -s /bin/bash -c Marshal deploy, with a password)',
      'user mlegacy: groups +mops',
      'user mlegacy: password changed',
      'user mgone: removed with /home/mgone',
      'group mold: removed',
      'net.ipv4.ip_forward: 0 → 1',
      'net.ipv4.ip_local_port_range: 32768 60999 → 10000 65000',
      '+net.ipv4.ip_forward = 1',
    ]) expect(r.stdout, note).toContain(note);
    expect(recap(r.stdout, 'host1')).toEqual(['9', '8']);
    expect(r.stdout + r.stderr).not.toContain(HASH.slice(20));
    expect(['passwd', 'group', 'shadow'].map((f) => sha(etc(0, f)))).toEqual(before);
    expect(readFileSync(proc(0, 'net.ipv4.ip_forward'), 'utf8')).toBe('0\n');
    expect(existsSync(etc(0, 'sysctl.d/99-marshal.conf'))).toBe(false);
  });

  it('the first run makes every change for real, the second reports everything ok', async () => {
    const report = join(fleet!.dir, 'first.json');
    const first = await marshal(['run', PLAYBOOK, '-i', inventory, '-vvv', '--report', report]);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout + first.stderr + readFileSync(report, 'utf8'), 'the password hash is masked').not.toContain(HASH.slice(20));
    for (const h of ['host1', 'host2']) expect(recap(first.stdout, h)).toEqual(['9', '8']);
    for (const i of [0, 1]) {
      expect(entry(i, 'group', 'mdev')).toBe('mdev:x:4300:');
      expect(entry(i, 'passwd', 'mdeploy')).toBe('mdeploy:x:4301:4300:Marshal deploy:/home/mdeploy:/bin/bash');
      expect(entry(i, 'group', 'mops')).toMatch(/^mops:x:\d+:mdeploy,mlegacy$/);
      expect(Number(entry(i, 'group', 'mops')!.split(':')[2])).toBeLessThan(1000); // a system group
      expect(entry(i, 'group', 'maudit')).toBe('maudit:x:4313:mlegacy'); // append kept it
      expect(statSync(home(i, 'mdeploy')).uid).toBe(4301);
      for (const u of ['mdeploy', 'mlegacy']) expect(entry(i, 'shadow', u)?.split(':')[1]).toBe(HASH);
      expect(entry(i, 'passwd', 'mgone')).toBeUndefined();
      expect(existsSync(home(i, 'mgone'))).toBe(false);
      expect(entry(i, 'group', 'mold')).toBeUndefined();
      expect(readFileSync(proc(i, 'net.ipv4.ip_forward'), 'utf8')).toBe('1\n');
      expect(readFileSync(proc(i, 'net.ipv4.ip_local_port_range'), 'utf8')).toBe('10000 65000\n');
      expect(readFileSync(etc(i, 'sysctl.d/99-marshal.conf'), 'utf8')).toBe('net.ipv4.ip_forward = 1\nnet.ipv4.ip_local_port_range = 10000 65000\n');
    }
    const second = await marshal(['run', PLAYBOOK, '-i', inventory, '--diff']);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    for (const h of ['host1', 'host2']) expect(recap(second.stdout, h)).toEqual(['9', '0']);
  });

  it('a drift (a group added by hand) is seen under --check --diff, left alone, and put back by a run', async () => {
    const g = readFileSync(etc(0, 'group'), 'utf8').replace(/^(maudit:x:4313:)mlegacy$/m, '$1mlegacy,mdeploy');
    writeFileSync(etc(0, 'group'), g);
    const c = await marshal(['run', PLAYBOOK, '-i', inventory, '--check', '--diff', '--limit', 'host1']);
    expect(c.code, c.stdout + c.stderr).toBe(0);
    expect(c.stdout).toContain('user mdeploy: groups -maudit');
    expect(entry(0, 'group', 'maudit')).toBe('maudit:x:4313:mlegacy,mdeploy');
    const r = await marshal(['run', PLAYBOOK, '-i', inventory, '--limit', 'host1']);
    expect(recap(r.stdout, 'host1'), r.stdout).toEqual(['9', '1']);
    expect(entry(0, 'group', 'maudit')).toBe('maudit:x:4313:mlegacy');
  });
});
