/**
 * sysfs and procfs reads for SR-IOV: VF counts, VF addresses (from the virtfnN links, never
 * computed), bound drivers, netdevs with their switch identity, and the IOMMU state.
 * Commands use only POSIX sh, coreutils and findutils, as found on RHEL 9.
 */
import { defineFact, sh, FactParseError } from 'marshal';
import type { Command } from 'marshal';
import { normalizePciAddress, isPciAddress } from './pci-address';
import { contentLines, lines, show, singleLine, toInt } from './text';

const devDir = (pci: string): Command => sh`/sys/bus/pci/devices/${pci}`;

// ---- SR-IOV counts ------------------------------------------------------------------------------

export interface Sriov {
  readonly totalVfs: number;
  readonly numVfs: number;
  readonly offset: number;
  readonly stride: number;
}

const SRIOV_FILES = ['sriov_totalvfs', 'sriov_numvfs', 'sriov_offset', 'sriov_stride'] as const;

/** `grep -H . <files>` output: `/sys/bus/pci/devices/0000:e1:00.0/sriov_numvfs:1`. */
export function parseSriov(stdout: string): Sriov {
  const FACT = 'sysfs.sriov';
  const seen: Partial<Record<(typeof SRIOV_FILES)[number], number>> = {};
  for (const line of contentLines(stdout)) {
    const m = /\/(sriov_[a-z]+):(.*)$/.exec(line);
    const file = m?.[1] as (typeof SRIOV_FILES)[number] | undefined;
    if (!m || !file || !SRIOV_FILES.includes(file)) throw new FactParseError(FACT, `unexpected line: ${show(line)}`);
    if (file in seen) throw new FactParseError(FACT, `${file} appears twice: ${show(line)}`);
    seen[file] = toInt(FACT, m[2] ?? '', file);
  }
  const missing = SRIOV_FILES.filter((f) => seen[f] === undefined);
  if (missing.length > 0) throw new FactParseError(FACT, `missing ${missing.join(', ')} in ${show(stdout)}`);
  return { totalVfs: seen.sriov_totalvfs!, numVfs: seen.sriov_numvfs!, offset: seen.sriov_offset!, stride: seen.sriov_stride! };
}

export const sriov = defineFact({
  name: 'sysfs.sriov',
  command: (pf: string) => {
    const d = devDir(pf);
    return sh`grep -H . ${d}/sriov_totalvfs ${d}/sriov_numvfs ${d}/sriov_offset ${d}/sriov_stride`;
  },
  parse: (stdout) => parseSriov(stdout),
});

const sysfsNumber = (file: string) =>
  defineFact({
    name: `sysfs.${file}`,
    command: (pf: string) => sh`cat ${devDir(pf)}/${file}`,
    parse: (stdout): number => toInt(`sysfs.${file}`, singleLine(`sysfs.${file}`, stdout), file),
  });

export const sriovTotalVfs = sysfsNumber('sriov_totalvfs');
export const sriovNumVfs = sysfsNumber('sriov_numvfs');

// ---- VF addresses ------------------------------------------------------------------------------

/** The last path component of a link target, checked to be a PCI address. */
export function pciFromLinkTarget(fact: string, target: string): string {
  const base = target.trim().replace(/\/+$/, '').split('/').pop() ?? '';
  if (!isPciAddress(base)) throw new FactParseError(fact, `link target does not end in a PCI address: ${show(target)}`);
  return normalizePciAddress(base);
}

/**
 * `readlink -e .../virtfnN`: the resolved path, e.g. /sys/devices/pci0000:e0/0000:e0:01.1/0000:e1:00.1.
 * -e (not -f) so a missing link exits 1 instead of echoing the path back; that exit means "no such VF".
 */
export function parseVfAddress(stdout: string, exitCode: number): string | null {
  const FACT = 'sysfs.vf-address';
  if (exitCode === 1 && stdout.trim() === '') return null;
  return pciFromLinkTarget(FACT, singleLine(FACT, stdout));
}

export const vfAddress = defineFact({
  name: 'sysfs.vf-address',
  command: (pf: string, vf = 0) => sh`readlink -e ${devDir(pf)}/${`virtfn${vf}`}`,
  parse: (stdout, exitCode) => parseVfAddress(stdout, exitCode),
  okExitCodes: [0, 1],
});

export interface VirtFn {
  readonly index: number;
  readonly address: string;
}

