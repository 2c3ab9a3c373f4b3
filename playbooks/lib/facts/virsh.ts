/**
 * virsh: the domain list, a domain's XML (vIOMMU, hostdev interfaces, MACs), job info,
 * and the texts libvirt uses to refuse a migration.
 */
import { defineFact, sh, FactParseError } from 'marshal';
import { formatPciAddress, fromLibvirtAddress } from './pci-address';
import { contentLines, lines, show } from './text';
import { child, children, parseXml, type XmlElement } from './xml';

// ---- virsh list --all --------------------------------------------------------------------------

export const DOMAIN_STATES = [
  'running',
  'idle',
  'paused',
  'in shutdown',
  'shut off',
  'crashed',
  'pmsuspended',
  'blocked',
  'dying',
  'no state',
] as const;
export type DomainState = (typeof DOMAIN_STATES)[number];

export interface DomainListEntry {
  /** null for inactive domains (`-`). */
  readonly id: number | null;
  readonly name: string;
  readonly state: DomainState;
}

const LIST_ROW = new RegExp(`^\\s*(\\d+|-)\\s+(\\S(?:.*?\\S)?)\\s+(${DOMAIN_STATES.join('|')})\\s*$`);

export function parseVirshList(stdout: string): DomainListEntry[] {
  const FACT = 'virsh.list';
  const ls = contentLines(stdout);
  if (ls.length === 0) throw new FactParseError(FACT, 'empty output (expected the " Id   Name   State" header)');
  if (!/^\s*Id\s+Name\s+State\s*$/.test(ls[0] ?? '')) throw new FactParseError(FACT, `not the list header: ${show(ls[0] ?? '')}`);
  if (!/^-+$/.test((ls[1] ?? '').trim())) throw new FactParseError(FACT, `expected a ---- line after the header: ${show(ls[1] ?? '')}`);
  return ls.slice(2).map((line) => {
    const m = LIST_ROW.exec(line);
    if (!m) throw new FactParseError(FACT, `not "<id> <name> <state>": ${show(line)}`);
    return { id: m[1] === '-' ? null : Number(m[1]), name: m[2] ?? '', state: m[3] as DomainState };
  });
}

export const domains = defineFact({
  name: 'virsh.list',
  command: () => sh`virsh list --all`,
  parse: (stdout) => parseVirshList(stdout),
});

// ---- virsh dumpxml -----------------------------------------------------------------------------

export interface DomainInterface {
  /** `hostdev`, `network`, `bridge`, `direct`, ... */
  readonly type: string;
  readonly managed?: boolean;
  readonly mac?: string;
  readonly model?: string;
  /** Host PCI address of a hostdev interface's `<source><address type='pci' .../>`. */
  readonly sourcePci?: string;
  readonly sourceNetwork?: string;
  readonly sourceBridge?: string;
  readonly driver?: string;
  readonly targetDev?: string;
  readonly alias?: string;
}

export interface DomainHostdev {
  readonly mode?: string;
  readonly type?: string;
  readonly managed?: boolean;
  readonly sourcePci?: string;
  readonly driver?: string;
  readonly alias?: string;
}

export interface DomainXml {
  readonly name: string;
  readonly uuid?: string;
  /** The `<iommu model='...'/>` device: a vIOMMU, which blocks VF migration. null when absent. */
  readonly iommu: { readonly model: string } | null;
  readonly interfaces: readonly DomainInterface[];
  readonly hostdevs: readonly DomainHostdev[];
  /** Every interface MAC, lower case. */
  readonly macs: readonly string[];
  /** Host PCI addresses passed through, from hostdev interfaces and `<hostdev type='pci'>`. */
  readonly passthroughPci: readonly string[];
}

const XML_FACT = 'virsh.dumpxml';

function managed(el: XmlElement): boolean | undefined {
  const v = el.attrs['managed'];
  if (v === undefined) return undefined;
  if (v === 'yes') return true;
  if (v === 'no') return false;
  throw new FactParseError(XML_FACT, `<${el.name} managed='${v}'> is neither yes nor no`);
}

/** `<source><address type='pci' .../></source>` → canonical PCI address. */
function sourcePci(el: XmlElement): string | undefined {
  const addr = child(el, 'source', 'address');
  if (!addr) return undefined;
  const type = addr.attrs['type'];
  if (type !== undefined && type !== 'pci') return undefined;
  try {
    return formatPciAddress(fromLibvirtAddress(addr.attrs));
  } catch (e) {
    throw new FactParseError(XML_FACT, `<${el.name}> source address: ${(e as Error).message}`);
  }
}

