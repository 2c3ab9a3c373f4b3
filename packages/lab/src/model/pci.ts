/** PCI address arithmetic and the netdev names the kernel derives from a PF. */

export interface PciAddress {
  domain: number;
  bus: number;
  slot: number;
  fn: number;
}

const PCI_RE = /^([0-9a-f]{4}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])$/i;

export function parsePci(addr: string): PciAddress {
  const m = PCI_RE.exec(addr);
  if (!m) throw new Error(`not a PCI address: ${addr}`);
  return { domain: parseInt(m[1]!, 16), bus: parseInt(m[2]!, 16), slot: parseInt(m[3]!, 16), fn: parseInt(m[4]!, 16) };
}

export function isPci(addr: string): boolean {
  return PCI_RE.test(addr);
}

const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');

export function formatPci(a: PciAddress): string {
  return `${hex(a.domain, 4)}:${hex(a.bus, 2)}:${hex(a.slot, 2)}.${a.fn}`;
}

/** VF n's address, as the PCI core computes it: routing id of the PF + offset + n * stride. */
export function vfAddress(pf: string, offset: number, stride: number, n: number): string {
  const a = parsePci(pf);
  const rid = (a.bus << 8) + (a.slot << 3) + a.fn + offset + n * stride;
  return formatPci({ domain: a.domain, bus: (rid >> 8) & 0xff, slot: (rid >> 3) & 0x1f, fn: rid & 7 });
}

/** libvirt node device name: `pci_0000_e1_00_1`. */
export function nodedevName(pci: string): string {
  return `pci_${pci.replace(/[:.]/g, '_')}`;
}

export function pciFromNodedev(name: string): string | undefined {
  const m = /^pci_([0-9a-f]{4})_([0-9a-f]{2})_([0-9a-f]{2})_([0-7])$/i.exec(name);
  return m ? `${m[1]}:${m[2]}:${m[3]}.${m[4]}`.toLowerCase() : undefined;
}

/** `enp225s0np0` -> `enp225s0`: the stem the VF netdev and representor names grow from. */
export function netdevStem(pfNetdev: string): string {
  return pfNetdev.replace(/np\d+$/, '');
}

export function vfNetdev(pfNetdev: string, n: number): string {
  return `${netdevStem(pfNetdev)}v${n}`;
}

export function representorName(pfNetdev: string, pfnum: number, n: number): string {
  return `${netdevStem(pfNetdev)}npf${pfnum}vf${n}`;
}

/** devlink port index = (vhca_id << 16) | vport; the uplink's vport is 0xffff, VF n's is n + 1. */
export function uplinkPortIndex(pfnum: number): number {
  return (pfnum << 16) | 0xffff;
}

export function vfPortIndex(pfnum: number, n: number): number {
  return (pfnum << 16) | (n + 1);
}
