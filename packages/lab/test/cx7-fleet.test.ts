/**
 * Issue 14 items 3-5 on the simulated lab: the OVS restart as a handler, unprepare-cx7 and its
 * round trip, migrating there and back with several VFs, and resumable fleet runs with a per-pair summary.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { marshal } from './cli';
import { PB, recap, testLabs } from './labs';

const { lab } = testLabs('fleet');

describe('step 5.5: the Open vSwitch restart is a handler', () => {
  it('a run that dies after 5.2 changed hw-offload restarts openvswitch on the rerun', async () => {
    // src01's sshd drops the session at `ovs-vsctl add-br brdrop`: after 5.2/5.3 changed, before the restart
    const l = await lab('description: drop at add-br brdrop\nhosts:\n  src01:\n    faults: { drop: [ovs-vsctl add-br brdrop] }\n');
    // (src01 alone, from step 1: the pair preflight needs both hosts)
    const first = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory, '-e', 'ovs_bridge=brdrop', '--limit', 'src01', '--start-at-task', 'Step 1:*'], { timeoutMs: 180_000 });
    expect(first.code, first.stdout).not.toBe(0);
    expect(first.stdout).toMatch(/failed: \[src01\] Step 5.4: OVS bridge exists · connection lost/);
    let src = l.state().src01;
    expect(src.ovs.otherConfig['hw-offload']).toBe('true');
    expect(src.ovs.offloadActive, 'ovs-vswitchd started before hw-offload was set').toBe(false);
    const rerun = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory], { timeoutMs: 180_000 });
    expect(rerun.code, rerun.stdout).toBe(0);
    // nothing changed 5.2 in this run: the restart comes from the notification left on the host
    expect(rerun.stdout).toMatch(/STEP \[Step 5\.2: Open vSwitch other_config:hw-offload=true\] \**\n(?:.+\n)*?ok: \[src01\]/);
    expect(rerun.stdout).toMatch(/HANDLER \[restart openvswitch \(hw-offload takes effect\)\] \**\n(?:.+\n)*?changed: \[src01\]/);
    src = l.state().src01;
    expect(src.ovs.offloadActive).toBe(true);
    // and once it ran, a third run restarts nothing
    const third = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory], { timeoutMs: 180_000 });
    expect(third.code, third.stdout).toBe(0);
    expect(third.stdout).not.toContain('HANDLER [');
    expect(recap(third.stdout, 'src01')![1]).toBe('0');
  }, 600_000);
});

/** A host's state without the clock stamps that differ between two identical preparations. */
function hostState(h: any) {
  return JSON.parse(JSON.stringify(h, (k, v) => (k === 'vfsReadyAt' ? undefined : v)));
}

describe('unprepare-cx7', () => {
  it('prepare → unprepare → prepare leaves both hosts as the first prepare did', async () => {
    const l = await lab();
    const fresh = l.state();
    const run = async (pb: string) => {
      const r = await marshal(['run', PB(pb), '-i', l.inventory], { timeoutMs: 180_000 });
      expect(r.code, `${pb}\n${r.stdout}`).toBe(0);
      return r;
    };
    await run('prepare-cx7');
    const prepared = l.state();
    expect(prepared.src01.ovs.bridges[0].externalIds).toEqual({ 'marshal-created-by': 'prepare-cx7' });
    const undo = await run('unprepare-cx7');
    expect(Number(recap(undo.stdout, 'src01')![1])).toBe(6);
    const undone = l.state();
    for (const h of ['src01', 'dst01']) {
      const pf = undone[h].pfs[0];
      expect([pf.eswitch, pf.numVfs, pf.vfs.length], h).toEqual(['legacy', 0, 0]);
      expect(undone[h].ovs.bridges, h).toEqual([]);
      // OVS and its other_config stay (host-wide); everything else is as the lab started
      expect(hostState({ ...undone[h], ovs: fresh[h].ovs }), h).toEqual(hostState(fresh[h]));
    }
    const again = await run('unprepare-cx7');
    expect(recap(again.stdout, 'src01')![1]).toBe('0');
    await run('prepare-cx7');
    const after = l.state();
    for (const h of ['src01', 'dst01']) expect(hostState(after[h]), h).toEqual(hostState(prepared[h]));
  }, 600_000);

  it('refuses both hosts of the pair while a VM holds a VF, and keeps a bridge prepare did not create', async () => {
    const l = await lab('description: ovs-sriov exists before prepare\ndefaults:\n  ovs: { running: true, bridges: [{ name: ovs-sriov, ports: [] }] }\nsource:\n  domains: [{ name: vm1 }]\n');
    for (const pb of ['prepare-cx7', 'attach-vf']) expect((await marshal(['run', PB(pb), '-i', l.inventory], { timeoutMs: 180_000 })).code, pb).toBe(0);
    const before = l.state();
    const refused = await marshal(['run', PB('unprepare-cx7'), '-i', l.inventory], { timeoutMs: 180_000 });
    expect(refused.code, refused.stdout).toBe(2);
    expect(refused.stdout).toMatch(/failed: \[src01\] Preflight: no VM uses a VF .* src01: vm1 \(0000:e1:00\.1\)/);
    expect(refused.stdout).toMatch(/failed: \[dst01\] Preflight: no VM uses a VF/);
    expect(l.state()).toEqual(before);
    // with the VF detached from the VM, unprepare goes through but keeps the bridge it did not create
    const xml = '/root/mlx_vf-vm1-vf0.xml';
    const detach = await marshal(['exec', 'src01', '-i', l.inventory, '--', `virsh detach-device vm1 ${xml} --live --config`]);
    expect(detach.code, detach.stdout + detach.stderr).toBe(0);
    const undo = await marshal(['run', PB('unprepare-cx7'), '-i', l.inventory], { timeoutMs: 180_000 });
    expect(undo.code, undo.stdout).toBe(0);
    expect(undo.stdout).toContain('ovs-sriov kept: prepare-cx7 did not create it');
    const st = l.state();
    for (const h of ['src01', 'dst01']) expect(st[h].ovs.bridges, h).toEqual([{ name: 'ovs-sriov', ports: [] }]);
  }, 600_000);
});

