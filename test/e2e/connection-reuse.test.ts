import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';

let fleet: TestFleet;
beforeAll(async () => {
  // INFO logs every accepted login, so the server itself tells how many connections were made
  fleet = await startFleet(2, () => ({ extraConfig: ['LogLevel INFO'] }));
});
afterAll(async () => fleet?.stop());

describe('connections', () => {
  it('one SSH connection per host serves every step and command of a run', async () => {
    const inv = join(fleet.dir, 'hosts.ini');
    writeFileSync(
      inv,
      fleet.hosts.map((h) => `${h.name} ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${fleet.keyFile}`).join('\n') +
        `\n[all:vars]\nmarshal_known_hosts=${fleet.knownHosts}\ngreeting=hi\n`,
    );
    const r = await marshal(['run', join(__dirname, 'fixtures/three-steps.ts'), '-i', inv, '--report', join(fleet.dir, 'r.json')]);
    expect(r.code, r.stdout).toBe(0);
    const report = JSON.parse(readFileSync(join(fleet.dir, 'r.json'), 'utf8'));
    const commands = report.results.filter((x: { host: string }) => x.host === 'host1').flatMap((x: { commands: unknown[] }) => x.commands);
    expect(commands.length).toBeGreaterThanOrEqual(9);
    for (const h of fleet.hosts) {
      const accepted = readFileSync(join(h.dir, 'sshd.log'), 'utf8').split('\n').filter((l) => l.includes('Accepted publickey'));
      expect(accepted, h.name).toHaveLength(1);
    }
  });
});
