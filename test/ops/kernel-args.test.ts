import { describe, expect, it } from 'vitest';
import { applyArgs, argChanges, editGrubDefault, grubbyCommand, kernelArgs, missingFromCmdline, mkconfigCommand, parseBootArgs, pendingChanges } from '../../src/ops/kernel-args';
import { parseCmdline } from '../../src/facts/system';
import { playbook } from '../../src/dsl/playbook';
import { runPlaybook } from '../../src/scheduler/run';
import { isPlaybookError } from '../../src/errors';
import { FakeConnection, memoryInventory } from '../support/fake';

// grubby --info=ALL on RHEL 9.5 (BLS entries; hand-written after grubby's print_entry format)
const GRUBBY = `index=0
kernel="/boot/vmlinuz-5.14.0-503.11.1.el9_5.x86_64"
args="ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rhgb quiet $tuned_params"
root="/dev/mapper/rhel-root"
initrd="/boot/initramfs-5.14.0-503.11.1.el9_5.x86_64.img $tuned_initrd"
title="Red Hat Enterprise Linux (5.14.0-503.11.1.el9_5.x86_64) 9.5 (Plow)"
id="ffffffffffffffffffffffffffffffff-5.14.0-503.11.1.el9_5.x86_64"
index=1
kernel="/boot/vmlinuz-0-rescue-ffffffffffffffffffffffffffffffff"
args="ro crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root rhgb quiet intel_iommu=on"
root="/dev/mapper/rhel-root"
`;

const DEBIAN_GRUB = `GRUB_DEFAULT=0
GRUB_TIMEOUT=5
GRUB_DISTRIBUTOR=\`lsb_release -i -s 2> /dev/null || echo Debian\`
GRUB_CMDLINE_LINUX_DEFAULT="quiet"
GRUB_CMDLINE_LINUX="console=ttyS0 iommu=off"
`;

