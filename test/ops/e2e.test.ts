/** The standard operations end to end: the bundled CLI against real sshd hosts (root in a private mount namespace). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';

const PLAYBOOK = join(__dirname, 'fixtures/standard-library.ts');
const TOKEN = 'tok-5ecret-93';
let fleet: TestFleet;
let inventory: string;

/** The host's /root/marshal-ops, seen from outside its mount namespace. */
const dir = (i: number, name = '') => join(fleet.hosts[i]!.dir, 'home/marshal-ops', name);

beforeAll(async () => {
  fleet = await startFleet(2);
  inventory = join(fleet.dir, 'hosts.ini');
  const lines = ['[web]'];
  for (const h of fleet.hosts) lines.push(`${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${fleet.keyFile}`);
  lines.push('', '[all:vars]', `marshal_known_hosts=${fleet.knownHosts}`, 'marshal_host_key_checking=strict', `api_token=${TOKEN}`, 'port=8080');
  writeFileSync(inventory, lines.join('\n') + '\n');
  for (let i = 0; i < fleet.hosts.length; i++) mkdirSync(dir(i, 'old/sub'), { recursive: true });
});
afterAll(async () => fleet?.stop());

const recap = (out: string, host: string) => new RegExp(`${host}\\s+: ok=(\\d+)\\s+changed=(\\d+)\\s+unreachable=0\\s+failed=0`).exec(out);

describe('standard operations on real sshd hosts', () => {
  it('--check --diff on a fresh host changes nothing and shows the diffs', async () => {
    const r = await marshal(['run', PLAYBOOK, '-i', inventory, '--check', '--diff']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('+port=8080');
    expect(r.stdout).toContain('+Welcome to host1, managed by Marshal.');
    expect(r.stdout).toContain('+PermitRootLogin no');
    expect(r.stdout).toContain('+# BEGIN MARSHAL ciphers');
    expect(r.stdout).toContain('/root/marshal-ops/old: directory removed');
    expect(r.stdout + r.stderr).not.toContain(TOKEN);
    expect(existsSync(dir(0))).toBe(true); // only old/ seeded by the test
    expect(existsSync(dir(0, 'app.conf'))).toBe(false);
    expect(existsSync(dir(0, 'old'))).toBe(true);
  });

  it('the first run changes every operation, the second changes nothing', async () => {
    const first = await marshal(['run', PLAYBOOK, '-i', inventory, '--diff']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    for (const h of ['host1', 'host2']) expect(recap(first.stdout, h)?.slice(1)).toEqual(['10', '9']); // every operation changed; the facts step is ok
    expect(first.stdout + first.stderr).not.toContain(TOKEN);
    expect(readFileSync(dir(1, 'app.conf'), 'utf8')).toBe('port=8080\n');
    expect(statSync(dir(1, 'app.conf')).mode & 0o777).toBe(0o640);
    expect(readFileSync(dir(1, 'motd'), 'utf8')).toBe('Welcome to host2, managed by Marshal.\n');
    expect(readFileSync(dir(1, 'token'), 'utf8')).toBe(`${TOKEN}\n`);
    expect(readFileSync(dir(1, 'sshd.conf'), 'utf8')).toBe('PermitRootLogin no\n# BEGIN MARSHAL ciphers\nCiphers aes256-gcm@openssh.com\nMACs hmac-sha2-512\n# END MARSHAL ciphers\n');
    expect(readlinkSync(dir(1, 'current'))).toBe('app.conf');
    expect(existsSync(dir(1, 'stamp'))).toBe(true);
    expect(existsSync(dir(1, 'old'))).toBe(false);

    const report = join(fleet.dir, 'second.json');
    const second = await marshal(['run', PLAYBOOK, '-i', inventory, '--report', report]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    for (const h of ['host1', 'host2']) expect(recap(second.stdout, h)?.slice(1)).toEqual(['10', '0']);
    // nothing to do costs one read-only command per operation, its check
    const ops = JSON.parse(readFileSync(report, 'utf8')).results.filter((r: { step: string }) => r.step !== 'facts are gathered and cached');
    expect(ops).toHaveLength(18);
    for (const r of ops) expect(r.commands.map((c: { phase: string }) => c.phase), r.step).toEqual(['check']);
  });

  it('--check --diff after a drift shows the drift and leaves it', async () => {
    writeFileSync(dir(0, 'app.conf'), 'port=9090\n');
    const r = await marshal(['run', PLAYBOOK, '-i', inventory, '--check', '--diff', '--limit', 'host1']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('-port=9090');
    expect(r.stdout).toContain('+port=8080');
    expect(recap(r.stdout, 'host1')?.slice(1)).toEqual(['10', '1']);
    expect(readFileSync(dir(0, 'app.conf'), 'utf8')).toBe('port=9090\n');
  });
});
