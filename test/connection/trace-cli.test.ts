/** `marshal run -vvv` prints each host's connection trace; -vv does not; no secret ever. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal, ROOT } from '../support/cli';
import { iniInventory, sshVars } from '../faults/support';
import { fingerprint } from '../../src/connection/known-hosts';

const PLAYBOOK = join(ROOT, 'test/faults/fixtures/faults.ts');
const SECRET = 'pw-must-not-show-7f3a';

let fleet: TestFleet;
let inv: string;
beforeAll(async () => {
  fleet = await startFleet(1);
  inv = join(fleet.dir, 'trace.ini');
  // hang=30 under the step's 3 s timeout: the trace shows the remote kill.
  writeFileSync(inv, iniInventory([{ name: 'traced', vars: sshVars(fleet, fleet.hosts[0]!, { hang: 30, ansible_password: SECRET }) }]));
}, 60_000);
afterAll(async () => fleet?.stop());

describe('-vvv connection trace', () => {
  it('shows address, auth methods, the host key and its known_hosts line, and the kill of a timed-out command', async () => {
    const h = fleet.hosts[0]!;
    const r = await marshal(['run', PLAYBOOK, '-i', inv, '-vvv']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    const fp = fingerprint(Buffer.from(h.hostKey.split(' ')[1]!, 'base64'));
    expect(r.stdout).toContain(`<traced> ssh: connecting to root@${h.address}:${h.port} (timeout 10000 ms)`);
    expect(r.stdout).toContain(`<traced> ssh: trying auth publickey (${fleet.keyFile})`);
    expect(r.stdout).toContain(`<traced> ssh: host key ssh-ed25519 ${fp}: matches ${fleet.knownHosts}:1`);
    expect(r.stdout).toContain(`<traced> ssh: authenticated as root on ${h.address}:${h.port}`);
    expect(r.stdout).toMatch(/<traced> ssh: stopping the command: TERM, then KILL after 2000 ms, to remote process group \d+/);
    expect(r.stdout + r.stderr).not.toContain(SECRET);
  }, 60_000);

  it('is not shown at -vv', async () => {
    const r = await marshal(['run', PLAYBOOK, '-i', inv, '-vv']);
    expect(r.stdout).not.toContain('<traced> ssh:');
  }, 60_000);
});

describe('--max-output', () => {
  it('refuses a value that is not a size, naming the flag (exit 1, nothing run)', async () => {
    const r = await marshal(['run', PLAYBOOK, '-i', inv, '--max-output', 'lots']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('--max-output: "lots" is not a size (e.g. 1MiB, 512KiB, 1048576)');
  }, 60_000);
});