/** `find <pf>/ -name 'virtfn*' -printf '%f %l\n'`: `virtfn0 ../0000:e1:00.1`, sorted by index. */
export function parseVirtFns(stdout: string): VirtFn[] {
  const FACT = 'sysfs.vfs';
  const out = contentLines(stdout).map((line) => {
    const m = /^virtfn(\d+) (\S+)$/.exec(line.trim());
    if (!m) throw new FactParseError(FACT, `unexpected line: ${show(line)}`);
    return { index: Number(m[1]), address: pciFromLinkTarget(FACT, m[2] ?? '') };
  });
  return out.sort((a, b) => a.index - b.index);
}

export const vfAddresses = defineFact({
  name: 'sysfs.vfs',
  command: (pf: string) => sh`find ${devDir(pf)}/ -mindepth 1 -maxdepth 1 -name 'virtfn*' -printf '%f %l\\n'`,
  parse: (stdout) => parseVirtFns(stdout),
});

/** A VF's PF, from its `physfn` link. */
export const physfn = defineFact({
  name: 'sysfs.physfn',
  command: (vf: string) => sh`readlink -e ${devDir(vf)}/physfn`,
  parse: (stdout, exitCode) => (exitCode === 1 && stdout.trim() === '' ? null : pciFromLinkTarget('sysfs.physfn', singleLine('sysfs.physfn', stdout))),
  okExitCodes: [0, 1],
});

// ---- drivers -------------------------------------------------------------------------------------

/** Driver link target → driver name (`mlx5_core`, `mlx5_vfio_pci`, `vfio-pci`); empty output → unbound. */
export function parseDriver(stdout: string): string | null {
  const FACT = 'sysfs.driver';
  const ls = contentLines(stdout);
  if (ls.length === 0) return null;
  const target = singleLine(FACT, stdout);
  const name = target.replace(/\/+$/, '').split('/').pop() ?? '';
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || !target.includes('/drivers/')) {
    throw new FactParseError(FACT, `not a driver link target: ${show(target)}`);
  }
  return name;
}

/** The driver bound to a PCI device, or null when unbound. A missing device fails (cd reports it). */
export const pciDriver = defineFact({
  name: 'sysfs.driver',
  command: (pci: string) => sh`cd ${devDir(pci)} && { readlink -e driver || true; }`,
  parse: (stdout) => parseDriver(stdout),
});

// ---- netdevs -------------------------------------------------------------------------------------

export interface Netdev {
  readonly name: string;
  /** Basename of the `device` link (a PCI address for PCI netdevs; representors show their PF's). */
  readonly device?: string;
  readonly pci?: string;
  /** `p0` on an uplink, `pf0vf0` on a VF representor; absent when the driver does not say. */
  readonly physPortName?: string;
  readonly physSwitchId?: string;
}

/** Tab-separated `name device phys_port_name phys_switch_id`, empty fields allowed. */
export function parseNetdevs(stdout: string): Netdev[] {
  const FACT = 'sysfs.netdevs';
  return contentLines(stdout).map((line) => {
    const f = line.split('\t');
    if (f.length !== 4 || !f[0]) throw new FactParseError(FACT, `expected 4 tab-separated fields: ${show(line)}`);
    const [name, device, port, sw] = f.map((x) => x.trim()) as [string, string, string, string];
    if (!/^[^\s/]+$/.test(name)) throw new FactParseError(FACT, `not an interface name: ${show(line)}`);
    return {
      name,
      ...(device !== '' && { device }),
      ...(device !== '' && isPciAddress(device) && { pci: normalizePciAddress(device) }),
      ...(port !== '' && { physPortName: port }),
      ...(sw !== '' && { physSwitchId: sw }),
    };
  });
}

// phys_port_name/phys_switch_id fail with EOPNOTSUPP on netdevs that lack them: print empty fields.
const NETDEV_LOOP = sh`for n in *; do [ -e "$n" ] || continue; d=$(readlink -e "$n/device" 2>/dev/null); printf '%s\\t%s\\t%s\\t%s\\n' "$n" "\${d##*/}" "$(cat "$n/phys_port_name" 2>/dev/null)" "$(cat "$n/phys_switch_id" 2>/dev/null)"; done`;

/** Netdevs whose parent is this PCI device (in switchdev mode: the uplink and the VF representors). */
export const pciNetdevs = defineFact({
  name: 'sysfs.netdevs',
  command: (pci: string) => sh`cd ${devDir(pci)}/net && ${NETDEV_LOOP}`,
  parse: (stdout) => parseNetdevs(stdout),
});