describe('resumable fleet runs', () => {
  it('a rolling run that fails part-way is run again and continues per pair, with a summary per pair on the console and in --report', async () => {
    // pair 02: no libvirt on src02 (fails at step 3, virsh missing); pair 03: old firmware on dst03 (refused by preflight)
    const l = await lab(
      'description: one pair breaks at step 3, one fails preflight\npairs: 3\nhosts:\n  src02:\n    packages: { libvirt: false }\n  dst03:\n    pf: { firmware: 28.33.2028, vfMigrationMode: 0 }\n',
    );
    const report = join(l.dir, 'run.json');
    const fleet = () => marshal(['run', PB('prepare-fleet'), '-i', l.inventory, '--report', report], { env: { MARSHAL_FLEET_BATCH: '1' }, timeoutMs: 300_000 });
    const first = await fleet();
    expect(first.code, first.stdout).toBe(2);
    expect(first.stdout).toMatch(/SUMMARY BY pair \**\npair 01 \(src01, dst01\): prepared \(\d+ changed\)\npair 02 \(src02, dst02\): failed at step 5 of the play \(Step 3: VF detached from its host driver\): src02: command exited 127: virsh nodedev-detach .*; run again to continue from there\npair 03 \(src03, dst03\): not reached/);
    const groups = () => JSON.parse(readFileSync(report, 'utf8')).groupSummary;
    expect(groups().by).toBe('pair');
    expect(groups().groups.map((g: { key: string; status: string }) => [g.key, g.status])).toEqual([['01', 'ok'], ['02', 'failed'], ['03', 'not run']]);
    // the cause is fixed on src02, then the same command again
    const fix = await marshal(['exec', 'src02', '-i', l.inventory, '--', 'dnf install -y libvirt']);
    expect(fix.code, fix.stdout + fix.stderr).toBe(0);
    const second = await fleet();
    expect(second.code, second.stdout).toBe(2);
    expect(second.stdout).toMatch(/pair 01 \(src01, dst01\): prepared \(0 changed\)\npair 02 \(src02, dst02\): prepared \(\d+ changed\)\npair 03 \(src03, dst03\): refused by preflight, nothing changed: dst03: running firmware: expected >= 28\.36\.1010, saw 28\.33\.2028/);
    // pair 02 continued where it stood: steps 1 and 2 were done, step 3 onwards changed
    expect(recap(second.stdout, 'src01')![1]).toBe('0');
    expect(second.stdout).toMatch(/STEP \[Step 2: VFs created \(vf_count, default 1\)\] \**\n(?:.+\n)*?ok: \[src02\]/);
    expect(second.stdout).toMatch(/STEP \[Step 3: VF detached from its host driver\] \**\n(?:.+\n)*?changed: \[src02\]/);
    const g = groups().groups;
    expect(g.map((x: { key: string; status: string }) => [x.key, x.status])).toEqual([['01', 'ok'], ['02', 'ok'], ['03', 'failed']]);
    expect(g[2].failedAt).toMatchObject({ number: 1, tags: ['preflight'], failures: [{ host: 'dst03' }] });
    const st = l.state();
    expect([st.src02.pfs[0].eswitch, st.dst02.pfs[0].eswitch, st.src03.pfs[0].eswitch]).toEqual(['switchdev', 'switchdev', 'legacy']);
  }, 600_000);
});

/** A copy of the lab's inventory with extra vars on some hosts. */
function inventoryWith(l: { dir: string; inventory: string }, file: string, vars: Record<string, Record<string, unknown>>): string {
  const inv = parse(readFileSync(l.inventory, 'utf8'));
  for (const [host, v] of Object.entries(vars)) {
    const group = Object.values<{ hosts: Record<string, Record<string, unknown>> }>(inv.all.children).find((g) => g.hosts?.[host]);
    Object.assign(group!.hosts[host]!, v);
  }
  const out = join(l.dir, file);
  writeFileSync(out, stringify(inv));
  return out;
}

