/**
 * Whatever Marshal started on a host is stopped before Marshal exits, in every path: a timeout
 * on the last step, every host failing at a timeout, SIGTERM, SIGHUP, and a connection that
 * dropped while the host stays reachable. Each case checks the host for leftover processes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet, type TestHost } from '../support/sshd';
import { hostProcesses, hostRuns, iniInventory, leftovers, recap, sshVars, startMarshal, waitUntil, type HostVars } from './support';

const PLAYBOOK = join(__dirname, 'fixtures/lifecycle.ts');

let fleet: TestFleet;
beforeAll(async () => {
  fleet = await startFleet(4);
});
afterAll(async () => fleet?.stop());

function inventory(name: string, hosts: { h: TestHost; vars: HostVars }[]): string {
  const inv = join(fleet.dir, `${name}.ini`);
  writeFileSync(inv, iniInventory(hosts.map(({ h, vars }) => ({ name: h.name, vars: sshVars(fleet, h, vars) }))));
  return inv;
}

describe('a timed-out command', () => {
  it('is stopped on the host before Marshal exits when the timeout is on the last step', async () => {
    const h = fleet.hosts[0]!;
    const r = await startMarshal(['run', PLAYBOOK, '-i', inventory('last', [{ h, vars: { mode: 'timeout' } }])]).done;
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain('timed out after 2s');
    // no grace: the CLI has exited, so the kill must already have happened
    expect(hostProcesses(h).map((p) => p.cmd)).not.toContain('sleep 1111');
    expect(await leftovers(h)).toEqual([]);
  });

  it('is stopped on every host when all of them fail at that step, also when it ignores TERM', async () => {
    const [a, b] = [fleet.hosts[0]!, fleet.hosts[1]!];
    const r = await startMarshal(['run', PLAYBOOK, '-i', inventory('all-fail', [
      { h: a, vars: { mode: 'timeout' } },
      { h: b, vars: { mode: 'timeout', ignore_term: 'yes' } },
    ])]).done;
    expect(r.code, r.stdout + r.stderr).toBe(2);
    for (const h of [a, b]) {
      expect(recap(r.stdout, h.name)).toMatchObject({ failed: 1 });
      expect(hostProcesses(h).map((p) => p.cmd)).not.toContain('sleep 1111');
      expect(await leftovers(h)).toEqual([]);
    }
  });
});

describe('signals', () => {
  for (const [signal, code] of [['SIGTERM', 143], ['SIGHUP', 129]] as const) {
    it(`${signal}: running commands are stopped, recap, report and play_end written, exit ${code}`, async () => {
      const h = fleet.hosts[2]!;
      const dir = join(fleet.dir, signal);
      const report = join(dir, 'report.json');
      const log = join(dir, 'run.log');
      const run = startMarshal(['run', PLAYBOOK, '-i', inventory(signal, [{ h, vars: { mode: 'long', long: 300 } }]), '--report', report, '--log-file', log]);
      await run.waitFor(/STEP \[long\]/);
      await waitUntil(() => hostRuns(h, /^sleep 300$/), 'sleep 300 on the host');
      run.child.kill(signal);
      const r = await run.done;
      expect(r.code, r.stdout + r.stderr).toBe(code);
      expect(r.stderr).toContain(`[${signal}] stopping running commands`);
      expect(r.stdout).toContain('PLAY RECAP');
      expect(hostProcesses(h).map((p) => p.cmd)).not.toContain('sleep 300');
      expect(await leftovers(h)).toEqual([]);
      const json = JSON.parse(readFileSync(report, 'utf8'));
      expect(json).toMatchObject({ interrupted: true, exitCode: code });
      expect(json.results.find((x: any) => x.step === 'long')).toMatchObject({ status: 'failed', failure: { kind: 'interrupted' } });
      const end = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.event === 'play_end');
      expect(end).toMatchObject({ interrupted: true, exit_code: code });
    });
  }
});

describe('a connection that drops while the host stays reachable', () => {
  it('reconnects to stop what the lost session started', async () => {
    const h = fleet.hosts[3]!;
    const run = startMarshal(['run', PLAYBOOK, '-i', inventory('drop', [{ h, vars: { mode: 'long', long: 300 } }])]);
    await run.waitFor(/STEP \[long\]/);
    await waitUntil(() => hostRuns(h, /^sleep 300$/), 'sleep 300 on the host');
    // kill the session's sshd processes only: the command lives on, orphaned, as after a network cut
    for (const p of hostProcesses(h)) if (p.cmd.startsWith('sshd')) process.kill(p.pid, 'SIGKILL');
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toContain('connection lost');
    expect(hostProcesses(h).map((p) => p.cmd)).not.toContain('sleep 300');
    expect(await leftovers(h)).toEqual([]);
  });
});
