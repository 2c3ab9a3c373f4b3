/**
 * PCI addresses in the three spellings the procedure meets: sysfs/lspci (`0000:e1:00.1`),
 * libvirt XML (`domain='0x0000' bus='0xe1' slot='0x00' function='0x1'`) and node-device
 * names (`pci_0000_e1_00_1`). Values are validated against the PCI ranges.
 */
import { FactParseError } from 'marshal';
import { show } from './text';

export interface PciAddress {
  readonly domain: number; // 0..0xffffffff (4 hex digits in practice)
  readonly bus: number; // 0..0xff
  readonly slot: number; // 0..0x1f
  readonly function: number; // 0..7
}

const FACT = 'pci-address';
// Domains above 0xffff exist (Intel VMD uses 10000:...), so allow 32 bits as the kernel does.
const LIMITS = { domain: 0xffffffff, bus: 0xff, slot: 0x1f, function: 7 } as const;
type Part = keyof typeof LIMITS;
const PARTS: readonly Part[] = ['domain', 'bus', 'slot', 'function'];

function checked(a: PciAddress, source: string): PciAddress {
  for (const p of PARTS) {
    const v = a[p];
    if (!Number.isInteger(v) || v < 0 || v > LIMITS[p]) {
      throw new FactParseError(FACT, `${p} out of range (0..0x${LIMITS[p].toString(16)}) in ${show(source)}`);
    }
  }
  return a;
}

const SYSFS = /^(?:([0-9a-f]{4,8}):)?([0-9a-f]{2}):([0-9a-f]{2})\.([0-9a-f])$/i;

/**
 * `0000:e1:00.1` (or `e1:00.1`, domain 0, as lspci prints without -D) → parts.
 * Throws a FactParseError that quotes the text and shows the expected form.
 */
export function parsePciAddress(text: string): PciAddress {
  const m = SYSFS.exec(text.trim());
  if (!m) {
    throw new FactParseError(FACT, `not a PCI address: ${show(text)} (expected DDDD:BB:SS.F, e.g. 0000:e1:00.1)`);
  }
  const [, d, b, s, f] = m;
  return checked(
    {
      domain: d === undefined ? 0 : parseInt(d, 16),
      bus: parseInt(b ?? '', 16),
      slot: parseInt(s ?? '', 16),
      function: parseInt(f ?? '', 16),
    },
    text,
  );
}

export function isPciAddress(text: string): boolean {
  try {
    parsePciAddress(text);
    return true;
  } catch {
    return false;
  }
}

const hex = (n: number, width: number) => n.toString(16).padStart(width, '0');

/** Canonical sysfs spelling: `0000:e1:00.1` (lower case, full domain). */
export function formatPciAddress(a: PciAddress): string {
  checked(a, JSON.stringify(a));
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${hex(a.function, 1)}`;
}

/** Any accepted spelling → canonical sysfs spelling. */
export function normalizePciAddress(text: string): string {
  return formatPciAddress(parsePciAddress(text));
}

const asAddress = (a: PciAddress | string): PciAddress => (typeof a === 'string' ? parsePciAddress(a) : a);

/** The attribute values libvirt writes in `<address type='pci' .../>`. */
export interface LibvirtPciAddress {
  readonly domain: string;
  readonly bus: string;
  readonly slot: string;
  readonly function: string;
}

export function toLibvirtAddress(a: PciAddress | string): LibvirtPciAddress {
  const p = checked(asAddress(a), typeof a === 'string' ? a : JSON.stringify(a));
  return {
    domain: `0x${hex(p.domain, 4)}`,
    bus: `0x${hex(p.bus, 2)}`,
    slot: `0x${hex(p.slot, 2)}`,
    function: `0x${hex(p.function, 1)}`,
  };
}

/** `domain='0x0000' bus='0xe1' slot='0x00' function='0x1'`, ready for an `<address>` element. */
export function libvirtAddressAttributes(a: PciAddress | string): string {
  const l = toLibvirtAddress(a);
  return `domain='${l.domain}' bus='${l.bus}' slot='${l.slot}' function='${l.function}'`;
}

/** libvirt reads these numbers with base 0 (strtol): `0x..` hex or decimal; we accept those two. */
function libvirtNumber(part: Part, value: string | undefined, source: string): number {
  if (value === undefined) throw new FactParseError(FACT, `libvirt address lacks ${part}: ${show(source)}`);
  const v = value.trim();
  if (/^0x[0-9a-f]+$/i.test(v)) return parseInt(v.slice(2), 16);
  if (/^(0|[1-9]\d*)$/.test(v)) return parseInt(v, 10);
  throw new FactParseError(FACT, `libvirt address ${part}=${show(value)} is not a number in ${show(source)}`);
}

/** Attributes of a libvirt `<address>` element (domain defaults to 0, as libvirt does). */
export function fromLibvirtAddress(attrs: Partial<Record<Part, string>>): PciAddress {
  const source = PARTS.map((p) => `${p}='${attrs[p] ?? ''}'`).join(' ');
  return checked(
    {
      domain: attrs.domain === undefined ? 0 : libvirtNumber('domain', attrs.domain, source),
      bus: libvirtNumber('bus', attrs.bus, source),
      slot: libvirtNumber('slot', attrs.slot, source),
      function: libvirtNumber('function', attrs.function, source),
    },
    source,
  );
}

/** `pci_0000_e1_00_1`: the name `virsh nodedev-detach` wants. */
export function nodeDeviceName(a: PciAddress | string): string {
  return `pci_${formatPciAddress(asAddress(a)).replace(/[:.]/g, '_')}`;
}

export function parseNodeDeviceName(name: string): PciAddress {
  const m = /^pci_([0-9a-f]{4,8})_([0-9a-f]{2})_([0-9a-f]{2})_([0-9a-f])$/i.exec(name.trim());
  if (!m) throw new FactParseError(FACT, `not a PCI node-device name: ${show(name)} (expected e.g. pci_0000_e1_00_1)`);
  return parsePciAddress(`${m[1]}:${m[2]}:${m[3]}.${m[4]}`);
}

export function samePciAddress(a: PciAddress | string, b: PciAddress | string): boolean {
  return formatPciAddress(asAddress(a)) === formatPciAddress(asAddress(b));
}
