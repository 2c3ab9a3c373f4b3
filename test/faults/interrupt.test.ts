/**
 * Ctrl-C during a run. First SIGINT: no new step starts, running ones finish, recap and report
 * are written, exit 130. Second: running remote commands are stopped (nothing left on the
 * hosts), then the same. Third: exit at once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { hostRuns, iniInventory, leftovers, recap, sshVars, startMarshal, waitUntil } from './support';

const PLAYBOOK = join(__dirname, 'fixtures/interrupt.ts');

let fleet: TestFleet;
beforeAll(async () => {
  fleet = await startFleet(2);
});
afterAll(async () => fleet?.stop());

const onHost = (i: number, f: string) => existsSync(join(fleet.hosts[i]!.dir, 'home', f));

function inventory(name: string, long: number): string {
  const inv = join(fleet.dir, `${name}.ini`);
  writeFileSync(inv, iniInventory(fleet.hosts.map((h) => ({ name: h.name, vars: sshVars(fleet, h, { long }) }))));
  return inv;
}

/** Starts a run and returns once `sleep <long>` runs on every host. */
async function startAndReachLongStep(name: string, long: number) {
  const dir = join(fleet.dir, name);
  const report = join(dir, 'report.json');
  const log = join(dir, 'run.log');
  const run = startMarshal(['run', PLAYBOOK, '-i', inventory(name, long), '--report', report, '--log-file', log]);
  await run.waitFor(/STEP \[long\]/);
  for (const h of fleet.hosts) await waitUntil(() => hostRuns(h, new RegExp(`^sleep ${long}$`)), `sleep ${long} on ${h.name}`);
  return { run, dir, report, log };
}

describe('Ctrl-C', () => {
  it('first: the running step finishes, no later step starts, recap and report written, exit 130', async () => {
    const { run, dir, report, log } = await startAndReachLongStep('soft', 5);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stderr).toContain('[interrupted] no new steps will start');
    expect(r.stdout).not.toContain('STEP [after]');
    expect(r.stdout).toContain('PLAY RECAP');
    expect(r.stdout).toMatch(/interrupted\. finished in [\d.]+s, exit code 130/);
    for (let i = 0; i < 2; i++) {
      expect(onHost(i, 'long-finished')).toBe(true); // allowed to finish
      expect(onHost(i, 'after')).toBe(false);
      expect(recap(r.stdout, fleet.hosts[i]!.name)).toMatchObject({ ok: 2, changed: 2, failed: 0 });
    }
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json).toMatchObject({ interrupted: true, exitCode: 130, aborted: 'interrupted' });
    expect(json.results.map((x: any) => x.step)).not.toContain('after');
    expect(json.results.filter((x: any) => x.step === 'long').map((x: any) => x.status)).toEqual(['changed', 'changed']);
    // atomic: the temp file was renamed into place, nothing else left in the directory
    expect(readdirSync(dir).sort()).toEqual(['report.json', 'run.log']);
    const end = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).find((l) => l.event === 'play_end');
    expect(end).toMatchObject({ interrupted: true, exit_code: 130 });
  });

  it('second: running commands are stopped on the hosts, nothing is left running, exit 130', async () => {
    const { run, report } = await startAndReachLongStep('hard', 300);
    run.child.kill('SIGINT');
    await run.waitFor(/Ctrl-C again to stop them now/);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    expect(r.stderr).toContain('[interrupted] stopping running commands');
    expect(r.stdout).not.toContain('STEP [after]');
    expect(r.stdout).toContain('PLAY RECAP');
    for (let i = 0; i < 2; i++) {
      expect(recap(r.stdout, fleet.hosts[i]!.name)).toMatchObject({ ok: 1, changed: 1, failed: 1 });
      expect(onHost(i, 'long-finished')).toBe(false);
      expect(await leftovers(fleet.hosts[i]!)).toEqual([]);
    }
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json).toMatchObject({ interrupted: true, exitCode: 130 });
    const long = json.results.filter((x: any) => x.step === 'long');
    expect(long).toHaveLength(2);
    for (const x of long) expect(x).toMatchObject({ status: 'failed', failure: { kind: 'interrupted' } });
  });

  it('third: exits at once with 130', async () => {
    const { run } = await startAndReachLongStep('third', 300);
    run.child.kill('SIGINT');
    await run.waitFor(/Ctrl-C again to stop them now/);
    run.child.kill('SIGINT');
    await run.waitFor(/stopping running commands/);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(130);
  });
});
