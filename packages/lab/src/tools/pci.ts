/** lspci and `lshw -c network -businfo` over the host's PFs and VFs. */
import type { NicHostState, VfState, PfState } from '../model/types';
import { done, fail } from '../model/types';
import { visibleVfs } from '../model/nic';
import { takeOption, takeFlag, type NicTool } from './context';

interface PciDev {
  pci: string;
  name: string;
  id: string;
  driver: string | null;
  subsys: string;
}

const PF_NAME = 'Mellanox Technologies MT2910 Family [ConnectX-7]';
const VF_NAME = 'Mellanox Technologies ConnectX Family mlx5Gen Virtual Function';

function devices(host: NicHostState, now: number): PciDev[] {
  const out: PciDev[] = [{ pci: '0000:00:00.0', name: 'Advanced Micro Devices, Inc. [AMD] Starship/Matisse Root Complex', id: '1022:1480', driver: null, subsys: '' }];
  for (const pf of host.pfs) {
    out.push({ pci: pf.pci, name: PF_NAME, id: '15b3:1021', driver: 'mlx5_core', subsys: 'Mellanox Technologies Device 0024' });
    for (const vf of visibleVfs(pf, now)) out.push({ pci: vf.pci, name: VF_NAME, id: '15b3:101e', driver: vf.driver, subsys: 'Mellanox Technologies Device 0024' });
  }
  return out.sort((a, b) => a.pci.localeCompare(b.pci));
}

export const lspci: NicTool = (ctx, host) => {
  const argv = [...ctx.argv];
  const sel = takeOption(argv, ['-s']);
  const ids = takeOption(argv, ['-d']);
  const flags = argv.filter((a) => a.startsWith('-')).join('');
  const withDomain = flags.includes('D');
  const kernel = flags.includes('k');
  const numeric = /nn/.test(flags);
  let list = devices(host, ctx.world.now());
  if (ids) {
    const [v, d] = ids.split(':');
    list = list.filter((x) => (!v || x.id.startsWith(v)) && (!d || x.id.endsWith(`:${d}`)));
  }
  if (sel) {
    const s = sel.includes(':') && sel.split(':').length === 3 ? sel : `0000:${sel}`;
    list = list.filter((x) => x.pci === s.toLowerCase());
  }
  const lines: string[] = [];
  for (const d of list) {
    const addr = withDomain ? d.pci : d.pci.slice(5);
    const cls = d.id.startsWith('15b3') ? 'Ethernet controller' : 'Host bridge';
    lines.push(numeric ? `${addr} ${cls} [${d.id.startsWith('15b3') ? '0200' : '0600'}]: ${d.name} [${d.id}]` : `${addr} ${cls}: ${d.name}`);
    if (kernel) {
      if (d.subsys) lines.push(`\tSubsystem: ${d.subsys}`);
      if (d.driver) lines.push(`\tKernel driver in use: ${d.driver}`);
      if (d.id.startsWith('15b3')) lines.push('\tKernel modules: mlx5_core');
    }
  }
  return done(lines.length ? lines.join('\n') + '\n' : '');
};

/** Columns as the real output pads them (at least one space after a long cell). */
const cell = (s: string, w: number) => (s.length >= w ? `${s} ` : s.padEnd(w));

export function lshwBusinfo(host: NicHostState, now: number): string {
  const rows: [string, string, string, string][] = [];
  for (const pf of host.pfs) {
    rows.push([`pci@${pf.pci}`, pf.netdev, 'network', 'MT2910 Family [ConnectX-7]']);
    const vfs = visibleVfs(pf, now);
    for (const vf of vfs) rows.push([`pci@${vf.pci}`, vf.driver === 'mlx5_core' ? vf.netdev : '', 'network', 'ConnectX Family mlx5Gen Virtual Function']);
    // Representors have no PCI function of their own: lshw shows them under the PF's address.
    if (pf.eswitch === 'switchdev') for (const vf of vfs) rows.push([`pci@${pf.pci}`, vf.representor, 'network', 'Ethernet interface']);
  }
  const lines = [`${cell('Bus info', 18)}${cell('Device', 16)}${cell('Class', 15)}Description`, '='.repeat(60)];
  for (const r of rows) lines.push(`${cell(r[0], 18)}${cell(r[1], 16)}${cell(r[2], 15)}${r[3]}`);
  return lines.join('\n') + '\n';
}

export const lshw: NicTool = (ctx, host) => {
  const argv = [...ctx.argv];
  const cls = takeOption(argv, ['-c', '-class', '--class', '-C']);
  const businfo = takeFlag(argv, ['-businfo', '--businfo']);
  takeFlag(argv, ['-quiet', '-q', '-short', '-sanitize', '-numeric', '-notime']);
  if (!businfo || (cls !== undefined && cls !== 'network')) return fail('lshw: only `lshw -c network -businfo` is simulated in the marshal lab\n');
  return done(lshwBusinfo(host, ctx.world.now()));
};

export type { PfState, VfState };
