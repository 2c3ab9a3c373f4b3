/**
 * Many hosts behind one sshd that runs OpenSSH's default MaxStartups (10:30:100) and MaxSessions
 * (10): 200 inventory hosts on one server, and 100 reached through one bastion. Without a bound on
 * handshakes per server and a retry of dropped ones, 74-87 of 200 and 45 of 100 were lost.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { iniInventory, recap, sshVars, startMarshal } from './support';

const PLAYBOOK = join(__dirname, 'fixtures/mark.ts');

let fleet: TestFleet;
beforeAll(async () => {
  fleet = await startFleet(2); // 0: the shared server / the target, 1: the bastion
}, 60_000);
afterAll(async () => fleet?.stop());

function sshdConfigOf(i: number): string {
  return readFileSync(join(fleet.hosts[i]!.dir, 'sshd_config'), 'utf8');
}

describe('sshd with default MaxStartups', () => {
  it('test servers run OpenSSH defaults (no MaxStartups override)', () => {
    expect(sshdConfigOf(0)).not.toMatch(/MaxStartups/i);
  });

  it('200 inventory hosts on one sshd all succeed', async () => {
    const h = fleet.hosts[0]!;
    const hosts = Array.from({ length: 200 }, (_, i) => ({ name: `s${String(i).padStart(3, '0')}`, vars: sshVars(fleet, h) }));
    const inv = join(fleet.dir, 'one-server.ini');
    writeFileSync(inv, iniInventory(hosts));
    const t0 = Date.now();
    const r = await startMarshal(['run', PLAYBOOK, '-i', inv], { timeoutMs: 170_000 }).done;
    const secs = (Date.now() - t0) / 1000;
    expect(r.code, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`).toBe(0);
    for (const x of hosts) expect(recap(r.stdout, x.name), x.name).toMatchObject({ unreachable: 0, failed: 0 });
    expect(readdirSync(join(h.dir, 'home/marks')).length).toBe(200);
    console.log(`200 hosts on one sshd: ${secs.toFixed(1)} s`);
  }, 180_000);

  it('100 hosts through one bastion all succeed', async () => {
    const [target, bastion] = [fleet.hosts[0]!, fleet.hosts[1]!];
    const cfg = join(fleet.dir, 'jump_config');
    writeFileSync(cfg, [`Host ${target.address}`, `  ProxyJump root@${bastion.address}:${bastion.port}`, ''].join('\n'));
    const hosts = Array.from({ length: 100 }, (_, i) => ({ name: `j${String(i).padStart(3, '0')}`, vars: sshVars(fleet, target, { marshal_ssh_config: cfg }) }));
    const inv = join(fleet.dir, 'bastion.ini');
    writeFileSync(inv, iniInventory(hosts));
    const t0 = Date.now();
    const r = await startMarshal(['run', PLAYBOOK, '-i', inv, '-vvv'], { timeoutMs: 170_000 }).done;
    const secs = (Date.now() - t0) / 1000;
    expect(r.code, `${r.stdout.slice(-3000)}\n${r.stderr.slice(-2000)}`).toBe(0);
    for (const x of hosts) expect(recap(r.stdout, x.name), x.name).toMatchObject({ unreachable: 0, failed: 0 });
    // The path really went through the bastion.
    expect(r.stdout).toContain(`<j000> ssh: jump hosts root@${bastion.address}:${bastion.port}`);
    console.log(`100 hosts through one bastion: ${secs.toFixed(1)} s`);
  }, 180_000);
});
