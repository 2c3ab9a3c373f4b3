/** The state model's transitions, each against the behaviour of the real stack. */
import { describe, it, expect } from 'vitest';
import { testWorld, prepare, XML_VF1, vfXml, expectOk } from './helpers';
import { writeNumVfs, visibleVfs, firmwareReset, compareVersions } from '../src/model/nic';
import { vfAddress } from '../src/model/pci';
import { lookup } from '../src/sysfs';
import { ovsStart } from '../src/model/ovs';

const PF = '0000:e1:00.0';

describe('sriov_numvfs', () => {
  it('creates VFs shortly after the write, with addresses from offset/stride, representors and netdevs', () => {
    const t = testWorld();
    const pf = t.nic('src01').pfs[0]!;
    pf.eswitch = 'switchdev';
    expect(writeNumVfs(pf, '2\n', t.clock.t, 100, () => false)).toBeNull();
    expect(pf.numVfs).toBe(2);
    expect(visibleVfs(pf, t.clock.t)).toEqual([]);
    t.tick(150);
    const vfs = visibleVfs(pf, t.clock.t);
    expect(vfs.map((v) => [v.pci, v.representor, v.netdev, v.driver])).toEqual([
      ['0000:e1:00.1', 'enp225s0npf0vf0', 'enp225s0v0', 'mlx5_core'],
      ['0000:e1:00.2', 'enp225s0npf0vf1', 'enp225s0v1', 'mlx5_core'],
    ]);
  });

  it('same value is a no-op, above total is ERANGE, nonzero to different nonzero is EBUSY, 0 first works', () => {
    const t = testWorld();
    const pf = t.nic('src01').pfs[0]!;
    expect(writeNumVfs(pf, '1', t.clock.t, 100, () => false)).toBeNull();
    t.tick();
    expect(writeNumVfs(pf, '1', t.clock.t, 100, () => false)).toBeNull();
    expect(writeNumVfs(pf, '9', t.clock.t, 100, () => false)).toBe('ERANGE');
    expect(writeNumVfs(pf, '2', t.clock.t, 100, () => false)).toBe('EBUSY');
    expect(pf.numVfs).toBe(1);
    expect(writeNumVfs(pf, 'x', t.clock.t, 100, () => false)).toBe('EINVAL');
    expect(writeNumVfs(pf, '0', t.clock.t, 100, () => false)).toBeNull();
    expect(writeNumVfs(pf, '2', t.clock.t, 100, () => false)).toBeNull();
    t.tick();
    expect(visibleVfs(pf, t.clock.t)).toHaveLength(2);
  });

  it('refuses to remove VFs a running domain holds (EBUSY)', () => {
    const t = testWorld();
    prepare(t, 'src01');
    t.files.set('/root/vf.xml', XML_VF1);
    expectOk(t.run('src01', 'virsh attach-device vm1 vf.xml --live --config'));
    const r = lookup(t.world, `/src01/devices/${PF}/sriov_numvfs`);
    if (!r.ok || r.node.type !== 'file') throw new Error('no sriov_numvfs');
    expect(r.node.write!('0\n')).toBe('EBUSY');
  });

  it('dual-port PF with offset 9: VF0 is 0000:b1:01.2', () => {
    expect(vfAddress('0000:b1:00.1', 9, 1, 0)).toBe('0000:b1:01.2');
    const t = testWorld('dual-port-offset');
    const pf = t.nic('dst01').pfs[0]!;
    expect(pf.pci).toBe('0000:b1:00.1');
    writeNumVfs(pf, '2', t.clock.t, 100, () => false);
    t.tick();
    expect(visibleVfs(pf, t.clock.t).map((v) => v.pci)).toEqual(['0000:b1:01.2', '0000:b1:01.3']);
    expect(visibleVfs(pf, t.clock.t)[0]!.representor).toBe('enp177s0f1npf1vf0');
    const link = lookup(t.world, '/dst01/devices/0000:b1:00.1/virtfn0');
    expect(link.ok && link.node.type === 'link' && link.node.target).toBe('../0000:b1:01.2');
    const phys = lookup(t.world, '/dst01/devices/0000:b1:01.2/physfn');
    expect(phys.ok && phys.node.type === 'link' && phys.node.target).toBe('../0000:b1:00.1');
  });
});

