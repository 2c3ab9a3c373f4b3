/** The boot model and its tools without processes: grubby, reboot, what a boot applies, the event hook. */
import { describe, expect, it } from 'vitest';
import { testWorld, expectOk, prepare } from './helpers';
import { procCmdline, bootOf } from '../src/model/boot';

describe('lab boots', () => {
  it('grubby --update-kernel=ALL --args changes the next boot only; a reboot applies it with a new boot id and IOMMU groups', () => {
    const t = testWorld('iommu-off');
    const dst = t.nic('dst01');
    expect(dst.iommu).toBe(false);
    const id = bootOf(dst).id;
    expectOk(t.run('dst01', 'grubby --update-kernel=ALL --args=intel_iommu=on'));
    expectOk(t.run('dst01', 'grubby --update-kernel=ALL --args=iommu=pt'));
    expect(t.run('dst01', 'grubby --info=ALL').stdout).toMatch(/^args=".* intel_iommu=on iommu=pt"$/m);
    expect(procCmdline(dst)).not.toContain('intel_iommu=on');
    expect(t.run('dst01', 'grubby --info=/boot/vmlinuz-nope')).toMatchObject({ code: 1, stderr: 'The param /boot/vmlinuz-nope is incorrect\n' });
    expectOk(t.run('dst01', 'systemctl reboot --message=x'));
    expect(bootOf(dst).id).not.toBe(id);
    expect(procCmdline(dst)).toMatch(/ intel_iommu=on iommu=pt\n$/);
    expect(dst.iommu).toBe(true);
  });

  it('a reboot applies Next Boot firmware config and resets VFs, switchdev and running domains; events are reported', () => {
    const t = testWorld('migration-pending');
    const seen: string[] = [];
    t.world.event = (host, event, detail) => void seen.push(`${host} ${event}${detail ? ` ${detail}` : ''}`);
    prepare(t, 'src01');
    const src = t.nic('src01');
    expect(src.pfs[0]!.eswitch).toBe('switchdev');
    expectOk(t.run('src01', 'reboot'));
    expect(src.pfs[0]!.eswitch).toBe('legacy');
    expect(src.pfs[0]!.numVfs).toBe(0);
    expect(src.domains.every((d) => d.state === 'shut off')).toBe(true);
    expect(src.ovs.running).toBe(true);
    const dst = t.nic('dst01');
    expect(dst.pfs[0]!.config.current.VF_MIGRATION_MODE).toBe(0);
    expectOk(t.run('dst01', 'shutdown -r now'));
    expect(dst.pfs[0]!.config.current.VF_MIGRATION_MODE).toBe(2);
    expect(t.run('dst01', 'shutdown -h now')).toMatchObject({ code: 1, stderr: expect.stringContaining('no poweroff or halt') });
    expectOk(t.run('dst01', `mstfwreset -d ${dst.pfs[0]!.pci} -y reset`));
    expect(seen).toEqual(['src01 reboot reboot', 'dst01 reboot shutdown -r now', `dst01 fw-reset ${dst.pfs[0]!.pci}`]);
  });
});
