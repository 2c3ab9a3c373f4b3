/**
 * PCI listings: `lspci` lines (plain, -n, -nn; with or without -D), `lspci -k` driver
 * lines, and `lshw -c network -businfo` tables.
 */
import { defineFact, sh, FactParseError } from 'marshal';
import { normalizePciAddress, isPciAddress } from './pci-address';
import { contentLines, lines, show } from './text';

export const MELLANOX_VENDOR = '15b3';
/** ConnectX-7 physical function and the mlx5 virtual function. */
export const CX7_PF_DEVICE = '1021';
export const MLX5_VF_DEVICE = '101e';

export interface PciDevice {
  /** Canonical `0000:e1:00.0` (domain 0 filled in when lspci ran without -D). */
  readonly address: string;
  /** `Ethernet controller`; absent in `-n` output. */
  readonly className?: string;
  /** `0200`, with -n or -nn. */
  readonly classCode?: string;
  /** `Mellanox Technologies MT2910 Family [ConnectX-7]`; absent in `-n` output. */
  readonly description?: string;
  readonly vendorId?: string;
  readonly deviceId?: string;
  readonly revision?: string;
  /** From the device id when known, else from the description. */
  readonly role: 'pf' | 'vf' | 'other';
}

const ADDR = '((?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2}\\.[0-9a-f])';
const REV = '(?: \\(rev ([0-9a-f]{2})\\))?';
const N = new RegExp(`^${ADDR} ([0-9a-f]{4}): ([0-9a-f]{4}):([0-9a-f]{4})${REV}$`, 'i');
const NN = new RegExp(`^${ADDR} (.+?) \\[([0-9a-f]{4})\\]: (.*) \\[([0-9a-f]{4}):([0-9a-f]{4})\\]${REV}$`, 'i');
const PLAIN = new RegExp(`^${ADDR} ([^:]+): (.*?)${REV}$`, 'i');

function role(deviceId: string | undefined, description: string | undefined, vendorId: string | undefined): PciDevice['role'] {
  if (vendorId === MELLANOX_VENDOR && deviceId === MLX5_VF_DEVICE) return 'vf';
  if (vendorId === MELLANOX_VENDOR && deviceId === CX7_PF_DEVICE) return 'pf';
  if (/Virtual Function/i.test(description ?? '')) return 'vf';
  if (deviceId === undefined && /\bConnectX-7\b/.test(description ?? '')) return 'pf';
  return 'other';
}

export function parseLspciLine(line: string, fact = 'lspci'): PciDevice {
  const t = line.trim();
  const opt = <K extends string>(k: K, v: string | undefined) => (v === undefined ? {} : ({ [k]: v } as Record<K, string>));
  let m = N.exec(t);
  if (m) {
    const [, addr, cls, ven, dev, rev] = m;
    return {
      address: normalizePciAddress(addr ?? ''),
      classCode: (cls ?? '').toLowerCase(),
      vendorId: (ven ?? '').toLowerCase(),
      deviceId: (dev ?? '').toLowerCase(),
      ...opt('revision', rev),
      role: role(dev?.toLowerCase(), undefined, ven?.toLowerCase()),
    };
  }
  m = NN.exec(t);
  if (m) {
    const [, addr, name, cls, desc, ven, dev, rev] = m;
    return {
      address: normalizePciAddress(addr ?? ''),
      className: name ?? '',
      classCode: (cls ?? '').toLowerCase(),
      description: desc ?? '',
      vendorId: (ven ?? '').toLowerCase(),
      deviceId: (dev ?? '').toLowerCase(),
      ...opt('revision', rev),
      role: role(dev?.toLowerCase(), desc, ven?.toLowerCase()),
    };
  }
  m = PLAIN.exec(t);
  if (m) {
    const [, addr, name, desc, rev] = m;
    return {
      address: normalizePciAddress(addr ?? ''),
      className: name ?? '',
      description: desc ?? '',
      ...opt('revision', rev),
      role: role(undefined, desc, undefined),
    };
  }
  throw new FactParseError(fact, `not an lspci device line: ${show(line)}`);
}

export function parseLspci(stdout: string): PciDevice[] {
  return contentLines(stdout).map((l) => parseLspciLine(l));
}

/** Mellanox/NVIDIA devices with names and ids: `lspci -D -nn -d 15b3:`. Empty when there are none. */
export const mellanoxDevices = defineFact({
  name: 'lspci.mellanox',
  command: () => sh`lspci -D -nn -d ${`${MELLANOX_VENDOR}:`}`,
  parse: (stdout) => parseLspci(stdout),
});

// ---- lspci -k ------------------------------------------------------------------------------

export interface PciKernelInfo {
  readonly device: PciDevice;
  readonly subsystem?: string;
  /** null when no driver is bound. */
  readonly driverInUse: string | null;
  readonly modules: readonly string[];
  /** Every indented `Key: value` line. */
  readonly fields: Readonly<Record<string, string>>;
}

