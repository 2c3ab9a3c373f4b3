/**
 * The CX-7 playbooks end to end on the simulated lab: real sshd hosts, simulated NIC/libvirt/OVS.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { marshal } from './cli';
import { PB, recap, testLabs } from './labs';

const { net: NET, newDir, lab } = testLabs('cx7');

describe('the README main command', () => {
  it('marshal demo: prepare, attach, migrate and guest verification all succeed', async () => {
    const dir = newDir('demo');
    const r = await marshal(['demo', '--dir', dir], { env: { MARSHAL_LAB_DIR: dir, MARSHAL_LAB_NET: NET }, timeoutMs: 180_000 });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toContain('Demo complete');
    expect(r.stdout).toMatch(/ok: \[vm1-guest01\]\n\s+enp7s0 \(52:54:00:[0-9a-f:]{8}\) reaches \S+ with 0% loss/);
    for (const m of r.stdout.matchAll(/^\S+\s+: ok=\d+\s+changed=\d+\s+unreachable=(\d+)\s+failed=(\d+)/gm)) expect([m[1], m[2]]).toEqual(['0', '0']);
    const state = JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).hosts;
    expect(state.dst01.domains.find((d: { name: string }) => d.name === 'vm1')?.state).toBe('running');
    expect(state.src01.domains.find((d: { name: string }) => d.name === 'vm1')?.state ?? 'gone').not.toBe('running');
  });
});

describe('prepare-cx7', () => {
  it('--check on a fresh pair changes nothing on either host and says what would change', async () => {
    const l = await lab();
    const before = l.state();
    const r = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory, '--check']);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('would change: [src01]');
    expect(r.stdout).toContain('would change: [dst01]');
    expect(l.state()).toEqual(before);
  });

  it('a second run reports 0 changed', async () => {
    const l = await lab();
    const first = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory]);
    expect(first.code, first.stdout).toBe(0);
    expect(Number(recap(first.stdout, 'src01')![1])).toBeGreaterThan(5);
    const second = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory]);
    expect(second.code, second.stdout).toBe(0);
    expect(recap(second.stdout, 'src01')![1]).toBe('0');
    expect(recap(second.stdout, 'dst01')![1]).toBe('0');
  });

  it('a dual-port PF whose VF0 is not at function+1 is prepared on the VF sysfs names', async () => {
    const l = await lab('dual-port-offset');
    const r = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory]);
    expect(r.code, r.stdout).toBe(0);
    expect(r.stdout).toContain('VF 0 is 0000:b1:01.2');
    const pf = l.state().src01.pfs.find((p: { pci: string }) => p.pci === '0000:b1:00.1');
    expect(pf.eswitch).toBe('switchdev');
    expect(pf.vfs[0].pci).toBe('0000:b1:01.2');
  });

  // scenario → what the failure message must say (host, expected, seen)
  // each problem names its own evidence: the command that gave the value and the line it read
  const refusals: [string, RegExp][] = [
    ['old-firmware', /running firmware: expected >= 28\.36\.1010, saw 28\.3[0-5]\.\d+ \(mstflint -d \S+ query: "FW Version:\s+28\.3[0-5]\.\d+"\)/],
    ['psid-mismatch', /PSID: src01 has MT_\w+ \(mstflint -d \S+ query: "PSID:\s+MT_\w+"\), dst01 has MT_\w+ \(mstflint -d \S+ query: "PSID:\s+MT_\w+"\); expected the same/],
    ['fw-mismatch', /firmware: src01 has [\d.]+ \(mstflint -d \S+ query: "FW Version[^"]*"\), dst01 has [\d.]+ \(mstflint -d \S+ query: "FW Version[^"]*"\); expected the same/],
    ['migration-disabled', /VF_MIGRATION_MODE: expected MIGRATION_ENABLED\(2\), in effect, saw .*\(mstconfig -e -d \S+ query: "[*\s]*VF_MIGRATION_MODE[^"]*"\)/],
    ['migration-pending', /VF_MIGRATION_MODE: expected MIGRATION_ENABLED\(2\), in effect, saw MIGRATION_ENABLED\(2\) set for next boot only.*\(mstconfig -e -d \S+ query: "[*\s]*VF_MIGRATION_MODE[^"]*"\)/],
    ['no-mstflint', /package mstflint: expected installed \(dnf install mstflint\), saw not installed \(rpm -q mstflint: "package mstflint is not installed"\)/],
    ['no-openvswitch', /package openvswitch: expected installed \(dnf install openvswitch\), saw not installed \(rpm -q openvswitch: "package openvswitch is not installed"\)/],
    ['arch-ppc64le', /CPU architecture: expected x86_64 or aarch64, saw ppc64le \(uname -m: "ppc64le"\)/],
    ['iommu-off', /IOMMU: expected enabled .*, saw disabled .*\(cat \/proc\/cmdline .*: "iommu_groups=0"\)/],
  ];
  for (const [scenario, message] of refusals) {
    it(`fails at preflight with a precise message and changes nothing: ${scenario}`, async () => {
      const l = await lab(scenario);
      const before = l.state();
      const r = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory]);
      expect(r.code, r.stdout).toBe(2);
      expect(r.stdout).toMatch(message);
      expect(r.stdout).toMatch(/failed: \[(src01|dst01)\] Preflight/);
      // the engine no longer appends the step's last command to a failure that names its evidence
      expect(r.stdout).not.toMatch(/Preflight.*\(grep -H \. [^)]*sriov_totalvfs/);
      expect(r.stdout).not.toContain('STEP [Step 1');
      expect(l.state()).toEqual(before);
    });
  }

  it('a pending FW Version(Running) counts as the running firmware', async () => {
    const l = await lab('pending-firmware');
    const r = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory, '--tags', 'preflight']);
    // the running (older, still supported) version is compared, not the flashed one
    expect(r.stdout).not.toMatch(/running firmware: expected/);
  });
});

describe('shared vars (issue 14)', () => {
  it('an inventory with only pair, pf_pci and vm_name (no ovs_bridge) runs prepare, attach and migrate to the end', async () => {
    const l = await lab();
    const inv = parse(readFileSync(l.inventory, 'utf8'));
    for (const group of ['source', 'destination']) {
      for (const vars of Object.values<Record<string, unknown>>(inv.all.children[group].hosts)) {
        expect(vars.ovs_bridge).toBeDefined();
        delete vars.ovs_bridge;
      }
    }
    const file = join(l.dir, 'no-bridge.yml');
    writeFileSync(file, stringify(inv));
    for (const pb of ['prepare-cx7', 'attach-vf', 'migrate-vm']) {
      const r = await marshal(['run', PB(pb), '-i', file], { timeoutMs: 120_000 });
      expect(r.code, `${pb}\n${r.stdout}${r.stderr}`).toBe(0);
      expect(r.stdout).not.toContain('is undefined');
    }
    const st = l.state();
    expect(st.dst01.domains.find((d: { name: string }) => d.name === 'vm1')?.state).toBe('running');
    for (const h of ['src01', 'dst01']) expect(st[h].ovs.bridges.map((b: { name: string }) => b.name), h).toContain('ovs-sriov');
  }, 300_000);
});

describe('attach-vf and migrate-vm refusals', () => {
  async function prepared(scenario = 'default') {
    const l = await lab(scenario);
    const p = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory]);
    expect(p.code, p.stdout).toBe(0);
    return l;
  }
  const vmOn = (state: any, host: string) => state[host].domains.find((d: { name: string }) => d.name === 'vm1')?.state;

  it('post-copy asked: refused with the real text, VM still running on the source', async () => {
    const l = await prepared();
    expect((await marshal(['run', PB('attach-vf'), '-i', l.inventory])).code).toBe(0);
    const r = await marshal(['run', PB('migrate-vm'), '-i', l.inventory, '-e', 'migrate_postcopy=yes']);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('VFIO migration is not supported with postcopy migration');
    expect(vmOn(l.state(), 'src01')).toBe('running');
    // and the lab's virsh refuses it too when the playbook's own guard is skipped
    const raw = await marshal(['run', PB('migrate-vm'), '-i', l.inventory, '-e', 'migrate_postcopy=yes', '--start-at-task', 'Step 9*']);
    expect(raw.code).toBe(2);
    expect(raw.stdout).toMatch(/virsh migrate refused \(postcopy\): .*VFIO migration is not supported with postcopy migration/);
    expect(vmOn(l.state(), 'src01')).toBe('running');
  });

  it('vIOMMU domain: attach refuses with the real text', async () => {
    const scenarioDir = newDir('scn');
    const scenarioFile = join(scenarioDir, 'viommu.yml');
    writeFileSync(scenarioFile, 'description: vm1 has a vIOMMU\nsource:\n  domains: [{ name: vm1, viommu: true, running: true }]\n');
    const l = await prepared(scenarioFile);
    const r = await marshal(['run', PB('attach-vf'), '-i', l.inventory]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Migration is currently not supported with vIOMMU enabled');
    expect(vmOn(l.state(), 'src01')).toBe('running');
  });

  it('destination not prepared: migrate stops before virsh, and the lab refuses too; VM stays', async () => {
    const l = await lab();
    // prepare the source only (skipping the pair preflight, which needs both hosts)
    const src = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory, '--limit', 'src01', '--start-at-task', 'Step 1:*']);
    expect(src.code, src.stdout).toBe(0);
    expect((await marshal(['run', PB('attach-vf'), '-i', l.inventory])).code).toBe(0);
    const r = await marshal(['run', PB('migrate-vm'), '-i', l.inventory]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/failed: \[dst01\] Still prepared: e-switch in switchdev mode · e-switch mode: expected switchdev, saw legacy/);
    expect(vmOn(l.state(), 'src01')).toBe('running');
    const raw = await marshal(['run', PB('migrate-vm'), '-i', l.inventory, '--start-at-task', 'Step 9*']);
    expect(raw.code).toBe(2);
    expect(raw.stdout).toMatch(/virsh migrate refused/);
    expect(vmOn(l.state(), 'src01')).toBe('running');
  });
});

describe('fleet', () => {
  it('prepares 20 pairs in rolling batches of pairs; --limit narrows the fleet', async () => {
    const l = await lab('default', 20);
    const limited = await marshal(['run', PB('prepare-fleet'), '-i', l.inventory, '--limit', 'src0*:dst0*'], { timeoutMs: 300_000 });
    expect(limited.code, limited.stdout.slice(-3000)).toBe(0);
    expect(limited.stdout).toMatch(/batch 1\/2: src01, src02, src03, src04, src05, dst01, dst02, dst03, dst04, dst05/);
    expect(limited.stdout).not.toContain('[src10]');
    const all = await marshal(['run', PB('prepare-fleet'), '-i', l.inventory], { timeoutMs: 300_000 });
    expect(all.code, all.stdout.slice(-3000)).toBe(0);
    const st = l.state();
    for (let i = 1; i <= 20; i++) {
      for (const role of ['src', 'dst']) {
        const h = `${role}${String(i).padStart(2, '0')}`;
        expect(st[h].pfs[0].eswitch, h).toBe('switchdev');
      }
    }
    // the first nine pairs were done by the limited run: the full run changed nothing there
    expect(recap(all.stdout, 'src03')![1]).toBe('0');
    expect(Number(recap(all.stdout, 'src15')![1])).toBeGreaterThan(0);
  }, 600_000);
});
