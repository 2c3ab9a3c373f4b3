/** A known_hosts with only another key type of a host: negotiate that type (as OpenSSH), never "changed". */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { SshConnection } from '../../src/connection/ssh';
import { knownHostsLine } from '@marshal/sshd-harness';
import { specFor } from './helpers';

let fleet: TestFleet;
let keyDir: string;
let rsaLine: string;
beforeAll(async () => {
  keyDir = mkdtempSync(join(tmpdir(), 'marshal-rsa-'));
  const rsa = join(keyDir, 'ssh_host_rsa_key');
  execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', '', '-f', rsa]);
  rsaLine = readFileSync(`${rsa}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  // The server offers both its ed25519 key and this RSA key (HostKey lines add up).
  fleet = await startFleet(1, () => ({ extraConfig: [`HostKey ${rsa}`] }));
}, 60_000);
afterAll(async () => {
  await fleet?.stop();
  rmSync(keyDir, { recursive: true, force: true });
});

describe('host key types', () => {
  it('connects under strict checking when known_hosts has only the RSA key of a server that also offers ed25519', async () => {
    const h = fleet.hosts[0]!;
    const kh = join(fleet.dir, 'known_hosts_rsa');
    writeFileSync(kh, `${knownHostsLine(h.address, h.port, rsaLine)}\n`);
    const trace: string[] = [];
    const c = new SshConnection(specFor(fleet, h, { knownHostsFiles: [kh], debug: (t) => trace.push(t) }));
    expect((await c.exec('echo ok')).stdout).toBe('ok\n');
    await c.close();
    expect(trace.join('\n')).toMatch(/host key ssh-rsa SHA256:\S+: matches .*known_hosts_rsa:1/);
  });

  it('still refuses a different key of the same type as a changed key', async () => {
    const h = fleet.hosts[0]!;
    const other = join(fleet.dir, 'other_rsa');
    execFileSync('ssh-keygen', ['-q', '-t', 'rsa', '-b', '2048', '-N', '', '-C', '', '-f', other]);
    const kh = join(fleet.dir, 'known_hosts_wrong_rsa');
    writeFileSync(kh, `${knownHostsLine(h.address, h.port, readFileSync(`${other}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' '))}\n`);
    const c = new SshConnection(specFor(fleet, h, { knownHostsFiles: [kh] }));
    await expect(c.connect()).rejects.toMatchObject({ kind: 'hostkey', message: expect.stringContaining('REMOTE HOST IDENTIFICATION HAS CHANGED') });
    await c.close();
  });
});
