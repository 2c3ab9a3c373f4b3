/**
 * Issue 14's fleet rollout end to end on the lab (scenario fleet-rollout, 20 pairs): the command
 * sequence of docs/cx7.md "Fleet rollout", run as an operator types it, checked against the lab's
 * state and its event log.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatStatus, labStatus } from '../src/index';
import { marshal } from './cli';
import { PB, testLabs } from './labs';
import { downTogether, labEvents, type LabEvent } from './events';

const { net: NET, newDir } = testLabs('fleet20');
// simulated boots of 0.5 s instead of 2 s: 8 reboots one after the other
const ENV = { MARSHAL_LAB_BOOT_MS: '500' };

const pairs = Array.from({ length: 20 }, (_, i) => String(i + 1).padStart(2, '0'));
const REBOOTED = ['02', '05', '09', '17'];
const REFUSED = '14';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('fleet rollout (docs/cx7.md): 20 pairs', () => {
  it('19 pairs prepared and migrated there and back, pair 14 refused and unchanged, never both hosts of a pair down', async () => {
    const dir = newDir();
    const inv = join(dir, 'inventory.yml');
    const report = join(dir, 'prepare.json');
    const state = () => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).hosts;
    const step = async (want: number, ...args: string[]) => {
      const r = await marshal(args, { env: ENV, timeoutMs: 300_000 });
      expect(r.code, `marshal ${args.join(' ')}\n${r.stdout}\n${r.stderr}`).toBe(want);
      return r.stdout;
    };

    await step(0, 'lab', 'up', '--dir', dir, '--net', NET, '--scenario', 'fleet-rollout');
    const refusedBefore = [`src${REFUSED}`, `dst${REFUSED}`, `vm1-guest${REFUSED}`].map((h) => state()[h]);

    // the sequence, as docs/cx7.md gives it
    await step(0, 'run', PB('enable-migration-mode'), '-i', inv, '--limit', 'src12:dst12', '-e', 'fw_reset=yes');
    await step(0, 'run', PB('enable-migration-mode'), '-i', inv, '-e', 'allow_reboot=yes');
    await step(0, 'run', PB('enable-iommu'), '-i', inv, '-e', 'allow_reboot=yes');
    const started = await step(0, 'exec', 'source', '-i', inv, '--', 'virsh domstate vm1 | grep -qx running || virsh start vm1');
    const prepared = await step(2, 'run', PB('prepare-fleet'), '-i', inv, '--report', report);
    const there = await step(0, 'run', PB('attach-vf'), '-i', inv, '--limit', `!*${REFUSED}`).then(() =>
      step(0, 'run', PB('migrate-vm'), '-i', inv, '--limit', `!*${REFUSED}`),
    );
    const onDst = state();
    const back = await step(0, 'run', PB('migrate-vm'), '-i', inv, '--limit', `!*${REFUSED}`, '-e', 'migrate_to=source');
    const end = state();

    // the VMs the rollout's hosts had shut off were started again, the others left running
    expect((started.match(/Domain 'vm1' started/g) ?? []).length).toBe(5);

    // 19 pairs prepared, pair 14 refused by preflight with its reasons
    const g = JSON.parse(readFileSync(report, 'utf8')).groupSummary;
    expect(g.by).toBe('pair');
    expect(g.groups.map((x: { key: string; status: string }) => [x.key, x.status])).toEqual(pairs.map((p) => [p, p === REFUSED ? 'failed' : 'ok']));
    const f = g.groups.find((x: { key: string }) => x.key === REFUSED).failedAt;
    expect(f.tags).toContain('preflight');
    expect(f.failures.map((x: { host: string }) => x.host).sort()).toEqual([`dst${REFUSED}`, `src${REFUSED}`]);
    for (const x of f.failures) expect(x.message).toMatch(/firmware: src14 has 28\.43\.1014 \(mstflint -d 0000:e1:00\.0 query: "FW Version: +28\.43\.1014"\), dst14 has 28\.40\.1000/);
    expect(prepared).toMatch(/pair 14 \(src14, dst14\): refused by preflight, nothing changed: src14: firmware: src14 has 28\.43\.1014/);
    expect(prepared).not.toContain('play stopped');

    // each VM there and back, its guest reaching the ping target through the VF both times
    for (const p of pairs.filter((x) => x !== REFUSED)) {
      const running = (s: Record<string, { domains: { name: string; state: string }[] }>, h: string) => s[h]!.domains.some((d) => d.name === 'vm1' && d.state === 'running');
      expect([running(onDst, `src${p}`), running(onDst, `dst${p}`)], `pair ${p} after migrate-vm`).toEqual([false, true]);
      expect([running(end, `src${p}`), running(end, `dst${p}`)], `pair ${p} after migrating back`).toEqual([true, false]);
      for (const out of [there, back]) expect(out, `pair ${p}`).toMatch(new RegExp(`ok: \\[vm1-guest${p}\\]\\n\\s+enp7s0 \\(52:54:00:[0-9a-f:]{8}\\) reaches \\S+ with 0% loss`));
    }
    // pair 14 (and its guest) exactly as the lab started them
    expect([`src${REFUSED}`, `dst${REFUSED}`, `vm1-guest${REFUSED}`].map((h) => end[h])).toEqual(refusedBefore);

    expectRolloutEvents(labEvents(dir));
    const bootIds: Record<string, string> = Object.fromEntries(Object.entries<{ boot?: { id: string } }>(end).flatMap(([h, v]) => (v.boot ? [[h, v.boot.id]] : [])));
    await expectStatusThroughReboot(dir, () => step(0, 'exec', 'src01', '-i', inv, '--', 'reboot'), bootIds);
  }, 900_000);
});

/** The event log: reboots on pairs 02, 05, 09, 17 (each host once), a firmware reset on pair 12, nothing elsewhere; never both hosts of a pair down. */
function expectRolloutEvents(ev: LabEvent[]): void {
  const both = (ps: string[]) => ps.flatMap((p) => [`src${p}`, `dst${p}`]).sort();
  expect(ev.filter((e) => e.event === 'up').map((e) => e.host).sort()).toEqual(both(REBOOTED));
  expect(ev.filter((e) => e.event === 'down').map((e) => e.host).sort()).toEqual(both(REBOOTED));
  expect(ev.filter((e) => e.event === 'fw-reset').map((e) => e.host).sort()).toEqual(both(['12']));
  expect([...new Set(ev.map((e) => e.host))].sort()).toEqual(both([...REBOOTED, '12']).sort());
  expect(ev.filter((e) => e.event === 'boot-failed')).toEqual([]);
  expect(downTogether(ev, pairs.map((p) => [`src${p}`, `dst${p}`] as const))).toEqual([]);
}

