/**
 * The vars the CX-7 playbooks share, declared once: which inventory groups must have each one and
 * its default. A playbook names the vars it uses; marshal checks them on every host before anything runs.
 */

type Role = 'source' | 'destination' | 'guests';

const SHARED = {
  /** Pairs a source with its destination (and the VM's guest): the same value on each. */
  pair: { in: ['source', 'destination', 'guests'] },
  /** The PF's PCI address, e.g. 0000:e1:00.0. */
  pf_pci: { in: ['source', 'destination'] },
  /** The OVS bridge that carries the VF's traffic. */
  ovs_bridge: { in: ['source', 'destination'], default: 'ovs-sriov' },
  /** How many VFs prepare-cx7 creates on the PF (the same on a source and its destination: a VF keeps its address when it migrates). */
  vf_count: { in: ['source', 'destination'], default: '1' },
  /** The VM (libvirt domain) on the source. */
  vm_name: { in: ['source'] },
  /** On guests: the address to ping through the VF. */
  ping_target: { in: ['guests'] },
} as const satisfies Record<string, { in: readonly Role[]; default?: string }>;

export type SharedVar = keyof typeof SHARED;

/** The shared vars' defaults (ovs_bridge: 'ovs-sriov'), for display and tests. */
export const SHARED_DEFAULTS: Readonly<Record<string, string>> = Object.fromEntries(
  Object.entries(SHARED).flatMap(([name, v]) => ('default' in v ? [[name, v.default]] : [])),
);

/** `defaults` and `requires` (by inventory group) of a playbook using `names`: spread them into playbook(). */
export function sharedVars<K extends SharedVar>(...names: K[]): { defaults: Partial<Record<K, string>>; requires: Record<Role, K[]> } {
  const requires: Record<Role, K[]> = { source: [], destination: [], guests: [] };
  const defaults: Partial<Record<K, string>> = {};
  for (const name of names) {
    const spec: { in: readonly Role[]; default?: string } = SHARED[name];
    for (const role of spec.in) requires[role].push(name);
    if (spec.default !== undefined) defaults[name] = spec.default;
  }
  return { defaults, requires };
}