const opt = <K extends string, V>(k: K, v: V | undefined) => (v === undefined ? {} : ({ [k]: v } as { [P in K]: V }));

export function parseDomainXml(stdout: string): DomainXml {
  const root = parseXml(stdout, XML_FACT);
  if (root.name !== 'domain') throw new FactParseError(XML_FACT, `root element is <${root.name}>, expected <domain>`);
  const name = child(root, 'name')?.text.trim();
  if (!name) throw new FactParseError(XML_FACT, '<domain> has no <name>');
  const devices = child(root, 'devices');
  const iommuEl = devices ? child(devices, 'iommu') : undefined;
  if (iommuEl && !iommuEl.attrs['model']) throw new FactParseError(XML_FACT, '<iommu> without a model attribute');

  const interfaces: DomainInterface[] = (devices ? children(devices, 'interface') : []).map((el) => {
    const type = el.attrs['type'];
    if (!type) throw new FactParseError(XML_FACT, '<interface> without a type attribute');
    const mac = child(el, 'mac')?.attrs['address']?.toLowerCase();
    if (mac !== undefined && !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/.test(mac)) {
      throw new FactParseError(XML_FACT, `<interface> MAC is not xx:xx:xx:xx:xx:xx: ${show(mac)}`);
    }
    const src = child(el, 'source');
    return {
      type,
      ...opt('managed', managed(el)),
      ...opt('mac', mac),
      ...opt('model', child(el, 'model')?.attrs['type']),
      ...opt('sourcePci', type === 'hostdev' ? sourcePci(el) : undefined),
      ...opt('sourceNetwork', type === 'network' ? src?.attrs['network'] : undefined),
      ...opt('sourceBridge', type === 'bridge' ? src?.attrs['bridge'] : undefined),
      ...opt('driver', child(el, 'driver')?.attrs['name']),
      ...opt('targetDev', child(el, 'target')?.attrs['dev']),
      ...opt('alias', child(el, 'alias')?.attrs['name']),
    };
  });
  const hostdevs: DomainHostdev[] = (devices ? children(devices, 'hostdev') : []).map((el) => ({
    ...opt('mode', el.attrs['mode']),
    ...opt('type', el.attrs['type']),
    ...opt('managed', managed(el)),
    ...opt('sourcePci', el.attrs['type'] === 'pci' ? sourcePci(el) : undefined),
    ...opt('driver', child(el, 'driver')?.attrs['name']),
    ...opt('alias', child(el, 'alias')?.attrs['name']),
  }));
  const passthroughPci = [...interfaces, ...hostdevs].flatMap((d) => (d.sourcePci ? [d.sourcePci] : []));
  return {
    name,
    ...opt('uuid', child(root, 'uuid')?.text.trim()),
    iommu: iommuEl ? { model: iommuEl.attrs['model']! } : null,
    interfaces,
    hostdevs,
    macs: interfaces.flatMap((i) => (i.mac ? [i.mac] : [])),
    passthroughPci,
  };
}

export const domainXml = defineFact({
  name: XML_FACT,
  command: (vm: string) => sh`virsh dumpxml ${vm}`,
  parse: (stdout) => parseDomainXml(stdout),
});

// ---- virsh domjobinfo ----------------------------------------------------------------------------

export interface Quantity {
  readonly value: number;
  /** `ms`, `MiB`, `MiB/s`, `pages/s`, `bytes`, `%`; undefined for plain counts. */
  readonly unit?: string;
}

export interface DomJobInfo {
  /** `None`, `Bounded`, `Unbounded`, `Completed`, `Failed`, `Cancelled`. */
  readonly jobType: string;
  /** True while a job runs (Bounded/Unbounded). */
  readonly active: boolean;
  readonly operation?: string;
  /** Every label → value as printed. */
  readonly fields: Readonly<Record<string, string>>;
  /** Labels whose value is a number with an optional unit. */
  readonly quantities: Readonly<Record<string, Quantity>>;
}

const UNIT_BYTES: Record<string, number> = { B: 1, KiB: 2 ** 10, MiB: 2 ** 20, GiB: 2 ** 30, TiB: 2 ** 40, PiB: 2 ** 50, EiB: 2 ** 60 };

/** A `Quantity` in bytes (or bytes/s for `.../s` units); undefined when the unit is not a size. */
export function toBytes(q: Quantity | undefined): number | undefined {
  if (!q) return undefined;
  const unit = (q.unit ?? '').replace(/\/s$/, '');
  if (unit === 'bytes') return q.value;
  const f = UNIT_BYTES[unit];
  return f === undefined ? undefined : q.value * f;
}

