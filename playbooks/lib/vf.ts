/** The VF's libvirt interface: its MAC, its XML, and the per-PF migration limit. */
import { createHash } from 'node:crypto';
import { fail, step, type HostContext, type HostStep } from 'marshal';
import { domains, domainXml, vfAddresses, toLibvirtAddress, parseXml, type DomainXml } from './facts';
import { vfPci, type Cx7Vars } from './cx7';

export interface VfVars extends Cx7Vars {
  vm_name: string;
  /** Which VF (virtfnN) the VM gets (default 0). */
  vf_index?: number | string;
  /** Several VMs or several VFs per VM, replacing vm_name/vf_index: `[{ name: vm1, vfs: [0, 1] }, { name: vm2, vfs: [2] }]`. */
  vms?: readonly { name?: unknown; vfs?: unknown }[];
  /** Optional fixed MAC (one VF only); otherwise one is derived from host, VM and VF. */
  vf_mac?: string;
  /** Where the interface XML is written on the source host (one VF only). */
  vf_xml_path?: string;
}

type H = HostContext<VfVars>;

/** A VM and the VF indexes it gets. */
export interface VmSpec {
  readonly name: string;
  readonly vfs: readonly number[];
}

/** One VF given to one VM: its index, its address on the source, the MAC it gets. */
export interface VfAssignment {
  readonly vm: string;
  readonly index: number;
  readonly vf: string;
  readonly mac: string;
}

/** QEMU/KVM's locally administered OUI, as in the procedure's example (52:54:00:56:8c:f7). */
const OUI = '52:54:00';
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** Live-migrating more than this many VFs of one CX-7 PF at a time is not supported. */
export const MAX_MIGRATING_VFS_PER_PF = 4;

function vfIndex(h: H, raw: unknown, where: string): number {
  const n = Number(raw);
  if (raw === '' || raw === null || !Number.isInteger(n) || n < 0) fail(`${where} on ${h.name}: VF index "${String(raw)}" is not a whole number >= 0`, { expected: 'a VF index such as 0', seen: String(raw) });
  return n;
}

/** The source's VMs and their VFs: `vms`, else `vm_name` with `vf_index` (default 0); a VF given twice is an error. */
export function vmsOf(h: H): VmSpec[] {
  let list: VmSpec[];
  if (h.vars.vms !== undefined) {
    if (!Array.isArray(h.vars.vms) || h.vars.vms.length === 0) fail(`vms on ${h.name} must be a non-empty list of { name, vfs }`, { expected: '[{ name: vm1, vfs: [0] }]', seen: JSON.stringify(h.vars.vms) });
    list = h.vars.vms.map((v, i) => {
      if (typeof v?.name !== 'string' || !v.name) fail(`vms[${i}] on ${h.name} has no name`, { expected: '{ name: vm1, vfs: [0] }', seen: JSON.stringify(v) });
      const vfs = v.vfs === undefined ? [0] : Array.isArray(v.vfs) ? v.vfs : [v.vfs];
      return { name: v.name, vfs: (vfs as unknown[]).map((x) => vfIndex(h, x, `vms[${i}].vfs`)) };
    });
  } else list = [{ name: h.vars.vm_name, vfs: [vfIndex(h, h.vars.vf_index ?? 0, 'vf_index')] }];
  const owner = new Map<number, string>();
  for (const vm of list) {
    for (const i of vm.vfs) {
      const other = owner.get(i);
      if (other !== undefined) fail(`VF ${i} is given to both ${other} and ${vm.name} on ${h.name}`, { expected: 'each VF index once', seen: `${i}: ${other}, ${vm.name}` });
      owner.set(i, vm.name);
    }
  }
  const total = list.reduce((a, v) => a + v.vfs.length, 0);
  if (total > 1 && (h.vars.vf_mac !== undefined || h.vars.vf_xml_path !== undefined)) fail(`vf_mac and vf_xml_path name one VF; ${h.name} gives ${total} VFs to VMs: leave them unset`);
  return list;
}

export function xmlPath(h: H, vm: string, index: number): string {
  return h.vars.vf_xml_path ?? `/root/mlx_vf-${vm}-vf${index}.xml`;
}

