/**
 * The lab over real SSH: simulated tools print the reference samples, sysfs writes fail with
 * the kernel's errno, hosts are isolated, the whole procedure and a live migration work,
 * and the scenario faults (hang, dropped connection) happen.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, writeFileSync, rmSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { labUp, labDown, labStatus } from '../src';
import { readInventory, ssh, type LabInventoryHost } from './ssh';
import { referenceBlock } from './helpers';
import { labTestNet } from './net';

const PF = '0000:e1:00.0';
const SYS = `/sys/bus/pci/devices/${PF}`;
const NET = labTestNet();

let root: string;
let dir: string;
let hosts: Record<string, LabInventoryHost>;
const realPci = existsSync('/sys/bus/pci/devices') ? readdirSync('/sys/bus/pci/devices') : [];

beforeAll(async () => {
  root = mkdtempSync('/var/tmp/marshal-lab-e2e-');
  dir = join(root, 'lab');
  const scenario = join(root, 'e2e.yml');
  writeFileSync(
    scenario,
    [
      'source:',
      '  domains: [{ name: vm1 }]',
      'hosts:',
      '  src01:',
      '    pf: { baseMac: e09d73126744 }',
      '  dst02:',
      '    faults: { hang: [mstfwreset], drop: [ovs-vsctl add-port] }',
      '',
    ].join('\n'),
  );
  await labUp({ dir, scenario, pairs: 2, net: NET });
  hosts = readInventory(join(dir, 'inventory.yml'));
});

afterAll(async () => {
  if (dir) await labDown({ dir });
  if (root) rmSync(root, { recursive: true, force: true });
});

const on = (h: string, cmd: string, input?: string) => ssh(hosts[h]!, cmd, input);

/** Polls like a playbook must: VFs appear shortly after the write. */
const waitVf = `for i in $(seq 50); do [ -e ${SYS}/virtfn0 ] && break; sleep 0.05; done`;

