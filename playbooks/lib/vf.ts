/** The VF's libvirt interface: its MAC, its XML, and the per-PF migration limit. */
import { createHash } from 'node:crypto';
import { fail, step, type HostContext, type HostStep } from 'marshal';
import { domains, domainXml, vfAddresses, toLibvirtAddress, parseXml, type DomainXml } from './facts';
import { vfPci, type Cx7Vars } from './cx7';

export interface VfVars extends Cx7Vars {
  vm_name: string;
  /** Optional fixed MAC; otherwise one is derived from host, VM and VF. */
  vf_mac?: string;
  /** Where the interface XML is written on the source host. */
  vf_xml_path?: string;
}

type H = HostContext<VfVars>;

/** QEMU/KVM's locally administered OUI, as in the procedure's example (52:54:00:56:8c:f7). */
const OUI = '52:54:00';
const MAC = /^([0-9a-f]{2}:){5}[0-9a-f]{2}$/;

/** Live-migrating more than this many VFs of one CX-7 PF at a time is not supported. */
export const MAX_MIGRATING_VFS_PER_PF = 4;

export function xmlPath(h: H): string {
  return h.vars.vf_xml_path ?? `/root/mlx_vf-${h.vars.vm_name}.xml`;
}

/** Given, or derived deterministically (same host, VM and VF → same MAC on every run). */
export function vfMac(h: H, vf: string): string {
  if (h.vars.vf_mac !== undefined) {
    const mac = String(h.vars.vf_mac).toLowerCase();
    if (!MAC.test(mac)) fail(`vf_mac "${h.vars.vf_mac}" is not a MAC address like 52:54:00:56:8c:f7`);
    if (parseInt(mac.slice(0, 2), 16) & 1) fail(`vf_mac ${mac} is a multicast address`);
    return mac;
  }
  const d = createHash('sha256').update(`${h.name}\0${h.vars.vm_name}\0${vf}`).digest();
  return `${OUI}:${[d[0]!, d[1]!, d[2]!].map((b) => b.toString(16).padStart(2, '0')).join(':')}`;
}

/** The source's VF 0 (read from virtfn0) and the MAC it gets. */
export async function vfIdentity(h: H): Promise<{ vf: string; mac: string }> {
  const vf = await vfPci(h);
  return { vf, mac: vfMac(h, vf) };
}

/** Every domain's XML on a host (running or not). */
export async function allDomainXml(h: HostContext<object>): Promise<DomainXml[]> {
  const list = await h.fact(domains);
  return Promise.all(list.map((d) => h.fact(domainXml, d.name)));
}

export async function renderVfXml(h: H): Promise<{ xml: string; mac: string; vf: string }> {
  const { vf, mac } = await vfIdentity(h);
  const xml = h.render('mlx_vf.xml.hbs', { mac, pci: toLibvirtAddress(vf) });
  try {
    const root = parseXml(xml, 'mlx_vf.xml');
    if (root.name !== 'interface') fail(`rendered XML's root is <${root.name}>, expected <interface>`);
  } catch (err) {
    fail(`templates/mlx_vf.xml.hbs rendered invalid XML: ${(err as Error).message}`);
  }
  return { xml, mac, vf };
}

/** VFs of this PF passed through to domains on the host, other than `except`. */
export async function vfsInUse(h: H, except: string): Promise<string[]> {
  const ours = new Set((await h.fact(vfAddresses, h.vars.pf_pci)).map((v) => v.address));
  const used = (await allDomainXml(h)).flatMap((d) => d.passthroughPci);
  return [...new Set(used.filter((p) => ours.has(p) && p !== except))];
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
      if (opts.onlyIfRunningHere && !(await h.fact(domains)).some((d) => d.name === h.vars.vm_name && d.state === 'running')) return;
      const x = await h.fact(domainXml, h.vars.vm_name);
      if (x.iommu) {
        fail(`${h.vars.vm_name} has a vIOMMU (<iommu model='${x.iommu.model}'/>): Migration is currently not supported with vIOMMU enabled`, {
          expected: 'no <iommu> device',
          seen: `<iommu model='${x.iommu.model}'/>`,
        });
      }
    },
  });
}
