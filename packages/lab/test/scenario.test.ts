/** Scenario files: every shipped one loads; errors name the file and line. */
import { describe, it, expect } from 'vitest';
import { readdirSync } from 'node:fs';
import { loadScenario, parseScenario, scenariosDir } from '../src/scenario';
import { buildWorld } from '../src/model/build';
import { UsageError } from 'marshal';
import { inventoryYaml } from '../src/inventory';
import { labPaths } from '../src/layout';
import { parse } from 'yaml';

describe('scenarios', () => {
  it('every shipped scenario loads and builds', () => {
    const names = readdirSync(scenariosDir()).map((f) => f.replace(/\.yml$/, ''));
    expect(names).toEqual(expect.arrayContaining(['default', 'old-firmware', 'pending-firmware', 'psid-mismatch', 'fw-mismatch', 'migration-disabled', 'migration-pending', 'no-mstflint', 'no-openvswitch', 'arch-ppc64le', 'iommu-off', 'dual-port-offset', 'hanging-command', 'drop-connection']));
    for (const n of names) {
      const w = buildWorld(loadScenario(n), { net: '127.99.0', pairs: 1 });
      expect(Object.keys(w.hosts)).toEqual(['src01', 'dst01', 'vm1-guest01']);
    }
  });

  it('per-host overrides win over role and defaults', () => {
    const sc = parseScenario('defaults:\n  pf: { psid: MT_A }\ndestination:\n  pf: { psid: MT_B }\nhosts:\n  dst02:\n    arch: aarch64\n    pf: { psid: MT_C }\n', 'x.yml');
    const w = buildWorld(sc, { net: '127.99.0', pairs: 2 });
    const psid = (n: string) => {
      const h = w.hosts[n]!;
      return h.kind === 'nic' ? [h.pfs[0]!.firmware.psid, h.arch] : [];
    };
    expect([psid('src01'), psid('dst01'), psid('dst02')]).toEqual([
      ['MT_A', 'x86_64'],
      ['MT_B', 'x86_64'],
      ['MT_C', 'aarch64'],
    ]);
  });

  it('names file and line of a bad key or value', () => {
    const bad = (text: string) => {
      try {
        parseScenario(text, '/s/bad.yml');
      } catch (e) {
        expect(e).toBeInstanceOf(UsageError);
        return (e as UsageError).located;
      }
      throw new Error('no error');
    };
    expect(bad('defaults:\n  pf:\n    firmwre: 1.2.3\n')).toBe('/s/bad.yml:3: defaults.pf.firmwre: unknown key (known: pci, netdev, pfnum, totalVfs, offset, stride, numVfs, eswitch, firmware, runningFirmware, psid, vfMigrationMode, vfMigrationModeNext, sriovEnabled, deviceName, description, baseMac)');
    expect(bad('source:\n  pf: { pci: "e1:00.0" }\n')).toBe('/s/bad.yml:2: source.pf.pci: expected a PCI address like 0000:e1:00.0, got e1:00.0');
    expect(bad('destination:\n  iommu: maybe\n')).toBe('/s/bad.yml:2: destination.iommu: expected true or false, got "maybe"');
    expect(bad('source: [\n')).toMatch(/^\/s\/bad\.yml:\d+: invalid YAML/);
  });

  it('inventory: groups, pairs, keys and guests', () => {
    const w = buildWorld(loadScenario('default'), { net: '127.99.0', pairs: 2 });
    const inv = parse(inventoryYaml(w, labPaths('/var/lab'), 2222));
    const src = inv.all.children.source.hosts;
    const dst = inv.all.children.destination.hosts;
    expect(Object.keys(src)).toEqual(['src01', 'src02']);
    expect(Object.keys(dst)).toEqual(['dst01', 'dst02']);
    expect(src.src02).toMatchObject({ ansible_host: '127.99.0.12', ansible_port: 2222, ansible_user: 'root', pair: '02', pf_pci: '0000:e1:00.0', ovs_bridge: 'ovs-sriov', vm_name: 'vm1', ansible_ssh_private_key_file: '/var/lab/id_ed25519', marshal_known_hosts: '/var/lab/known_hosts', marshal_host_key_checking: 'strict' });
    expect(dst.dst02.pair).toBe('02');
    expect(inv.all.children.guests.hosts['vm1-guest02']).toMatchObject({ vm_name: 'vm1', ping_target: '127.99.0.254', pair: '02' });
  });
});