describe('devlink', () => {
  it('lists VF ports only in switchdev mode', () => {
    const t = testWorld();
    const pf = t.nic('src01').pfs[0]!;
    writeNumVfs(pf, '1', t.clock.t, 100, () => false);
    t.tick();
    expect(t.run('src01', 'devlink port show').stdout).not.toContain('pcivf');
    expect(t.run('src01', `devlink port show pci/${PF}/1`).stderr).toBe('kernel answers: No such device\n');
    expectOk(t.run('src01', `devlink dev eswitch set pci/${PF} mode switchdev`));
    expect(t.run('src01', 'devlink port show').stdout).toContain(`pci/${PF}/1: type eth netdev enp225s0npf0vf0 flavour pcivf pfnum 0 vfnum 0`);
    expect(t.run('src01', `devlink dev eswitch show pci/${PF}`).stdout).toBe(`pci/${PF}: mode switchdev inline-mode none encap-mode basic\n`);
  });
});

describe('migratable', () => {
  it('is missing until VF_MIGRATION_MODE is in effect; setting it then fails with the kernel text', () => {
    const t = testWorld('migration-disabled');
    const pf = t.nic('src01').pfs[0]!;
    expectOk(t.run('src01', `devlink dev eswitch set pci/${PF} mode switchdev`));
    writeNumVfs(pf, '1', t.clock.t, 100, () => false);
    t.tick();
    expect(t.run('src01', `devlink port show pci/${PF}/1`).stdout).toContain('hw_addr 00:00:00:00:00:00 roce enable\n');
    expectOk(t.run('src01', 'virsh nodedev-detach pci_0000_e1_00_1 --driver pci-stub'));
    const r = t.run('src01', `devlink port function set pci/${PF}/1 migratable enable`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("Error: mlx5_core: Device doesn't support migration.\nkernel answers: Operation not supported\n");
  });

  it('mstconfig set changes only Next Boot; mstfwreset makes it current (and recreates the driver state)', () => {
    const t = testWorld('migration-disabled');
    const set = t.run('src01', `mstconfig -d ${PF} -y set VF_MIGRATION_MODE=2`);
    expect(set.stdout).toContain('Applying... Done!\n-I- Please reboot machine to load new configurations.\n');
    expect(t.run('src01', `mstconfig -d ${PF} query`).stdout).toContain('        VF_MIGRATION_MODE                           MIGRATION_ENABLED(2)');
    const e = t.run('src01', `mstconfig -d ${PF} -e query`).stdout;
    expect(e).toContain('*        VF_MIGRATION_MODE                   DEVICE_DEFAULT(0) DEVICE_DEFAULT(0) MIGRATION_ENABLED(2)');
    // Still not in effect: devlink has no migratable yet.
    expectOk(t.run('src01', `devlink dev eswitch set pci/${PF} mode switchdev`));
    const pf = t.nic('src01').pfs[0]!;
    writeNumVfs(pf, '1', t.clock.t, 100, () => false);
    t.tick();
    expect(t.run('src01', `devlink port show pci/${PF}/1`).stdout).not.toContain('migratable');
    expect(expectOk(t.run('src01', `mstfwreset -d ${PF} -y reset`)).stdout).toContain('-I- FW was loaded successfully.');
    expect(pf.eswitch).toBe('legacy');
    expect(pf.numVfs).toBe(0);
    prepare(t, 'src01');
    expect(t.run('src01', `devlink port show pci/${PF}/1`).stdout).toContain('migratable enable');
  });

  it('prompts without -y and aborts on no', () => {
    const t = testWorld('migration-disabled');
    const ask = t.runRaw('src01', `mstconfig -d ${PF} set VF_MIGRATION_MODE=2`);
    expect(ask.kind).toBe('ask');
    expect(ask.kind === 'ask' && ask.prompt.endsWith(' Apply new Configuration? (y/n) [n] : ')).toBe(true);
    const no = t.run('src01', `mstconfig -d ${PF} set VF_MIGRATION_MODE=2`, 'n');
    expect(no.stderr).toBe('-E- Aborted by user.\n');
    expect(t.nic('src01').pfs[0]!.config.next.VF_MIGRATION_MODE).toBe(0);
    expectOk(t.run('src01', `mstconfig -d ${PF} set VF_MIGRATION_MODE=2`, 'y'));
    expect(t.nic('src01').pfs[0]!.config.next.VF_MIGRATION_MODE).toBe(2);
  });

  it('cannot be set while the VF is bound to a driver', () => {
    const t = testWorld();
    expectOk(t.run('src01', `devlink dev eswitch set pci/${PF} mode switchdev`));
    writeNumVfs(t.nic('src01').pfs[0]!, '1', t.clock.t, 100, () => false);
    t.tick();
    const r = t.run('src01', `devlink port function set pci/${PF}/1 migratable enable`);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error: mlx5_core: Failed setting HCA migratable cap.\nkernel answers: Device or resource busy\n');
    expectOk(t.run('src01', 'virsh nodedev-detach pci_0000_e1_00_1 --driver pci-stub'));
    expectOk(t.run('src01', `devlink port function set pci/${PF}/1 migratable enable`));
  });

  it('resets to disabled when VFs are recreated', () => {
    const t = testWorld();
    prepare(t, 'src01');
    const pf = t.nic('src01').pfs[0]!;
    expect(pf.vfs[0]!.migratable).toBe(true);
    writeNumVfs(pf, '0', t.clock.t, 100, () => false);
    writeNumVfs(pf, '1', t.clock.t, 100, () => false);
    t.tick();
    expect(t.run('src01', `devlink port show pci/${PF}/1`).stdout).toContain('migratable disable');
  });
});

describe('firmware', () => {
  it('compares versions numerically and reports the running one until reset', () => {
    expect(compareVersions('28.36.1010', '28.40.1000')).toBe(-1);
    expect(compareVersions('28.43.1014', '28.40.1000')).toBe(1);
    const t = testWorld('pending-firmware');
    const q = t.run('dst01', `mstflint -d ${PF} query`).stdout;
    expect(q).toContain('FW Version:            28.43.1014\nFW Version(Running):   28.36.1010\n');
    firmwareReset(t.nic('dst01').pfs[0]!, t.clock.t);
    expect(t.run('dst01', `mstflint -d ${PF} query`).stdout).not.toContain('Running');
  });

  it('old firmware does not list VF_MIGRATION_MODE and refuses to set it', () => {
    const t = testWorld('old-firmware');
    expect(t.run('src01', `mstconfig -d ${PF} q`).stdout).not.toContain('VF_MIGRATION_MODE');
    expect(t.run('src01', `mstconfig -d ${PF} -y set VF_MIGRATION_MODE=2`).stderr).toBe("-E- The Device doesn't support VF_MIGRATION_MODE parameter\n");
  });
});

describe('Open vSwitch', () => {
  it('hw-offload takes effect on restart; settings persist across stop/start', () => {
    const t = testWorld();
    expect(t.run('src01', 'ovs-vsctl show').stderr).toContain('database connection failed');
    expectOk(t.run('src01', 'systemctl start openvswitch'));
    expectOk(t.run('src01', 'ovs-vsctl set Open_vSwitch . other_config:hw-offload=true'));
    const ovs = t.nic('src01').ovs;
    expect(ovs.offloadActive).toBe(false);
    expectOk(t.run('src01', 'systemctl restart openvswitch'));
    expect(ovs.offloadActive).toBe(true);
    expectOk(t.run('src01', 'systemctl stop openvswitch'));
    expect(t.run('src01', 'systemctl is-active openvswitch')).toMatchObject({ stdout: 'inactive\n', code: 3 });
    ovsStart(t.nic('src01').ovs);
    expect(t.run('src01', 'ovs-vsctl get Open_vSwitch . other_config:hw-offload').stdout).toBe('"true"\n');
  });

  it('add-br, --may-exist, br-exists, list-ports, errors as ovs-vsctl prints them', () => {
    const t = testWorld();
    expectOk(t.run('src01', 'systemctl start openvswitch'));
    expectOk(t.run('src01', 'ovs-vsctl add-br br0'));
    expect(t.run('src01', 'ovs-vsctl add-br br0')).toMatchObject({ code: 1, stderr: 'ovs-vsctl: cannot create a bridge named br0 because a bridge named br0 already exists\n' });
    expectOk(t.run('src01', 'ovs-vsctl --may-exist add-br br0'));
    expect(t.run('src01', 'ovs-vsctl br-exists br0').code).toBe(0);
    expect(t.run('src01', 'ovs-vsctl br-exists nope').code).toBe(2);
    expectOk(t.run('src01', 'ovs-vsctl add-port br0 enp225s0np0'));
    expect(t.run('src01', 'ovs-vsctl list-ports br0').stdout).toBe('enp225s0np0\n');
    expect(t.run('src01', 'ovs-vsctl get Open_vSwitch . other_config:nope').stderr).toBe('ovs-vsctl: no key "nope" in Open_vSwitch record "." column other_config\n');
  });

  it('is missing without the package; dnf install brings it', () => {
    const t = testWorld('no-openvswitch');
    expect(t.run('src01', 'ovs-vsctl show').code).toBe(127);
    expect(t.run('src01', 'rpm -q openvswitch')).toMatchObject({ code: 1, stdout: 'package openvswitch is not installed\n' });
    expect(t.run('src01', 'systemctl start openvswitch')).toMatchObject({ code: 5, stderr: 'Failed to start openvswitch.service: Unit openvswitch.service not found.\n' });
    expectOk(t.run('src01', 'dnf install -y openvswitch'));
    expect(t.run('src01', 'rpm -q openvswitch').stdout).toBe('openvswitch-2.17.9-1.el9.x86_64\n');
  });
});

describe('virsh migrate', () => {
  function ready(scenario = 'default') {
    const t = testWorld(scenario);
    prepare(t, 'src01');
    prepare(t, 'dst01');
    t.files.set('/root/vf.xml', XML_VF1);
    expect(expectOk(t.run('src01', 'virsh attach-device vm1 vf.xml --live --config')).stdout).toBe('Device attached successfully\n\n');
    return t;
  }
  const migrate = 'virsh migrate --live --domain vm1 --desturi qemu+ssh://dst01/system';

  it('moves the domain when both ends are prepared; the guest sees its VF and pings', () => {
    const t = ready();
    expect(t.run('vm1-guest01', 'ping -c 1 -I enp7s0 127.99.0.254').code).toBe(0);
    expectOk(t.run('src01', `${migrate} --verbose`));
    expect(t.nic('src01').domains).toEqual([]);
    expect(t.run('dst01', 'virsh list --all').stdout).toContain(' 1    vm1    running');
    expect(t.nic('src01').pfs[0]!.vfs[0]!.driver).toBe('mlx5_core');
    expect(t.nic('dst01').pfs[0]!.vfs[0]!.driver).toBe('mlx5_vfio_pci');
    expect(t.run('vm1-guest01', 'ip -br link').stdout).toContain('enp7s0           UP             52:54:00:56:8c:f7');
    expect(t.run('vm1-guest01', 'ping -c 3 -I enp7s0 127.99.0.254').stdout).toContain('3 packets transmitted, 3 received, 0% packet loss');
    // Breaking the destination's datapath afterwards breaks the guest's traffic.
    expectOk(t.run('dst01', 'ovs-vsctl del-port ovs-sriov enp225s0npf0vf0'));
    expect(t.run('vm1-guest01', 'ping -c 3 -I enp7s0 127.99.0.254')).toMatchObject({ code: 1 });
  });

  it('refuses --postcopy', () => {
    const t = ready();
    expect(t.run('src01', `${migrate} --postcopy`).stderr).toBe('error: cannot migrate domain: VFIO migration is not supported with postcopy migration\n');
    expect(t.nic('src01').domains).toHaveLength(1);
  });

  it('refuses a vIOMMU domain', () => {
    const t = ready();
    t.nic('src01').domains[0]!.viommu = true;
    expect(t.run('src01', 'virsh dumpxml vm1').stdout).toContain("<iommu model='intel'>");
    expect(t.run('src01', migrate).stderr).toBe('error: cannot migrate domain: 0000:e1:00.1: Migration is currently not supported with vIOMMU enabled\n');
  });

  it('refuses a VF not on mlx5_vfio_pci', () => {
    const t = testWorld();
    prepare(t, 'src01');
    prepare(t, 'dst01');
    t.nic('src01').libvirtVariantDriver = false;
    t.files.set('/root/vf.xml', XML_VF1);
    expectOk(t.run('src01', 'virsh attach-device vm1 vf.xml --live --config'));
    expect(t.run('src01', 'lspci -k -s 0000:e1:00.1').stdout).toContain('Kernel driver in use: vfio-pci');
    expect(t.run('src01', migrate).stderr).toBe('error: cannot migrate domain: 0000:e1:00.1: VFIO migration is not supported in kernel\n');
  });

  it('refuses more than 4 migrating VFs per PF', () => {
    const t = testWorld();
    prepare(t, 'src01', 5);
    prepare(t, 'dst01', 5);
    const d = t.nic('src01').domains[0]!;
    for (let i = 1; i <= 5; i++) {
      t.files.set(`/root/vf${i}.xml`, vfXml(`0000:e1:00.${i}`, `52:54:00:00:00:0${i}`));
      expectOk(t.run('src01', `virsh attach-device vm1 vf${i}.xml --live`));
    }
    expect(d.hostdevs).toHaveLength(5);
    expect(t.run('src01', migrate).stderr).toBe(
      "error: internal error: unable to execute QEMU command 'migrate': 0000:e1:00.5: Failed to start DMA logging, err -28 (No space left on device)\n",
    );
    // With 4 the same move succeeds.
    expectOk(t.run('src01', 'virsh detach-device vm1 vf5.xml --live'));
    expectOk(t.run('src01', migrate));
  });

  it('refuses when the destination is not prepared, naming what is missing', () => {
    const t = testWorld();
    prepare(t, 'src01');
    t.files.set('/root/vf.xml', XML_VF1);
    expectOk(t.run('src01', 'virsh attach-device vm1 vf.xml --live --config'));
    expect(t.run('src01', migrate).stderr).toBe('error: Device 0000:e1:00.1 not found: could not access /sys/bus/pci/devices/0000:e1:00.1/config: No such file or directory\n');
    prepare(t, 'dst01');
    expectOk(t.run('dst01', 'ovs-vsctl del-port ovs-sriov enp225s0npf0vf0'));
    expect(t.run('src01', migrate).stderr).toBe('error: operation failed: destination host dst01 is not prepared: the representor enp225s0npf0vf0 is not on bridge ovs-sriov\n');
    expect(t.run('src01', 'virsh migrate --live --domain vm1 --desturi qemu+ssh://nowhere/system').stderr).toContain('Could not resolve hostname nowhere');
  });
});

describe('sysfs view', () => {
  it('shows driver, physfn and iommu groups; empty groups with the IOMMU off', () => {
    const t = testWorld('iommu-off');
    writeNumVfs(t.nic('src01').pfs[0]!, '1', t.clock.t, 100, () => false);
    t.tick();
    const drv = lookup(t.world, '/src01/devices/0000:e1:00.1/driver');
    expect(drv.ok && drv.node.type === 'link' && drv.node.target).toBe('../../drivers/mlx5_core');
    const on = lookup(t.world, '/src01/iommu_groups');
    const off = lookup(t.world, '/dst01/iommu_groups');
    expect(on.ok && on.node.type === 'dir' && on.node.entries.size).toBe(2);
    expect(off.ok && off.node.type === 'dir' && off.node.entries.size).toBe(0);
  });
});