/** Every netdev on the host (/sys/class/net), for representor lookups by switch id. */
export const allNetdevs = defineFact({
  name: 'sysfs.netdevs',
  command: () => sh`cd /sys/class/net && ${NETDEV_LOOP}`,
  parse: (stdout) => parseNetdevs(stdout),
});

/** The PF's uplink: phys_port_name `p<N>`; in legacy mode (no port names) the PF's only netdev. */
export function uplinkNetdev(netdevs: readonly Netdev[], pf: string): Netdev | undefined {
  const mine = netdevs.filter((n) => n.pci === normalizePciAddress(pf));
  const named = mine.find((n) => /^p\d+$/.test(n.physPortName ?? ''));
  if (named) return named;
  const unnamed = mine.filter((n) => n.physPortName === undefined);
  return unnamed.length === 1 ? unnamed[0] : undefined;
}

/**
 * The representor of VF `vf`: phys_port_name `pf<N>vf<vf>` (N from the uplink's `p<N>`) on a
 * netdev whose phys_switch_id matches the uplink's.
 */
export function representorNetdev(netdevs: readonly Netdev[], pf: string, vf = 0): Netdev | undefined {
  const up = uplinkNetdev(netdevs, pf);
  if (!up?.physSwitchId) return undefined;
  const pfnum = /^p(\d+)$/.exec(up.physPortName ?? '')?.[1] ?? '0';
  return netdevs.find((n) => n.physSwitchId === up.physSwitchId && n.physPortName === `pf${pfnum}vf${vf}`);
}

// ---- IOMMU ---------------------------------------------------------------------------------------

export interface IommuState {
  readonly cmdline: string;
  /** Kernel parameters in order; a bare flag has value undefined. */
  readonly params: readonly { readonly key: string; readonly value?: string }[];
  /** Entries in /sys/kernel/iommu_groups: non-zero when the IOMMU is on. */
  readonly groups: number;
  readonly enabled: boolean;
  /** `intel_iommu=` value when given (Intel needs `on`; AMD and ARM enable it by default). */
  readonly intelIommu?: string;
  readonly amdIommu?: string;
  /** `iommu=` (e.g. `pt`). */
  readonly iommu?: string;
}

/** Split /proc/cmdline like the kernel: spaces separate, double quotes group. */
export function parseCmdline(text: string): { key: string; value?: string }[] {
  const out: { key: string; value?: string }[] = [];
  const re = /(?:[^\s"]+|"[^"]*")+/g;
  for (const m of text.trim().matchAll(re)) {
    const word = m[0];
    const eq = word.indexOf('=');
    const strip = (s: string) => s.replace(/"/g, '');
    if (eq < 0) out.push({ key: strip(word) });
    else out.push({ key: strip(word.slice(0, eq)), value: strip(word.slice(eq + 1)) });
  }
  return out;
}

/** `<cmdline>` then `iommu_groups=<n>`. */
export function parseIommu(stdout: string): IommuState {
  const FACT = 'sysfs.iommu';
  const ls = lines(stdout);
  if (ls.length !== 2) throw new FactParseError(FACT, `expected the kernel command line and a group count, got ${ls.length} line(s): ${show(stdout)}`);
  const cmdline = (ls[0] ?? '').trim();
  const g = /^iommu_groups=\s*(\d+)\s*$/.exec(ls[1] ?? '');
  if (!g) throw new FactParseError(FACT, `expected "iommu_groups=<n>": ${show(ls[1] ?? '')}`);
  const params = parseCmdline(cmdline);
  // The kernel honours the last occurrence of a repeated parameter.
  const last = (k: string) => [...params].reverse().find((p) => p.key === k)?.value;
  const groups = Number(g[1]);
  const intelIommu = last('intel_iommu');
  const amdIommu = last('amd_iommu');
  const iommu = last('iommu');
  return {
    cmdline,
    params,
    groups,
    enabled: groups > 0,
    ...(intelIommu !== undefined && { intelIommu }),
    ...(amdIommu !== undefined && { amdIommu }),
    ...(iommu !== undefined && { iommu }),
  };
}

export const iommu = defineFact({
  name: 'sysfs.iommu',
  command: () => sh`cat /proc/cmdline && printf 'iommu_groups=%s\\n' "$(ls -1 /sys/kernel/iommu_groups 2>/dev/null | wc -l)"`,
  parse: (stdout) => parseIommu(stdout),
});
