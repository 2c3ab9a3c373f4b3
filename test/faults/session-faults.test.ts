/**
 * Faults while a step runs: the host's sshd sessions killed mid-step, a step that never ends
 * (stopped by its timeout on the remote side too), and servers that allow one session only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import type { CliResult } from '../support/cli';
import { hostRuns, iniInventory, killSessions, leftovers, recap, sshVars, startMarshal, waitUntil } from './support';

const PLAYBOOK = join(__dirname, 'fixtures/faults.ts');

let fleet: TestFleet;
beforeAll(async () => {
  // 0,1: drop test; 2: hangs; 3: hangs with MaxSessions 1; 4: healthy with MaxSessions 1; 5: healthy
  fleet = await startFleet(6, (i) => (i === 3 || i === 4 ? { extraConfig: ['MaxSessions 1'] } : {}));
});
afterAll(async () => fleet?.stop());

const done = (i: number) => existsSync(join(fleet.hosts[i]!.dir, 'home/state/done'));

describe('connection dropped during a step', () => {
  it('fails that host with "connection lost during <step>", never hangs, and the other host finishes', async () => {
    const [h1, h2] = fleet.hosts;
    const inv = join(fleet.dir, 'drop.ini');
    writeFileSync(inv, iniInventory([
      { name: 'steady', vars: sshVars(fleet, h1!, { slow: 2 }) },
      { name: 'dropped', vars: sshVars(fleet, h2!, { slow: 300 }) },
    ]));
    const report = join(fleet.dir, 'drop.json');
    const run = startMarshal(['run', PLAYBOOK, '-i', inv, '--report', report]);
    await run.waitFor(/STEP \[slow step\]/);
    await waitUntil(() => hostRuns(h2!, /^sleep 300$/), 'sleep 300 on the dropped host');
    expect(killSessions(h2!)).toBeGreaterThan(0);
    const r = await run.done;

    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stdout).toMatch(/^failed: \[dropped\] slow step · connection lost during "slow step": dropped: connection lost/m);
    expect(recap(r.stdout, 'dropped')).toMatchObject({ ok: 1, changed: 1, unreachable: 0, failed: 1 });
    expect(recap(r.stdout, 'steady')).toMatchObject({ ok: 5, changed: 5, failed: 0 });
    expect(done(0)).toBe(true);
    const json = JSON.parse(readFileSync(report, 'utf8'));
    const slow = json.results.filter((x: any) => x.host === 'dropped' && x.step === 'slow step');
    expect(slow).toHaveLength(1);
    expect(slow[0]).toMatchObject({ status: 'failed', failure: { kind: 'connection-lost' } });
    // the host left the play: nothing after the drop was attempted or counted as ok
    expect(json.results.filter((x: any) => x.host === 'dropped').map((x: any) => x.status)).toEqual(['changed', 'failed']);
  });
});

describe('a step that never ends, and servers with MaxSessions 1', () => {
  let r: CliResult;
  let json: any;

  beforeAll(async () => {
    const [, , h3, h4, h5, h6] = fleet.hosts;
    const inv = join(fleet.dir, 'hang.ini');
    writeFileSync(inv, iniInventory([
      { name: 'hangs', vars: sshVars(fleet, h3!, { hang: 300 }) },
      { name: 'hangs-one-session', vars: sshVars(fleet, h4!, { hang: 300 }) },
      { name: 'one-session', vars: sshVars(fleet, h5!) },
      { name: 'healthy', vars: sshVars(fleet, h6!) },
    ]));
    const report = join(fleet.dir, 'hang.json');
    r = await startMarshal(['run', PLAYBOOK, '-i', inv, '--report', report]).done;
    json = JSON.parse(readFileSync(report, 'utf8'));
  });

  it('stops the step at its timeout and reports it; exit 2', () => {
    expect(r.code, r.stdout + r.stderr).toBe(2);
    for (const host of ['hangs', 'hangs-one-session']) {
      expect(r.stdout).toContain(`failed: [${host}] bounded step · timed out after 3s running: sleep 300 & sleep 300; wait`);
      expect(recap(r.stdout, host)).toMatchObject({ ok: 2, changed: 2, failed: 1 });
      const res = json.results.find((x: any) => x.host === host && x.step === 'bounded step');
      expect(res).toMatchObject({ status: 'failed', failure: { kind: 'timeout' } });
    }
  });

  it('leaves no process behind on the host (the remote process group was killed)', async () => {
    // the run is over and its connections closed: only each server's listener may remain
    expect(await leftovers(fleet.hosts[2]!)).toEqual([]);
    expect(await leftovers(fleet.hosts[3]!)).toEqual([]);
  });

  it('completes every step, parallel commands included, on a server that allows one session', () => {
    expect(recap(r.stdout, 'one-session')).toMatchObject({ ok: 5, changed: 5, failed: 0, unreachable: 0 });
    expect(recap(r.stdout, 'healthy')).toMatchObject({ ok: 5, changed: 5, failed: 0 });
    expect(done(4)).toBe(true);
    expect(done(5)).toBe(true);
  });
});