/** `lspci -k` blocks: a device line, then tab-indented `Subsystem:`, `Kernel driver in use:`, `Kernel modules:`. */
export function parseLspciKernel(stdout: string): PciKernelInfo[] {
  const FACT = 'lspci.kernel';
  const out: { device: PciDevice; fields: Record<string, string> }[] = [];
  for (const line of lines(stdout)) {
    if (line.trim() === '') continue;
    if (!/^\s/.test(line)) {
      out.push({ device: parseLspciLine(line, FACT), fields: {} });
      continue;
    }
    const cur = out[out.length - 1];
    if (!cur) throw new FactParseError(FACT, `indented line before any device line: ${show(line)}`);
    const kv = /^([A-Za-z][A-Za-z ]*?):\s*(.*)$/.exec(line.trim());
    if (!kv) throw new FactParseError(FACT, `not "Key: value": ${show(line)}`);
    cur.fields[kv[1] ?? ''] = (kv[2] ?? '').trim();
  }
  return out.map(({ device, fields }) => ({
    device,
    ...(fields['Subsystem'] !== undefined && { subsystem: fields['Subsystem'] }),
    driverInUse: fields['Kernel driver in use'] ?? null,
    modules: (fields['Kernel modules'] ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''),
    fields,
  }));
}

/** `lspci -D -k -s <addr>` → the device's driver info, or null when no such device. */
export const lspciKernel = defineFact({
  name: 'lspci.kernel',
  command: (pci: string) => sh`lspci -D -k -s ${pci}`,
  parse: (stdout): PciKernelInfo | null => {
    const all = parseLspciKernel(stdout);
    if (all.length > 1) throw new FactParseError('lspci.kernel', `expected one device, got ${all.length}`);
    return all[0] ?? null;
  },
});

// ---- lshw -businfo ---------------------------------------------------------------------------

export interface LshwRow {
  /** `pci@0000:e1:00.0`; empty for devices without a bus (virtual interfaces). */
  readonly busInfo: string;
  /** The PCI address from busInfo. Representors show their PF's address. */
  readonly pci?: string;
  /** The netdev name; absent when the device has none (e.g. a VF bound to vfio). */
  readonly device?: string;
  readonly class: string;
  readonly description: string;
}

/**
 * Column starts come from the header (widths differ between lshw versions); a cell is read as
 * one word, and an empty cell is recognised by the next word starting in a later column.
 */
export function parseLshwBusinfo(stdout: string): LshwRow[] {
  const FACT = 'lshw.businfo';
  const ls = lines(stdout).filter((l) => l.trim() !== '');
  if (ls.length === 0) return [];
  const header = ls[0] ?? '';
  const starts = ['Bus info', 'Device', 'Class', 'Description'].map((h) => header.indexOf(h));
  if (starts.some((s) => s < 0) || starts.some((s, i) => i > 0 && s <= (starts[i - 1] ?? 0))) {
    throw new FactParseError(FACT, `not the "Bus info Device Class Description" header: ${show(header)}`);
  }
  if (!/^=+$/.test((ls[1] ?? '').trim())) throw new FactParseError(FACT, `expected a ==== line after the header: ${show(ls[1] ?? '')}`);
  return ls.slice(2).map((line) => {
    const cells: string[] = [];
    let pos = 0;
    for (let col = 0; col < 3; col++) {
      let s = pos;
      while (line[s] === ' ') s++;
      if (s >= (starts[col + 1] ?? Infinity) || s >= line.length) {
        cells.push('');
        continue;
      }
      let e = s;
      while (e < line.length && line[e] !== ' ') e++;
      cells.push(line.slice(s, e));
      pos = e;
    }
    const description = line.slice(pos).trim();
    const [busInfo, device, cls] = cells as [string, string, string];
    if (cls === '') throw new FactParseError(FACT, `row without a class: ${show(line)}`);
    let pci: string | undefined;
    if (busInfo !== '') {
      const m = /^pci@(.+)$/.exec(busInfo);
      if (m && isPciAddress(m[1] ?? '')) pci = normalizePciAddress(m[1] ?? '');
      else if (!/^[a-z]+@\S+$/.test(busInfo)) throw new FactParseError(FACT, `bus info not understood: ${show(line)}`);
    }
    return {
      busInfo,
      ...(pci !== undefined && { pci }),
      ...(device !== '' && { device }),
      class: cls,
      description,
    };
  });
}

export const lshwNetwork = defineFact({
  name: 'lshw.businfo',
  command: () => sh`lshw -c network -businfo`,
  parse: (stdout) => parseLshwBusinfo(stdout),
});

/** Rows that are virtual functions (by description), e.g. to find a VF's address. */
export function lshwVirtualFunctions(rows: readonly LshwRow[]): LshwRow[] {
  return rows.filter((r) => /Virtual Function/i.test(r.description));
}
