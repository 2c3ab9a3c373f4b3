/** Simulated tools print exactly the reference samples (device-outputs.md) for the same state. */
import { describe, it, expect } from 'vitest';
import { testWorld, referenceBlock, referenceText, prepare, expectOk } from './helpers';
import { writeNumVfs } from '../src/model/nic';

const PF = '0000:e1:00.0';

/** The host state the reference captures describe. */
function sampleWorld() {
  const t = testWorld();
  const pf = t.nic('src01').pfs[0]!;
  pf.baseMac = 'e09d73126744';
  pf.baseGuid = 'e09d730300126744';
  t.nic('src01').ovs.uuid = '32549dde-d67b-430c-b183-980a32143c8f';
  return t;
}

describe('reference samples', () => {
  it('mstflint query', () => {
    const t = sampleWorld();
    expect(t.run('src01', `mstflint -d ${PF} query`).stdout).toBe(referenceBlock('## mstflint -d <pf_pci> query'));
  });

  it('mstconfig query (and mlxconfig, and q)', () => {
    const t = sampleWorld();
    const want = referenceBlock('## mstconfig -d <pf_pci> query');
    expect(t.run('src01', `mstconfig -d ${PF} query`).stdout).toBe(want);
    expect(t.run('src01', `mlxconfig -d ${PF} q`).stdout).toBe(want);
  });

  it('mstconfig -e query: three columns, * on a pending value', () => {
    const t = testWorld('migration-pending');
    const block = referenceBlock('With `-e` the table has three columns').trimEnd().split('\n');
    const out = t.run('dst01', `mstconfig -d ${PF} -e query`).stdout.split('\n');
    for (const line of block) expect(out).toContain(line);
  });

  it('devlink eswitch and port show', () => {
    const t = sampleWorld();
    const md = referenceText();
    expect(md).toContain(`pci/${PF}: mode legacy inline-mode link encap-mode basic`);
    expect(md).toContain(t.run('src01', `devlink dev eswitch show pci/${PF}`).stdout.trimEnd());
    prepare(t, 'src01');
    t.nic('src01').pfs[0]!.vfs[0]!.migratable = false;
    const block = referenceBlock('## devlink');
    expect(block).toContain(`$ devlink dev eswitch show pci/${PF}\n${t.run('src01', `devlink dev eswitch show pci/${PF}`).stdout}`);
    expect(block).toContain(`$ devlink port show pci/${PF}/1\n${t.run('src01', `devlink port show pci/${PF}/1`).stdout}`);
    expect(block).toContain(`$ devlink port show pci/${PF}/65535\n${t.run('src01', `devlink port show pci/${PF}/65535`).stdout}`);
    t.nic('src01').pfs[0]!.vfs[0]!.migratable = true;
    expect(JSON.parse(t.run('src01', `devlink port show pci/${PF}/1 -j`).stdout).port[`pci/${PF}/1`].function).toEqual({ hw_addr: '00:00:00:00:00:00', roce: 'enable', migratable: 'enable' });
  });

  it('ovs-vsctl show and get other_config', () => {
    const t = sampleWorld();
    prepare(t, 'src01');
    expectOk(t.run('src01', 'ovs-vsctl set Open_vSwitch . other_config:max-idle=300000'));
    const block = referenceBlock('## Open vSwitch');
    const show = block.slice(block.indexOf('$ ovs-vsctl show\n') + 17, block.indexOf('$ ovs-vsctl get'));
    // ovs-vsctl lists ports in hash order (effectively arbitrary): compare the frame exactly, the port blocks as a set.
    const split = (s: string) => {
      const lines = s.split('\n');
      const ports = s.split(/\n(?=        Port )/).slice(1).map((b) => b.replace(/\n    ovs_version.*$/s, ''));
      return { head: lines.slice(0, 2), tail: lines.slice(-2), ports: ports.sort() };
    };
    expect(split(t.run('src01', 'ovs-vsctl show').stdout)).toEqual(split(show));
    expect(block).toContain(`$ ovs-vsctl get Open_vSwitch . other_config\n${t.run('src01', 'ovs-vsctl get Open_vSwitch . other_config').stdout}`);
  });

  it('lshw -c network -businfo: header, rule and columns as the real capture', () => {
    const t = sampleWorld();
    prepare(t, 'src01');
    expectOk(t.run('src01', 'virsh nodedev-reattach pci_0000_e1_00_1'));
    const ref = referenceBlock('`lshw -c network -businfo` (real').split('\n');
    const out = t.run('src01', 'lshw -c network -businfo').stdout.split('\n');
    expect(out.slice(0, 2)).toEqual(ref.slice(0, 2));
    const cols = (l: string) => [...l.matchAll(/(?<=^|\s)\S/g)].map((m) => m.index).slice(0, 4);
    expect(cols(out[2]!)).toEqual(cols(ref[2]!));
    expect(out.slice(2, 5)).toEqual([
      'pci@0000:e1:00.0  enp225s0np0     network        MT2910 Family [ConnectX-7]',
      'pci@0000:e1:00.1  enp225s0v0      network        ConnectX Family mlx5Gen Virtual Function',
      'pci@0000:e1:00.0  enp225s0npf0vf0 network        Ethernet interface',
    ]);
  });

  it('lspci -D -d 15b3: and -k', () => {
    const t = sampleWorld();
    writeNumVfs(t.nic('src01').pfs[0]!, '1', t.clock.t, 100, () => false);
    t.tick();
    const md = referenceText();
    const lines = t.run('src01', 'lspci -D -d 15b3:').stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(md).toContain(l);
    prepare(t, 'src01');
    t.files.set('/root/vf.xml', "<interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0xe1' slot='0x00' function='0x1'/></source></interface>");
    expectOk(t.run('src01', 'virsh attach-device vm1 vf.xml --live'));
    const k = t.run('src01', 'lspci -k -s 0000:e1:00.1').stdout;
    expect(k).toContain('\tKernel driver in use: mlx5_vfio_pci\n\tKernel modules: mlx5_core\n');
  });

  it('virsh messages', () => {
    const t = sampleWorld();
    prepare(t, 'src01', 0);
    writeNumVfs(t.nic('src01').pfs[0]!, '1', t.clock.t, 100, () => false);
    t.tick();
    const md = referenceText();
    const detach = t.run('src01', 'virsh nodedev-detach pci_0000_e1_00_1 --driver pci-stub').stdout;
    expect(md).toContain(`\`${detach.trimEnd()}\``);
    t.files.set('/root/mlx_vf.xml', "<interface type='hostdev' managed='yes'><source><address type='pci' domain='0x0000' bus='0xe1' slot='0x00' function='0x1'/></source></interface>");
    expect(md).toContain(`\`${t.run('src01', 'virsh attach-device vm1 mlx_vf.xml --live --config').stdout.trimEnd()}\``);
    expect(md).toContain('`ovs-vsctl: cannot create a bridge named br0 because a bridge named br0 already exists`');
  });
});
