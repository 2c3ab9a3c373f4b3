/** The Ansible-style YAML inventory `lab up` writes for the hosts it started. */
import { stringify } from 'yaml';
import type { WorldState, NicHostState, GuestHostState } from './model/types';
import type { LabPaths } from './layout';

export const OVS_BRIDGE = 'ovs-sriov';

export function inventoryYaml(state: WorldState, paths: LabPaths, port: number): string {
  const common = {
    ansible_port: port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: paths.clientKey,
    marshal_known_hosts: paths.knownHosts,
    marshal_host_key_checking: 'strict',
  };
  const hosts = Object.values(state.hosts);
  const nic = (role: 'source' | 'destination') =>
    Object.fromEntries(
      hosts
        .filter((h): h is NicHostState => h.kind === 'nic' && h.role === role)
        .map((h) => [
          h.name,
          {
            ansible_host: h.address,
            ...common,
            pair: h.pair,
            pf_pci: h.pfs[0]!.pci,
            ovs_bridge: OVS_BRIDGE,
            ...(role === 'source' && h.domains[0] ? { vm_name: h.domains[0].name, guest: h.domains[0].guest } : {}),
          },
        ]),
    );
  const guests = Object.fromEntries(
    hosts
      .filter((h): h is GuestHostState => h.kind === 'guest')
      .map((g) => {
        const pair = /guest(\d+)$/.exec(g.name)?.[1];
        return [g.name, { ansible_host: g.address, ...common, vm_name: g.domain, ...(pair ? { pair } : {}), ping_target: g.pingTarget, vf_interface: g.vfInterface }];
      }),
  );
  const doc = {
    all: {
      children: {
        source: { hosts: nic('source') },
        destination: { hosts: nic('destination') },
        guests: { hosts: guests },
      },
    },
  };
  const header = `# Written by \`marshal lab up\` (scenario ${state.scenario}, ${state.pairs} pair${state.pairs === 1 ? '' : 's'}); rewritten on every lab up.\n# Sources and destinations that share \`pair\` belong together; guests are the VMs' insides.\n`;
  return header + stringify(doc, { lineWidth: 0 });
}
