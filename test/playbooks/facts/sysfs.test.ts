import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Command, Fact } from 'marshal';
import {
  allNetdevs,
  iommu,
  parseCmdline,
  parseDriver,
  parseIommu,
  parseNetdevs,
  parseSriov,
  parseVfAddress,
  parseVirtFns,
  pciDriver,
  pciNetdevs,
  physfn,
  representorNetdev,
  sriov,
  sriovNumVfs,
  uplinkNetdev,
  vfAddress,
  vfAddresses,
} from '../../../playbooks/lib/facts';

describe('sysfs parsers', () => {
  it('reads the four SR-IOV numbers from grep -H', () => {
    const out = [
      '/sys/bus/pci/devices/0000:e1:00.0/sriov_totalvfs:8',
      '/sys/bus/pci/devices/0000:e1:00.0/sriov_numvfs:1',
      '/sys/bus/pci/devices/0000:e1:00.0/sriov_offset:1',
      '/sys/bus/pci/devices/0000:e1:00.0/sriov_stride:1',
      '',
    ].join('\n');
    expect(parseSriov(out)).toEqual({ totalVfs: 8, numVfs: 1, offset: 1, stride: 1 });
    expect(() => parseSriov(out.replace(/^.*sriov_stride.*\n/m, ''))).toThrow(/missing sriov_stride/);
    expect(() => parseSriov(out.replace(':8', ':eight'))).toThrow(/sriov_totalvfs is not a whole number: "eight"/);
    expect(() => parseSriov(`${out}grep: x: No such file or directory\n`)).toThrow(/unexpected line: "grep: x/);
    expect(sriovNumVfs.parse('1\n', 0, '')).toBe(1);
    expect(() => sriovNumVfs.parse('', 0, '')).toThrow('sysfs.sriov_numvfs: empty output');
  });

  it('takes VF addresses from link targets, never computing them', () => {
    // Dual-port PF1 b1:00.1 with offset 9: VF0 is b1:01.2 (from the reference).
    expect(parseVfAddress('/sys/devices/pci0000:b0/0000:b0:02.0/0000:b1:01.2\n', 0)).toBe('0000:b1:01.2');
    expect(parseVfAddress('', 1)).toBeNull();
    expect(() => parseVfAddress('/sys/bus/pci/devices/0000:e1:00.0/virtfn0\n', 0)).toThrow(/does not end in a PCI address/);
    expect(parseVirtFns('virtfn1 ../0000:37:00.2\nvirtfn0 ../0000:37:00.1\n')).toEqual([
      { index: 0, address: '0000:37:00.1' },
      { index: 1, address: '0000:37:00.2' },
    ]);
    expect(parseVirtFns('')).toEqual([]);
    expect(() => parseVirtFns('physfn ../0000:37:00.0\n')).toThrow(/unexpected line: "physfn/);
  });

  it('names the bound driver, or none', () => {
    expect(parseDriver('/sys/bus/pci/drivers/mlx5_vfio_pci\n')).toBe('mlx5_vfio_pci');
    expect(parseDriver('')).toBeNull();
    expect(() => parseDriver('/sys/devices/pci0000:e0/0000:e1:00.1\n')).toThrow(/not a driver link target/);
  });

  it('reads tab-separated netdev rows and finds uplink and representor', () => {
    const rows = parseNetdevs(
      [
        'enp225s0np0\t0000:e1:00.0\tp0\te09d73126744',
        'enp225s0npf0vf0\t0000:e1:00.0\tpf0vf0\te09d73126744',
        'enp225s0v0\t0000:e1:00.1\t\t',
        'lo\t\t\t',
        '',
      ].join('\n'),
    );
    expect(rows[3]).toEqual({ name: 'lo' });
    expect(uplinkNetdev(rows, '0000:e1:00.0')?.name).toBe('enp225s0np0');
    expect(representorNetdev(rows, '0000:e1:00.0', 0)?.name).toBe('enp225s0npf0vf0');
    expect(representorNetdev(rows, '0000:e1:00.0', 1)).toBeUndefined();
    // Legacy mode: no port names, the PF's one netdev is its uplink and there are no representors.
    const legacy = parseNetdevs('enp225s0np0\t0000:e1:00.0\t\t\n');
    expect(uplinkNetdev(legacy, '0000:e1:00.0')?.name).toBe('enp225s0np0');
    expect(representorNetdev(legacy, '0000:e1:00.0')).toBeUndefined();
    expect(() => parseNetdevs('enp225s0np0 0000:e1:00.0 p0\n')).toThrow(/expected 4 tab-separated fields/);
  });

  it('reads the kernel command line and IOMMU groups', () => {
    const s = parseIommu('BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-427.el9.x86_64 root=/dev/mapper/rhel-root ro intel_iommu=on iommu=pt quiet\niommu_groups=57\n');
    expect(s).toMatchObject({ groups: 57, enabled: true, intelIommu: 'on', iommu: 'pt' });
    expect(s.params.find((p) => p.key === 'quiet')).toEqual({ key: 'quiet' });
    expect(parseIommu('ro quiet\niommu_groups=0\n')).toMatchObject({ groups: 0, enabled: false });
    expect(parseIommu('ro intel_iommu=on intel_iommu=off\niommu_groups=0\n').intelIommu).toBe('off');
    expect(parseCmdline('a="b c" d')).toEqual([{ key: 'a', value: 'b c' }, { key: 'd' }]);
    expect(() => parseIommu('ro quiet\n')).toThrow(/got 1 line/);
    expect(() => parseIommu('ro\ngroups: 5\n')).toThrow(/expected "iommu_groups=<n>"/);
  });
});

/** Run a fact's command under sh, with /sys and /proc moved under `root`, and parse it. */
function run<T>(fact: Fact<T, any[]>, cmd: Command, root?: string): { value?: T; exitCode: number; stderr: string } {
  const text = root === undefined ? cmd.text : cmd.text.replace(/\/(sys|proc)\//g, `${root}/$1/`);
  const r = spawnSync('sh', ['-c', text], { encoding: 'utf8' });
  const exitCode = r.status ?? -1;
  const ok = (fact.okExitCodes ?? [0]).includes(exitCode);
  return { exitCode, stderr: r.stderr, ...(ok && { value: fact.parse(r.stdout, exitCode, r.stderr) }) };
}

describe('sysfs commands run under sh against a fake sysfs tree', () => {
  let root = '';
  const file = (p: string, content: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content);
  };
  const link = (p: string, target: string) => {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    symlinkSync(target, join(root, p));
  };
  const PFDIR = 'sys/devices/pci0000:e0/0000:e0:01.1/0000:e1:00.0';
  const VFDIR = 'sys/devices/pci0000:e0/0000:e0:01.1/0000:e1:00.1';

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'marshal-sysfs-'));
    file(`${PFDIR}/sriov_totalvfs`, '8\n');
    file(`${PFDIR}/sriov_numvfs`, '1\n');
    file(`${PFDIR}/sriov_offset`, '1\n');
    file(`${PFDIR}/sriov_stride`, '1\n');
    link(`${PFDIR}/virtfn0`, '../0000:e1:00.1');
    mkdirSync(join(root, 'sys/bus/pci/drivers/mlx5_core'), { recursive: true });
    link(`${PFDIR}/driver`, '../../../../bus/pci/drivers/mlx5_core');
    file(`${VFDIR}/vendor`, '0x15b3\n');
    link(`${VFDIR}/physfn`, '../0000:e1:00.0');
    link('sys/bus/pci/devices/0000:e1:00.0', '../../../devices/pci0000:e0/0000:e0:01.1/0000:e1:00.0');
    link('sys/bus/pci/devices/0000:e1:00.1', '../../../devices/pci0000:e0/0000:e0:01.1/0000:e1:00.1');
    for (const [name, port] of [
      ['enp225s0np0', 'p0'],
      ['enp225s0npf0vf0', 'pf0vf0'],
    ] as const) {
      file(`${PFDIR}/net/${name}/phys_port_name`, `${port}\n`);
      file(`${PFDIR}/net/${name}/phys_switch_id`, 'e09d73126744\n');
      link(`${PFDIR}/net/${name}/device`, '../../../0000:e1:00.0');
      link(`sys/class/net/${name}`, `../../devices/pci0000:e0/0000:e0:01.1/0000:e1:00.0/net/${name}`);
    }
    file('sys/devices/virtual/net/lo/mtu', '65536\n');
    link('sys/class/net/lo', '../../devices/virtual/net/lo');
    file('proc/cmdline', 'BOOT_IMAGE=/vmlinuz ro intel_iommu=on iommu=pt\n');
    for (const g of ['0', '1', '2']) mkdirSync(join(root, 'sys/kernel/iommu_groups', g), { recursive: true });
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('sriov, vfAddress, vfAddresses, physfn', () => {
    expect(run(sriov, sriov.command('0000:e1:00.0'), root).value).toEqual({ totalVfs: 8, numVfs: 1, offset: 1, stride: 1 });
    expect(run(vfAddress, vfAddress.command('0000:e1:00.0'), root).value).toBe('0000:e1:00.1');
    expect(run(vfAddress, vfAddress.command('0000:e1:00.0', 1), root)).toMatchObject({ exitCode: 1, value: null });
    expect(run(vfAddresses, vfAddresses.command('0000:e1:00.0'), root).value).toEqual([{ index: 0, address: '0000:e1:00.1' }]);
    expect(run(physfn, physfn.command('0000:e1:00.1'), root).value).toBe('0000:e1:00.0');
    expect(run(physfn, physfn.command('0000:e1:00.0'), root).value).toBeNull();
  });

  it('pciDriver: bound, unbound, and a missing device fails', () => {
    expect(run(pciDriver, pciDriver.command('0000:e1:00.0'), root).value).toBe('mlx5_core');
    expect(run(pciDriver, pciDriver.command('0000:e1:00.1'), root).value).toBeNull();
    const missing = run(pciDriver, pciDriver.command('0000:e1:00.7'), root);
    expect(missing.exitCode).not.toBe(0);
    expect(missing.value).toBeUndefined();
    expect(missing.stderr).toMatch(/0000:e1:00\.7/);
  });

  it('netdevs of the PF and of the host, and representor discovery', () => {
    const pfNets = run(pciNetdevs, pciNetdevs.command('0000:e1:00.0'), root).value!;
    expect(pfNets.map((n) => n.name).sort()).toEqual(['enp225s0np0', 'enp225s0npf0vf0']);
    const all = run(allNetdevs, allNetdevs.command(), root).value!;
    expect(all.find((n) => n.name === 'lo')).toEqual({ name: 'lo' });
    expect(uplinkNetdev(all, '0000:e1:00.0')).toEqual({
      name: 'enp225s0np0',
      device: '0000:e1:00.0',
      pci: '0000:e1:00.0',
      physPortName: 'p0',
      physSwitchId: 'e09d73126744',
    });
    expect(representorNetdev(all, '0000:e1:00.0', 0)?.name).toBe('enp225s0npf0vf0');
  });

  it('iommu', () => {
    expect(run(iommu, iommu.command(), root).value).toMatchObject({ groups: 3, enabled: true, intelIommu: 'on', iommu: 'pt' });
  });

  it('the unmodified host commands run and parse on this machine (read-only)', () => {
    const nets = run(allNetdevs, allNetdevs.command());
    expect(nets.exitCode).toBe(0);
    expect(nets.value?.some((n) => n.name === 'lo')).toBe(true);
    const io = run(iommu, iommu.command());
    expect(io.exitCode).toBe(0);
    expect(io.value?.cmdline).toBe(execFileSync('cat', ['/proc/cmdline'], { encoding: 'utf8' }).trim());
  });
});