describe('several VFs and VMs, there and back', () => {
  it('4 VMs with one VF each (VF indexes not starting at 0), a 5th refused, migrated there and back; 5 in use migrate in waves of 4', async () => {
    const vmsYaml = [1, 2, 3, 4, 5].map((i) => `{ name: vm${i} }`).join(', ');
    const l = await lab(`description: five VMs on the source\nsource:\n  domains: [${vmsYaml}]\n`);
    const vfCount = { vf_count: 5 };
    const four = [{ name: 'vm1', vfs: [2] }, { name: 'vm2', vfs: [0] }, { name: 'vm3', vfs: [1] }, { name: 'vm4', vfs: [3] }];
    const inv4 = inventoryWith(l, 'four.yml', { src01: { ...vfCount, vms: four }, dst01: vfCount });
    const inv5 = inventoryWith(l, 'five.yml', { src01: { ...vfCount, vms: [...four, { name: 'vm5', vfs: [4] }] }, dst01: vfCount });
    const run = (pb: string, inv: string, ...more: string[]) => marshal(['run', PB(pb), '-i', inv, ...more], { timeoutMs: 240_000 });
    const ok = async (pb: string, inv: string, ...more: string[]) => {
      const r = await run(pb, inv, ...more);
      expect(r.code, `${pb} ${more.join(' ')}\n${r.stdout}`).toBe(0);
      return r;
    };
    const on = (host: string) => l.state()[host].domains.filter((d: { state: string }) => d.state === 'running').map((d: { name: string }) => d.name).sort();
    const hostdevs = () => Object.fromEntries(l.state().src01.domains.map((d: { name: string; hostdevs: { pci: string }[] }) => [d.name, d.hostdevs.map((h) => h.pci)]));

    await ok('prepare-cx7', inv4);
    for (const h of ['src01', 'dst01']) {
      const pf = l.state()[h].pfs[0];
      expect(pf.vfs.map((v: { migratable: boolean; driver: string }) => [v.migratable, v.driver]), h).toEqual(Array(5).fill([true, 'pci-stub']));
      // the uplink and the five representors
      expect(l.state()[h].ovs.bridges[0].ports, h).toHaveLength(6);
    }
    // five VFs asked for: refused before anything is attached
    const five = await run('attach-vf', inv5);
    expect(five.code, five.stdout).toBe(2);
    expect(five.stdout).toMatch(/at most 4 VFs of 0000:e1:00\.0 given to VMs .*saw 5: 5 asked for/);
    expect(Object.values(hostdevs()).flat()).toEqual([]);
    await ok('attach-vf', inv4);
    // vm1 has VF index 2: 0000:e1:00.3 (offset 1, stride 1)
    expect(hostdevs()).toMatchObject({ vm1: ['0000:e1:00.3'], vm2: ['0000:e1:00.1'], vm3: ['0000:e1:00.2'], vm4: ['0000:e1:00.4'], vm5: [] });
    const fifth = await run('attach-vf', inventoryWith(l, 'fifth.yml', { src01: { ...vfCount, vms: [{ name: 'vm5', vfs: [4] }] }, dst01: vfCount }));
    expect(fifth.code).toBe(2);
    expect(fifth.stdout).toMatch(/saw 5: 1 asked for \(0000:e1:00\.5\), 4 already in use/);

    const there = await ok('migrate-vm', inv4);
    expect(on('dst01')).toEqual(['vm1', 'vm2', 'vm3', 'vm4']);
    expect(on('src01')).toEqual(['vm5']);
    for (const g of ['vm1', 'vm2', 'vm3', 'vm4']) expect(there.stdout).toMatch(new RegExp(`ok: \\[${g}-guest01\\]\\n\\s+enp7s0 \\(52:54:00:[0-9a-f:]{8}\\) reaches \\S+ with 0% loss`));
    // a rerun changes nothing; then the way back
    const again = await ok('migrate-vm', inv4);
    expect(again.stdout).toMatch(/STEP \[Step 9[^\]]*\][^\n]*\n(?:.+\n)*?ok: \[src01\]/);
    await ok('migrate-vm', inv4, '-e', 'migrate_to=source');
    expect(on('src01')).toEqual(['vm1', 'vm2', 'vm3', 'vm4', 'vm5']);
    expect(on('dst01')).toEqual([]);

    // a fifth VF attached past the playbook's limit (its check skipped): migrate-vm moves the five in two waves, which the lab's per-PF limit accepts
    await ok('attach-vf', inv5, '--start-at-task', 'Step 7*');
    expect(hostdevs().vm5).toEqual(['0000:e1:00.5']);
    const waves = await ok('migrate-vm', inv5);
    expect(on('dst01')).toEqual(['vm1', 'vm2', 'vm3', 'vm4', 'vm5']);
    expect(waves.stdout).toContain('vm5-guest01');
  }, 900_000);
});
