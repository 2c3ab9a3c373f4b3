/** Which simulated commands a host has (its installed packages decide), and running one. */
import type { HostState, ToolResult } from '../model/types';
import { fail } from '../model/types';
import type { GuestTool, NicTool, ToolContext } from './context';
import { mstconfig, mstflint, mstfwreset } from './mst';
import { devlink } from './devlink';
import { lshw, lspci } from './pci';
import { ipGuest, ipHost, pingGuest } from './ip';
import { dnf, grubby, hostname, reboot, rpm, shutdown, systemctl, uname } from './system';
import { ovsVsctl } from './ovs';
import { virsh } from './virsh';

const NIC_TOOLS: Record<string, { pkg?: string; fn: NicTool }> = {
  mstflint: { pkg: 'mstflint', fn: mstflint },
  mstconfig: { pkg: 'mstflint', fn: mstconfig },
  mlxconfig: { pkg: 'mstflint', fn: mstconfig },
  mstfwreset: { pkg: 'mstflint', fn: mstfwreset },
  devlink: { pkg: 'iproute', fn: devlink },
  ip: { pkg: 'iproute', fn: ipHost },
  lshw: { pkg: 'lshw', fn: lshw },
  lspci: { pkg: 'pciutils', fn: lspci },
  virsh: { pkg: 'libvirt', fn: virsh },
  'ovs-vsctl': { pkg: 'openvswitch', fn: ovsVsctl },
  systemctl: { fn: systemctl },
  rpm: { fn: rpm },
  dnf: { fn: dnf },
  yum: { fn: dnf },
  uname: { fn: uname },
  hostname: { fn: hostname },
  grubby: { fn: grubby },
  reboot: { fn: reboot },
  shutdown: { fn: shutdown },
};

const GUEST_TOOLS: Record<string, GuestTool> = { ip: ipGuest, ping: pingGuest };

/** Every command name the lab may ever put on a host's PATH (for cleaning the bin dir). */
export const ALL_TOOLS = [...new Set([...Object.keys(NIC_TOOLS), ...Object.keys(GUEST_TOOLS)])];

/** Commands present on this host now (a missing package means a missing command). */
export function toolsFor(host: HostState): string[] {
  if (host.kind === 'guest') return Object.keys(GUEST_TOOLS);
  return Object.entries(NIC_TOOLS)
    .filter(([, t]) => !t.pkg || host.packages[t.pkg])
    .map(([n]) => n);
}

/** Does a fault entry like `virsh migrate` or `mstfwreset` match this call? */
export function faultMatches(entries: string[], tool: string, argv: string[]): boolean {
  const words = argv.filter((a) => !a.startsWith('-'));
  return entries.some((e) => {
    const [t, ...sub] = e.trim().split(/\s+/);
    return t === tool && sub.every((s, i) => words[i] === s);
  });
}

export function runTool(ctx: ToolContext): ToolResult {
  const { host, tool } = ctx;
  if (faultMatches(host.faults.drop, tool, ctx.argv)) return { kind: 'drop' };
  if (faultMatches(host.faults.hang, tool, ctx.argv)) return { kind: 'hang' };
  if (host.kind === 'guest') {
    const where = ctx.world.domainOfGuest(host);
    // A guest whose domain is not running is a powered-off machine: its connections die.
    if (!where || where.domain.state !== 'running') return { kind: 'drop' };
    const fn = GUEST_TOOLS[tool];
    return fn ? fn(ctx, host) : fail(`bash: line 1: ${tool}: command not found\n`, 127);
  }
  const t = NIC_TOOLS[tool];
  if (!t || (t.pkg && !host.packages[t.pkg])) return fail(`bash: line 1: ${tool}: command not found\n`, 127);
  return t.fn(ctx, host);
}
