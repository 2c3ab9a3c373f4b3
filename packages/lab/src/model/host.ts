/** Queries across a NIC host's parts: which VF is where, who uses it, is the host ready for migration. */
import type { NicHostState, PfState, VfState, DomainState } from './types';
import { migrationActive, visibleVfs } from './nic';
import { findBridge, bridgeOfPort } from './ovs';

export function findPf(host: NicHostState, pci: string): PfState | undefined {
  return host.pfs.find((p) => p.pci === pci);
}

export function findVf(host: NicHostState, pci: string, now: number): { pf: PfState; vf: VfState } | undefined {
  for (const pf of host.pfs) {
    const vf = visibleVfs(pf, now).find((v) => v.pci === pci);
    if (vf) return { pf, vf };
  }
  return undefined;
}

/** The domain (running or not) whose config holds a hostdev at this address. */
export function domainUsing(host: NicHostState, pci: string): DomainState | undefined {
  return host.domains.find((d) => d.hostdevs.some((h) => h.pci === pci));
}

export function runningDomainUsing(host: NicHostState, pci: string): DomainState | undefined {
  return host.domains.find((d) => d.state === 'running' && d.hostdevs.some((h) => h.pci === pci));
}

/**
 * Why traffic through this VF cannot flow on this host (null: it can): e-switch in
 * switchdev, OVS running with hw-offload in effect, a bridge holding the PF uplink and
 * the VF's representor. This is what steps 1-5 of the procedure establish.
 */
export function datapathProblem(host: NicHostState, pci: string, now: number): string | null {
  const hit = findVf(host, pci, now);
  if (!hit) return `no VF ${pci}`;
  const { pf, vf } = hit;
  if (pf.eswitch !== 'switchdev') return `e-switch of pci/${pf.pci} is in ${pf.eswitch} mode`;
  if (!host.packages.openvswitch) return 'openvswitch is not installed';
  if (!host.ovs.running) return 'openvswitch is not running';
  if (!host.ovs.offloadActive) return 'hw-offload is not in effect in ovs-vswitchd (set it, then restart openvswitch)';
  const br = bridgeOfPort(host.ovs, pf.netdev);
  if (!br) return `the PF uplink ${pf.netdev} is on no OVS bridge`;
  if (!br.ports.includes(vf.representor)) return `the representor ${vf.representor} is not on bridge ${br.name}`;
  return null;
}

/** Why this host cannot take or send a migrating VF at `pci` (null: ready). */
export function migrationProblem(host: NicHostState, pci: string, now: number): string | null {
  const hit = findVf(host, pci, now);
  if (!hit) return `no VF ${pci}`;
  if (!migrationActive(hit.pf)) return `VF_MIGRATION_MODE is not in effect on ${hit.pf.pci}`;
  if (!hit.vf.migratable) return `migratable is disabled on VF ${pci}`;
  return datapathProblem(host, pci, now);
}

export { findBridge };
