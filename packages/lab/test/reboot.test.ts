/**
 * Reboots, firmware resets and kernel arguments on the simulated lab: the rolling playbooks
 * (enable-migration-mode by reboot and by firmware reset, enable-iommu) against real sshd hosts
 * that really drop their connections, checked against the lab's event log.
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { labUp } from '../src/index';
import { marshal } from './cli';
import { PB, testLabs } from './labs';
import { downTogether, labEvents } from './events';

const { net: NET, newDir } = testLabs('reboot');

describe('rolling reboots and firmware resets on the lab (scenario rollout: 2 pairs)', () => {
  it('refuses without the opt-in, then applies migration mode by reboot and by firmware reset and the IOMMU args, never both hosts of a pair down', async () => {
    const dir = newDir();
    const up = await labUp({ dir, scenario: 'rollout', net: NET });
    const state = () => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).hosts;
    const inv = ['-i', up.inventory];

    // 1. no -e allow_reboot=yes: refused with the reason, nothing changed on any host
    const before = state();
    const refused = await marshal(['run', PB('enable-iommu'), ...inv]);
    expect(refused.code, refused.stdout).toBe(2);
    expect(refused.stdout).toContain('refusing to reboot src02: it needs the explicit opt-in -e allow_reboot=yes; nothing was changed on it');
    // the refusal names its own evidence (the running kernel's command line), not the step's last command
    expect(refused.stdout).toMatch(/nothing was changed on it \(needed: cat \/proc\/cmdline: "BOOT_IMAGE=\S+ root=\/dev\/mapper\/rhel-root ro [^"]*"\)\n/);
    expect(refused.stdout).not.toContain('vendor_id');
    expect(state()).toEqual(before);
    // a running VM: refused with the row of `virsh list --all` that shows it
    expect((await marshal(['exec', 'src02', ...inv, '--', 'virsh start vm1'])).code).toBe(0);
    const vmHost = await marshal(['run', PB('enable-iommu'), ...inv, '-e', 'allow_reboot=yes']);
    expect(vmHost.code, vmHost.stdout).toBe(2);
    expect(vmHost.stdout).toMatch(/refusing to reboot src02: VMs are running there \(vm1\); migrate or stop them, or pass -e allow_vm_hosts=yes \(virsh list --all: " \d+ +vm1 +running"\)\n/);
    expect(vmHost.stdout).not.toContain('vendor_id');
    expect((await marshal(['exec', 'src02', ...inv, '--', 'virsh destroy vm1'])).code).toBe(0);

    // 1b. --check --diff with the opt-ins: predicts the changes and shows them, changes nothing, reboots nothing
    const beforeCheck = state();
    const predicted = await marshal(['run', PB('enable-iommu'), ...inv, '--check', '--diff', '-e', 'allow_reboot=yes']);
    expect(predicted.code, predicted.stdout).toBe(0);
    expect(predicted.stdout).toMatch(/would change: \[src02\]\n\s+would change \/boot\/vmlinuz-\S+: \+intel_iommu=on \+iommu=pt/);
    expect(predicted.stdout).toContain('intel_iommu=on');
    const predictedMode = await marshal(['run', PB('enable-migration-mode'), ...inv, '--check', '--diff', '-e', 'allow_reboot=yes']);
    expect(predictedMode.code, predictedMode.stdout).toBe(0);
    expect(state()).toEqual(beforeCheck);
    expect(labEvents(dir).filter((e) => e.event === 'down')).toEqual([]);

    // 2. migration mode: pair 1 by reboot, pair 2 by firmware reset
    const byReboot = await marshal(['run', PB('enable-migration-mode'), ...inv, '--limit', 'src01:dst01', '-e', 'allow_reboot=yes'], { timeoutMs: 180_000 });
    expect(byReboot.code, byReboot.stdout).toBe(0);
    expect(byReboot.stdout).toMatch(/changed: \[src01\]\n\s+rebooted in [\d.]+s: boot id \S+ → \S+/);
    const byReset = await marshal(['run', PB('enable-migration-mode'), ...inv, '--limit', 'src02:dst02', '-e', 'fw_reset=yes']);
    expect(byReset.code, byReset.stdout).toBe(0);

    // 3. IOMMU: only pair 2 lacks the arguments
    const iommu = await marshal(['run', PB('enable-iommu'), ...inv, '-e', 'allow_reboot=yes'], { timeoutMs: 180_000 });
    expect(iommu.code, iommu.stdout).toBe(0);
    expect(iommu.stdout).toMatch(/skipping: \[src01\]/);

    const s = state();
    for (const h of ['src01', 'dst01', 'src02', 'dst02']) {
      expect(s[h].pfs[0].config.current.VF_MIGRATION_MODE, h).toBe(2);
      expect(s[h].iommu, h).toBe(true);
      expect(s[h].boot.args, h).toEqual(expect.arrayContaining(['intel_iommu=on', 'iommu=pt']));
    }
    // what the hosts themselves show: /proc/cmdline and iommu_groups after the reboot (verify steps read them over SSH)
    expect(iommu.stdout).toMatch(/ok: \[dst02\]/);
    const again = await marshal(['run', PB('enable-iommu'), ...inv, '-e', 'allow_reboot=yes']);
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).not.toContain('changed:');

    const ev = labEvents(dir);
    const reboots = ev.filter((e) => e.event === 'up').map((e) => e.host);
    expect(reboots).toEqual(['src01', 'dst01', 'src02', 'dst02']);
    expect(ev.filter((e) => e.event === 'fw-reset').map((e) => e.host).sort()).toEqual(['dst02', 'src02']);
    expect(downTogether(ev, [['src01', 'dst01'], ['src02', 'dst02']])).toEqual([]);
  }, 600_000);
});
