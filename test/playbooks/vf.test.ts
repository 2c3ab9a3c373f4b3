import { describe, expect, it } from 'vitest';
import type { HostContext } from 'marshal';
import { migrationWaves, vmsOf, xmlPath, type VfVars } from '../../playbooks/lib/vf';
import { bridgeExternalId } from '../../playbooks/lib/facts';

const host = (vars: Partial<VfVars>) => ({ name: 'src01', vars: { pf_pci: '0000:e1:00.0', ovs_bridge: 'ovs-sriov', pair: '01', vm_name: 'vm1', ...vars } }) as unknown as HostContext<VfVars>;

describe('migration waves (at most 4 VFs of one PF migrating at once)', () => {
  const per = (m: Record<string, Record<string, number>>) => (vm: string) => new Map(Object.entries(m[vm] ?? {}));
  it('four VMs with one VF each go together; a fifth waits for the next wave', () => {
    const vms = ['a', 'b', 'c', 'd', 'e'];
    expect(migrationWaves(vms, per(Object.fromEntries(vms.map((v) => [v, { pf: 1 }]))))).toEqual([['a', 'b', 'c', 'd'], ['e']]);
  });
  it('counts per PF: VFs of another PF do not take room', () => {
    expect(migrationWaves(['a', 'b', 'c'], per({ a: { p1: 3 }, b: { p2: 4 }, c: { p1: 1, p2: 1 } }))).toEqual([['a', 'b'], ['c']]);
  });
  it('a later VM fills an earlier wave it fits in; VMs without VFs always fit', () => {
    expect(migrationWaves(['a', 'b', 'c', 'd'], per({ a: { p: 3 }, b: { p: 2 }, c: { p: 1 } }))).toEqual([['a', 'c', 'd'], ['b']]);
  });
  it('a VM alone above the limit is a wave of its own (libvirt refuses it with its own text)', () => {
    expect(migrationWaves(['a', 'b'], per({ a: { p: 5 }, b: { p: 1 } }))).toEqual([['a'], ['b']]);
    expect(migrationWaves(['a'], per({ a: { p: 2 } }), 1)).toEqual([['a']]);
  });
});

describe('vmsOf: the source\'s VMs and their VFs', () => {
  it('vm_name with vf_index (default 0)', () => {
    expect(vmsOf(host({}))).toEqual([{ name: 'vm1', vfs: [0] }]);
    expect(vmsOf(host({ vf_index: '2' }))).toEqual([{ name: 'vm1', vfs: [2] }]);
  });
  it('vms: several VMs, several VFs, a single index, vfs defaulting to [0]', () => {
    expect(vmsOf(host({ vms: [{ name: 'a', vfs: [1, 2] }, { name: 'b', vfs: 3 }, { name: 'c' }] as never }))).toEqual([
      { name: 'a', vfs: [1, 2] },
      { name: 'b', vfs: [3] },
      { name: 'c', vfs: [0] },
    ]);
  });
  it('bad input names the host and the var', () => {
    expect(() => vmsOf(host({ vf_index: 'x' }))).toThrow('vf_index on src01: VF index "x" is not a whole number >= 0');
    expect(() => vmsOf(host({ vms: [{ name: 'a', vfs: [-1] }] }))).toThrow('vms[0].vfs on src01: VF index "-1"');
    expect(() => vmsOf(host({ vms: [{ vfs: [1] }] }))).toThrow('vms[0] on src01 has no name');
    expect(() => vmsOf(host({ vms: [] }))).toThrow('vms on src01 must be a non-empty list');
    expect(() => vmsOf(host({ vms: [{ name: 'a', vfs: [1] }, { name: 'b', vfs: [1] }] }))).toThrow('VF 1 is given to both a and b on src01');
    expect(() => vmsOf(host({ vms: [{ name: 'a', vfs: [0, 1] }], vf_mac: '52:54:00:00:00:01' }))).toThrow(/vf_mac and vf_xml_path name one VF; src01 gives 2 VFs/);
  });
  it('one XML file per VM and VF', () => {
    expect(xmlPath(host({}), 'vm2', 3)).toBe('/root/mlx_vf-vm2-vf3.xml');
  });
});

describe('ovs.br-get-external-id', () => {
  it('a value, nothing (unset), or an error for more than one line', () => {
    expect(bridgeExternalId.parse('prepare-cx7\n', 0, '')).toBe('prepare-cx7');
    expect(bridgeExternalId.parse('', 0, '')).toBeNull();
    expect(() => bridgeExternalId.parse('a\nb\n', 0, '')).toThrow(/expected one value, got 2 lines/);
    expect(bridgeExternalId.command('ovs-sriov', 'marshal-created-by').text).toBe('ovs-vsctl br-get-external-id ovs-sriov marshal-created-by');
  });
});