export function parseDomJobInfo(stdout: string): DomJobInfo {
  const FACT = 'virsh.domjobinfo';
  const fields: Record<string, string> = {};
  const quantities: Record<string, Quantity> = {};
  for (const line of contentLines(stdout)) {
    const m = /^([A-Za-z][^:]*):\s+(\S.*?)\s*$/.exec(line);
    if (!m) throw new FactParseError(FACT, `not "Label: value": ${show(line)}`);
    const [, label, value] = m as unknown as [string, string, string];
    if (label in fields) throw new FactParseError(FACT, `${label} appears twice: ${show(line)}`);
    fields[label] = value;
    const q = /^(-?\d+(?:\.\d+)?)\s*(\S+)?$/.exec(value);
    if (q) quantities[label] = { value: Number(q[1]), ...opt('unit', q[2]) };
  }
  const jobType = fields['Job type'];
  if (jobType === undefined) throw new FactParseError(FACT, stdout.trim() === '' ? 'empty output' : 'no "Job type:" line');
  return {
    jobType,
    active: jobType === 'Bounded' || jobType === 'Unbounded',
    ...opt('operation', fields['Operation']),
    fields,
    quantities,
  };
}

export const domJobInfo = defineFact({
  name: 'virsh.domjobinfo',
  command: (vm: string, opts: { completed?: boolean } = {}) =>
    opts.completed ? sh`virsh domjobinfo ${vm} --completed` : sh`virsh domjobinfo ${vm}`,
  parse: (stdout) => parseDomJobInfo(stdout),
});

// ---- migration refusals ---------------------------------------------------------------------------

export type MigrationRefusalReason = 'postcopy' | 'viommu' | 'vfio-not-supported' | 'legacy-hostdev' | 'other';

export interface MigrationRefusal {
  readonly reason: MigrationRefusalReason;
  /** The device QEMU named, e.g. `0000:e1:00.1`, when it named one. */
  readonly device?: string;
  /** The line that says why (the first `error:` line, else the first non-empty line). */
  readonly message: string;
}

// QEMU names a VFIO device by its host address (or a libvirt alias); only those count as `device`.
const DEV = '(?:((?:[0-9a-f]{4,8}:)?[0-9a-f]{2}:[0-9a-f]{2}\\.[0-9a-f]|hostdev\\d+|ua-[\\w-]+): )?';
const REFUSALS: readonly { reason: Exclude<MigrationRefusalReason, 'other'>; re: RegExp }[] = [
  { reason: 'postcopy', re: /VFIO migration is not supported with postcopy migration/i },
  { reason: 'viommu', re: new RegExp(`${DEV}Migration is currently not supported with vIOMMU enabled`, 'i') },
  { reason: 'vfio-not-supported', re: new RegExp(`${DEV}VFIO migration is not supported in kernel`, 'i') },
  { reason: 'legacy-hostdev', re: /domain has assigned non-USB host devices/i },
];

/** Why `virsh migrate` refused, from its stderr. Never throws: unknown texts are 'other'. */
export function classifyMigrationError(stderr: string): MigrationRefusal {
  const ls = lines(stderr).map((l) => l.trim()).filter((l) => l !== '');
  const message = ls.find((l) => /^error:/i.test(l) && !/^error: Failed to/i.test(l)) ?? ls.find((l) => /^error:/i.test(l)) ?? ls[0] ?? '';
  for (const { reason, re } of REFUSALS) {
    for (const l of ls) {
      const m = re.exec(l);
      if (!m) continue;
      return { reason, message: l, ...opt('device', m[1]) };
    }
  }
  return { reason: 'other', message };
}

/** `virsh migrate --verbose` progress (`Migration: [ 42.00 %]`): the last percentage seen. */
export function lastMigrationProgress(stderr: string): number | undefined {
  const all = [...stderr.matchAll(/Migration: \[\s*(\d+(?:\.\d+)?) ?%\]/g)];
  const last = all[all.length - 1];
  return last ? Number(last[1]) : undefined;
}

/** `Device pci_0000_e1_00_1 detached` → the node-device name; throws on anything else. */
export function parseNodedevDetach(stdout: string): string {
  const m = /^Device (\S+) detached$/.exec(contentLines(stdout)[0]?.trim() ?? '');
  if (!m) throw new FactParseError('virsh.nodedev-detach', `not "Device <name> detached": ${show(stdout.trim())}`);
  return m[1] ?? '';
}