/** Given, or derived deterministically (same host, VM and VF → same MAC on every run). */
export function vfMac(h: H, vm: string, vf: string): string {
  if (h.vars.vf_mac !== undefined) {
    const mac = String(h.vars.vf_mac).toLowerCase();
    if (!MAC.test(mac)) fail(`vf_mac "${h.vars.vf_mac}" is not a MAC address like 52:54:00:56:8c:f7`);
    if (parseInt(mac.slice(0, 2), 16) & 1) fail(`vf_mac ${mac} is a multicast address`);
    return mac;
  }
  const d = createHash('sha256').update(`${h.name}\0${vm}\0${vf}`).digest();
  return `${OUI}:${[d[0]!, d[1]!, d[2]!].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

/** Every VF the source gives to a VM, with its address (read from virtfnN) and MAC. */
export async function vfAssignments(h: H): Promise<VfAssignment[]> {
  const out: VfAssignment[] = [];
  for (const vm of vmsOf(h)) {
    for (const index of vm.vfs) {
      const vf = await vfPci(h, index);
      out.push({ vm: vm.name, index, vf, mac: vfMac(h, vm.name, vf) });
    }
  }
  return out;
}

/** Every domain's XML on a host (running or not). */
export async function allDomainXml(h: HostContext<object>): Promise<DomainXml[]> {
  const list = await h.fact(domains);
  return Promise.all(list.map((d) => h.fact(domainXml, d.name)));
}

export function renderVfXml(h: H, a: VfAssignment): string {
  const xml = h.render('mlx_vf.xml.hbs', { mac: a.mac, pci: toLibvirtAddress(a.vf) });
  try {
    const root = parseXml(xml, 'mlx_vf.xml');
    if (root.name !== 'interface') fail(`rendered XML's root is <${root.name}>, expected <interface>`);
  } catch (err) {
    fail(`templates/mlx_vf.xml.hbs rendered invalid XML: ${(err as Error).message}`);
  }
  return xml;
}

/** VFs of this PF passed through to domains on the host, other than `except`. */
export async function vfsInUse(h: H, except: readonly string[]): Promise<string[]> {
  const ours = new Set((await h.fact(vfAddresses, h.vars.pf_pci)).map((v) => v.address));
  const used = (await allDomainXml(h)).flatMap((d) => d.passthroughPci);
  return [...new Set(used.filter((p) => ours.has(p) && !except.includes(p)))];
}

/**
 * Migration waves: VMs that migrate together, at most `max` VFs of any one PF in a wave (QEMU's
 * DMA logging limit), in the given order. A VM alone above the limit is a wave of its own (libvirt refuses it).
 */
export function migrationWaves<T>(vms: readonly T[], vfsPerPf: (vm: T) => ReadonlyMap<string, number>, max = MAX_MIGRATING_VFS_PER_PF): T[][] {
  const waves: { vms: T[]; load: Map<string, number> }[] = [];
  for (const vm of vms) {
    const need = vfsPerPf(vm);
    const fits = (w: { load: Map<string, number> }) => [...need].every(([pf, n]) => (w.load.get(pf) ?? 0) + n <= max);
    let wave = waves.find(fits);
    if (!wave) waves.push((wave = { vms: [], load: new Map() }));
    wave.vms.push(vm);
    for (const [pf, n] of need) wave.load.set(pf, (wave.load.get(pf) ?? 0) + n);
  }
  return waves.map((w) => w.vms);
}

/**
 * A VM with a virtual IOMMU cannot be live-migrated with a VF. `onlyIfRunningHere` skips the
 * check on a source the VM already left (migrate-vm re-runs).
 */
export function noViommu(opts: { onlyIfRunningHere?: boolean } = {}): HostStep<VfVars> {
  return step<VfVars>({
    name: 'VM has no virtual IOMMU',
    hosts: 'source',
    verify: async (h) => {
      const running = new Set((await h.fact(domains)).filter((d) => d.state === 'running').map((d) => d.name));
      for (const vm of vmsOf(h)) {
        if (opts.onlyIfRunningHere && !running.has(vm.name)) continue;
        const x = await h.fact(domainXml, vm.name);
        if (x.iommu) {
          fail(`${vm.name} has a vIOMMU (<iommu model='${x.iommu.model}'/>): Migration is currently not supported with vIOMMU enabled`, {
            expected: 'no <iommu> device',
            seen: `<iommu model='${x.iommu.model}'/>`,
          });
        }
      }
    },
  });
}
