import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stopSshd } from '@marshal/sshd-harness';
import { startFleet, type TestFleet } from '../support/sshd';
import { SshConnection } from '../../src/connection/ssh';
import { StepFailure } from '../../src/errors';
import { specFor } from './helpers';

// durations of this test process's own: the same file runs in two vitest projects at once, and `ps` sees every process
const S = 100_000 + (process.pid % 100_000) * 4;

/** `sleep <seconds>` times out after 300 ms, and no such sleep is left on the host afterwards. */
async function timesOutLeavingNothing(c: SshConnection, seconds: number): Promise<void> {
  const err = await c.exec(`sleep ${seconds}`, { timeoutMs: 300 }).catch((e: unknown) => e);
  expect((err as StepFailure).kind).toBe('timeout');
  const left = await c.exec(`ps -eo args | grep -E "^sleep ${seconds}$" || true`);
  expect(left.stdout).toBe('');
  await c.close();
}

describe('a server with MaxSessions 1', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startFleet(1, () => ({ extraConfig: ['MaxSessions 1'] }));
  });
  afterAll(async () => fleet?.stop());

  it('completes 20 concurrent execs by lowering the channel limit', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!));
    const rs = await Promise.all(Array.from({ length: 20 }, (_, i) => c.exec(`echo ${i}; sleep 0.05`)));
    expect(rs.map((r) => r.stdout)).toEqual(Array.from({ length: 20 }, (_, i) => `${i}\n`));
    expect(c.sessionLimit).toBe(1);
    await c.close();
  });

  it('still kills a timed-out command when no second channel is allowed', async () => {
    await timesOutLeavingNothing(new SshConnection(specFor(fleet, fleet.hosts[0]!, { maxSessions: 1 })), S);
  });
});

describe('a host whose login shell starts slowly (a sleep in ~/.bashrc)', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startFleet(1);
    // Debian's bash sources ~/.bashrc for a command sshd runs: the pgid line comes 1.5 s late
    writeFileSync(join(fleet.dir, 'host1', 'home', '.bashrc'), 'sleep 1.5\n');
  });
  afterAll(async () => fleet?.stop());

  it('a timeout that fires before the command has started still stops it (no command left running)', async () => {
    await timesOutLeavingNothing(new SshConnection(specFor(fleet, fleet.hosts[0]!)), S + 1);
  });
});

describe('connection loss and jumps', () => {
  let fleet: TestFleet;
  beforeAll(async () => {
    fleet = await startFleet(3);
  });
  afterAll(async () => fleet?.stop());

  it('rejects a running command with connection-lost when the server goes away', async () => {
    const h = fleet.hosts[2]!;
    const c = new SshConnection(specFor(fleet, h, { keepaliveIntervalMs: 1000 }));
    await c.connect();
    const running = c.exec('echo started; sleep 30').catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    await stopSshd(h);
    const err = await running;
    expect(err).toBeInstanceOf(StepFailure);
    expect((err as StepFailure).kind).toBe('connection-lost');
    expect((err as StepFailure).message).toContain(h.name);
    // Later commands fail fast instead of hanging.
    await expect(c.exec('true')).rejects.toMatchObject({ kind: 'connection-lost' });
    await c.close();
  });

  it('reaches a host through a ProxyJump named in ssh_config', async () => {
    const [jump, target] = fleet.hosts as [typeof fleet.hosts[0], typeof fleet.hosts[0]];
    const cfg = join(fleet.dir, 'ssh_config');
    writeFileSync(
      cfg,
      [`Host jumpbox`, `  HostName ${jump.address}`, `  Port ${jump.port}`, `  User root`, `  IdentityFile ${fleet.keyFile}`, ''].join('\n'),
    );
    const c = new SshConnection(specFor(fleet, target, { sshConfigFiles: [cfg], proxyJump: 'jumpbox' }));
    expect((await c.exec('echo via-jump')).stdout).toBe('via-jump\n');
    // The path really runs through the jump host: stopping it drops the target connection.
    await stopSshd(jump);
    await expect(c.exec('sleep 5')).rejects.toMatchObject({ kind: 'connection-lost' });
    await c.close();
  });

  it('names the jump host when the hop cannot reach the target', async () => {
    const hop = fleet.hosts[1]!;
    const c = new SshConnection(specFor(fleet, { ...hop, name: 'nowhere', port: 2999 }, { proxyJump: `root@${hop.address}:${hop.port}` }));
    const err = await c.connect().catch((e: unknown) => e);
    expect((err as StepFailure).kind).toBe('unreachable');
    expect((err as StepFailure).message).toContain(`nowhere: jump host ${hop.address}:${hop.port} could not reach ${hop.address}:2999`);
    await c.close();
  });
});