describe('kernelArgs pieces', () => {
  it('parses grubby --info=ALL entries (template variables dropped) and /etc/default/grub', () => {
    const g = parseBootArgs(`grubby\n${GRUBBY}`);
    expect(g).toMatchObject({ tool: 'grubby', entries: [{ kernel: '/boot/vmlinuz-5.14.0-503.11.1.el9_5.x86_64' }, { kernel: expect.stringContaining('rescue') }] });
    if (g.tool !== 'grubby') throw new Error('grubby');
    expect(g.entries[0]!.args).toContain('crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M');
    expect(g.entries[0]!.args).not.toContain('$tuned_params');
    const d = parseBootArgs(`grub update-grub\n${DEBIAN_GRUB}`);
    expect(d).toMatchObject({ tool: 'grub', mkconfig: 'update-grub', args: ['console=ttyS0', 'iommu=off'] });
    expect(() => parseBootArgs('something else\n')).toThrow(/neither grubby nor a GRUB config tool/);
  });

  it('decides what to add and remove: a key with another value counts as missing', () => {
    expect(argChanges(['ro', 'iommu=off'], ['intel_iommu=on', 'iommu=pt'], [])).toEqual({ add: ['intel_iommu=on', 'iommu=pt'], del: [] });
    expect(argChanges(['ro', 'intel_iommu=on', 'iommu=pt'], ['intel_iommu=on', 'iommu=pt'], ['rhgb'])).toEqual({ add: [], del: [] });
    expect(argChanges(['quiet', 'rhgb'], [], ['rhgb', 'nomodeset=1'])).toEqual({ add: [], del: ['rhgb'] });
    expect(applyArgs(['ro', 'iommu=off', 'quiet', 'iommu=soft'], ['iommu=pt', 'intel_iommu=on'], ['quiet'])).toEqual(['ro', 'iommu=pt', 'intel_iommu=on']);
  });

  it('edits GRUB_CMDLINE_LINUX in place, or appends it', () => {
    const out = editGrubDefault(DEBIAN_GRUB, applyArgs(['console=ttyS0', 'iommu=off'], ['iommu=pt'], []));
    expect(out).toContain('GRUB_CMDLINE_LINUX="console=ttyS0 iommu=pt"\n');
    expect(out).toContain('GRUB_CMDLINE_LINUX_DEFAULT="quiet"');
    expect(editGrubDefault('GRUB_TIMEOUT=5', ['iommu=pt'])).toBe('GRUB_TIMEOUT=5\nGRUB_CMDLINE_LINUX="iommu=pt"\n');
  });

  it('builds quoted grubby and mkconfig commands', () => {
    expect(grubbyCommand(['intel_iommu=on', 'iommu=pt'], ['rhgb']).text).toBe("grubby --update-kernel=ALL --args='intel_iommu=on iommu=pt' --remove-args=rhgb");
    expect(mkconfigCommand('grub2-mkconfig').text).toBe('grub2-mkconfig -o /boot/grub2/grub.cfg');
    expect(mkconfigCommand('update-grub').text).toBe('update-grub');
  });

  it('says which entries lack what, and what /proc/cmdline lacks', () => {
    const g = parseBootArgs(`grubby\n${GRUBBY}`);
    expect(pendingChanges(g, ['intel_iommu=on', 'iommu=pt'], ['quiet'])).toEqual([
      '/boot/vmlinuz-5.14.0-503.11.1.el9_5.x86_64: +intel_iommu=on +iommu=pt -quiet',
      '/boot/vmlinuz-0-rescue-ffffffffffffffffffffffffffffffff: +iommu=pt -quiet',
    ]);
    expect(missingFromCmdline(parseCmdline('BOOT_IMAGE=/vmlinuz ro intel_iommu=on\n'), ['intel_iommu=on', 'iommu=pt'])).toEqual(['iommu=pt']);
  });

  it('bad options are usage errors naming kernelArgs()', () => {
    for (const bad of [{}, { args: 'iommu=pt' }, { args: ['a b'] }, { args: ['iommu=pt'], remove: ['iommu'] }, { args: ["x';reboot"] }]) {
      let err: unknown;
      try {
        kernelArgs(bad as never);
      } catch (e) {
        err = e;
      }
      expect(isPlaybookError(err), JSON.stringify(bad)).toBe(true);
      expect((err as Error).message).toMatch(/^kernelArgs\(\): /);
    }
  });
});

describe('ops.kernelArgs with grubby', () => {
  it('adds the arguments to every entry once, notes the reboot, and is ok the second time', async () => {
    let entries = GRUBBY;
    const commands: string[] = [];
    const conn = new FakeConnection({ name: 'h1', transport: 'ssh', host: 'h1' }, (_h, cmd) => {
      commands.push(cmd);
      if (cmd.startsWith('if command -v grubby')) return { stdout: `grubby\n${entries}` };
      if (cmd.startsWith('grubby --update-kernel=ALL')) {
        entries = entries.replace(/^args="(.*)"$/gm, (_m, a: string) => `args="${applyArgs(a.split(' '), ['intel_iommu=on', 'iommu=pt'], []).join(' ')}"`);
        return {};
      }
      if (cmd.includes('/proc/cmdline')) return { stdout: 'BOOT_IMAGE=/vmlinuz ro quiet\n' };
      return { exitCode: 1, stderr: `unexpected ${cmd}` };
    });
    const pb = playbook({ name: 'k', hosts: 'all', steps: [kernelArgs({ args: ['intel_iommu=on', 'iommu=pt'] })] });
    const go = () => runPlaybook({ playbook: pb, inventory: memoryInventory({ web: { h1: {} } }), connect: async () => conn });
    const first = await go();
    expect(first.results[0], JSON.stringify(first.results[0])).toMatchObject({ status: 'changed' });
    expect(commands.filter((c) => c.startsWith('grubby --update-kernel'))).toEqual(["grubby --update-kernel=ALL --args='intel_iommu=on iommu=pt'"]);
    expect(first.results[0]!.notes.join('\n')).toContain("the running kernel's /proc/cmdline lacks intel_iommu=on iommu=pt: a reboot is needed");
    const second = await go();
    expect(second.results[0]!.status).toBe('ok');
  });
});