/** lab status shows each host's boot id, and a host down in a reboot (from the reboot command's answer until its sshd listens again). */
async function expectStatusThroughReboot(dir: string, reboot: () => Promise<unknown>, bootIds: Record<string, string>): Promise<void> {
  const st = await labStatus({ dir });
  for (const h of st.hosts.filter((x) => x.kind === 'nic')) expect([h.name, h.state, h.bootId]).toEqual([h.name, 'up', bootIds[h.name]]);
  await reboot();
  const seen: string[] = [];
  let text = '';
  for (const t0 = Date.now(); Date.now() - t0 < 60_000; await sleep(100)) {
    const s = await labStatus({ dir });
    const src01 = s.hosts.find((h) => h.name === 'src01')!;
    if (seen.at(-1) !== src01.state) seen.push(src01.state);
    if (src01.state === 'rebooting' && !text) text = formatStatus(s);
    if (src01.state === 'up' && src01.bootId !== bootIds.src01!) break;
  }
  expect(seen).toEqual(['rebooting', 'up']);
  expect(text).toMatch(new RegExp(`\\n  src01 +${NET.replace(/\./g, '\\.')}\\.10:2222 +rebooting +boot ${bootIds.src01!.slice(0, 8)} `));
  expect(text).toMatch(/\n {2}dst01 +\S+ +up +boot [0-9a-f]{8} +fw 28\.43\.1014/);
}