describe('lab over SSH', () => {
  it('prints the reference samples for the same state', async () => {
    expect((await on('src01', `mstflint -d ${PF} query`)).stdout).toBe(referenceBlock('## mstflint -d <pf_pci> query'));
    expect((await on('src01', `mstconfig -d ${PF} query`)).stdout).toBe(referenceBlock('## mstconfig -d <pf_pci> query'));
    expect((await on('src01', `devlink dev eswitch show pci/${PF}`)).stdout).toBe(`pci/${PF}: mode legacy inline-mode link encap-mode basic\n`);
    expect((await on('src01', 'uname -m')).stdout).toBe('x86_64\n');
    expect((await on('src01', 'rpm -q mstflint openvswitch')).stdout).toBe('mstflint-4.28.0-1.el9.x86_64\nopenvswitch-2.17.9-1.el9.x86_64\n');
    expect((await on('src01', 'grep -o intel_iommu=on /proc/cmdline')).stdout).toBe('intel_iommu=on\n');
  });

  it('sysfs writes fail with the kernel errno: EBUSY, ERANGE', async () => {
    const r = await on('dst01', `echo 1 > ${SYS}/sriov_numvfs && ${waitVf} && readlink ${SYS}/virtfn0 && readlink ${SYS}/virtfn0/physfn; echo 2 > ${SYS}/sriov_numvfs; echo 9 > ${SYS}/sriov_numvfs; cat ${SYS}/sriov_numvfs; echo 0 > ${SYS}/sriov_numvfs; cat ${SYS}/sriov_numvfs ${SYS}/sriov_totalvfs ${SYS}/sriov_offset ${SYS}/sriov_stride`);
    expect(r.stdout).toBe('../0000:e1:00.1\n../0000:e1:00.0\n1\n0\n8\n1\n1\n');
    expect(r.stderr).toBe('bash: line 1: echo: write error: Device or resource busy\nbash: line 1: echo: write error: Numerical result out of range\n');
  });

  it('answers prompts from stdin (mstconfig without -y)', async () => {
    const r = await on('src02', `mstconfig -d ${PF} set SRIOV_EN=1`, 'n\n');
    expect(r.stdout).toContain(' Apply new Configuration? (y/n) [n] : ');
    expect(r.stderr).toBe('-E- Aborted by user.\n');
    expect(r.code).toBe(1);
  });

  it('keeps hosts isolated from each other and from the real machine', async () => {
    await on('src02', `devlink dev eswitch set pci/${PF} mode switchdev && echo 2 > ${SYS}/sriov_numvfs && echo private > /tmp/mark`);
    const other = await on('dst02', `devlink dev eswitch show pci/${PF}; cat ${SYS}/sriov_numvfs; ls /sys/bus/pci/devices; cat /tmp/mark`);
    expect(other.stdout).toBe(`pci/${PF}: mode legacy inline-mode link encap-mode basic\n0\n${PF}\n`);
    expect(other.stderr).toContain('No such file or directory');
    expect((await on('src02', 'cat /tmp/mark')).stdout).toBe('private\n');
    expect(existsSync('/tmp/mark')).toBe(false);
    expect(existsSync('/sys/bus/pci/devices') ? readdirSync('/sys/bus/pci/devices') : []).toEqual(realPci);
    expect(existsSync('/usr/local/sbin/mstflint')).toBe(false);
  });

  it('runs the whole procedure, migrates live, and the guest sees its VF and pings', async () => {
    const prep = [
      `devlink dev eswitch set pci/${PF} mode switchdev`,
      `echo 1 > ${SYS}/sriov_numvfs`,
      waitVf,
      'virsh nodedev-detach pci_0000_e1_00_1 --driver pci-stub',
      `devlink port function set pci/${PF}/1 migratable enable`,
      'systemctl start openvswitch',
      'ovs-vsctl set Open_vSwitch . other_config:hw-offload=true',
      'ovs-vsctl set Open_vSwitch . other_config:max-idle=300000',
      'ovs-vsctl --may-exist add-br ovs-sriov',
      'systemctl restart openvswitch',
      'ovs-vsctl --may-exist add-port ovs-sriov enp225s0np0',
      'ovs-vsctl --may-exist add-port ovs-sriov enp225s0npf0vf0',
    ].join(' && ');
    const [a, b] = await Promise.all([on('src01', `set -e; ${prep}`), on('dst01', `set -e; ${prep}`)]);
    expect([a.code, a.stderr, b.code, b.stderr]).toEqual([0, '', 0, '']);
    expect((await on('vm1-guest01', 'ip -br link')).stdout).not.toContain('enp7s0');
    const xml = "<interface type='hostdev' managed='yes'>\n  <mac address='52:54:00:56:8c:f7'/>\n  <source>\n    <address type='pci' domain='0x0000' bus='0xe1' slot='0x00' function='0x1'/>\n  </source>\n</interface>\n";
    const att = await on('src01', `cd /root && cat > mlx_vf.xml && virsh attach-device vm1 mlx_vf.xml --live --config`, xml);
    expect(att.stdout).toBe('Device attached successfully\n\n');
    expect((await on('src01', 'virsh migrate --live --postcopy --domain vm1 --desturi qemu+ssh://dst01/system')).stderr).toBe(
      'error: cannot migrate domain: VFIO migration is not supported with postcopy migration\n',
    );
    const mig = await on('src01', `virsh migrate --live --verbose --domain vm1 --desturi qemu+ssh://${hosts.dst01!.ansible_host}/system`);
    expect([mig.code, mig.stderr]).toEqual([0, 'Migration: [100.00 %]\n']);
    expect((await on('dst01', 'virsh list --all')).stdout).toContain(' 1    vm1    running');
    expect((await on('src01', 'virsh list --all')).stdout).not.toContain('vm1');
    expect((await on('vm1-guest01', 'ip -br link')).stdout).toContain('enp7s0           UP             52:54:00:56:8c:f7');
    const ping = await on('vm1-guest01', `ping -c 3 -I enp7s0 ${hosts['vm1-guest01']!.ping_target}`);
    expect(ping.stdout).toContain('3 packets transmitted, 3 received, 0% packet loss');
    const status = await labStatus({ dir });
    expect(status.hosts.find((h) => h.name === 'dst01')!.summary).toContain('vm1(running, 1 VF)');
  });

  it('scenario faults: a hanging command, a dropped connection', async () => {
    const hang = await on('dst02', `timeout 1 mstfwreset -d ${PF} -y reset; echo rc=$?`);
    expect(hang.stdout).toBe('rc=124\n');
    const drop = await on('dst02', 'systemctl start openvswitch && ovs-vsctl add-br br0 && ovs-vsctl add-port br0 enp225s0np0; echo survived');
    expect(drop.code).toBe(255);
    expect(drop.stdout).not.toContain('survived');
    expect((await on('dst02', 'ovs-vsctl list-br')).stdout).toBe('br0\n');
  });
});
