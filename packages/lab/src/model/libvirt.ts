/** libvirt's part: hostdev attach/detach, node device detach, and live migration with its refusals. */
import type { DomainState, HostdevState, NicHostState } from './types';
import type { World } from './world';
import { findVf, domainUsing, migrationProblem, runningDomainUsing } from './host';
import { migrationActive } from './nic';

export type LibvirtResult = { ok: true } | { ok: false; error: string };

const ok: LibvirtResult = { ok: true };
const err = (error: string): LibvirtResult => ({ ok: false, error });

export function findDomain(host: NicHostState, name: string): DomainState | undefined {
  return host.domains.find((d) => d.name === name || String(d.id) === name || d.uuid === name);
}

export function pciNotFound(pci: string): string {
  return `Device ${pci} not found: could not access /sys/bus/pci/devices/${pci}/config: No such file or directory`;
}

/** Hostdev interfaces/hostdevs found in a device XML (what attach-device reads). */
export function parseHostdevXml(xml: string): HostdevState[] | string {
  const out: HostdevState[] = [];
  const blocks = xml.match(/<(interface|hostdev)\b[^>]*>[\s\S]*?<\/\1>/g) ?? [];
  for (const b of blocks) {
    const open = /^<(interface|hostdev)\b([^>]*)>/.exec(b)!;
    const attrs = open[2]!;
    if (open[1] === 'interface' && !/type=['"]hostdev['"]/.test(attrs)) return 'unsupported configuration: only hostdev interfaces are simulated';
    const addr = /<source>[\s\S]*?<address\b([^>]*)\/?>/.exec(b);
    if (!addr) return 'XML error: missing source address type=\'pci\'';
    const a = (k: string) => new RegExp(`${k}=['"](0x)?([0-9a-fA-F]+)['"]`).exec(addr[1]!)?.[2];
    const [dom, bus, slot, fn] = [a('domain') ?? '0', a('bus'), a('slot'), a('function')];
    if (bus === undefined || slot === undefined || fn === undefined) return "XML error: Missing 'bus' attribute in PCI address";
    const pci = `${parseInt(dom, 16).toString(16).padStart(4, '0')}:${parseInt(bus, 16).toString(16).padStart(2, '0')}:${parseInt(slot, 16)
      .toString(16)
      .padStart(2, '0')}.${parseInt(fn, 16)}`;
    const mac = /<mac\s+address=['"]([^'"]+)['"]/.exec(b)?.[1] ?? '';
    out.push({ pci, mac, managed: /managed=['"]yes['"]/.test(attrs) });
  }
  if (out.length === 0) return 'XML error: no hostdev device found in the XML';
  return out;
}

function inUseError(pci: string, d: DomainState): string {
  return `Requested operation is not valid: PCI device ${pci} is in use by driver QEMU, domain ${d.name}`;
}

export function attachHostdevs(world: World, host: NicHostState, domain: DomainState, devs: HostdevState[]): LibvirtResult {
  if (!host.iommu) return err("unsupported configuration: host doesn't support passthrough of host PCI devices");
  const now = world.now();
  for (const dev of devs) {
    const hit = findVf(host, dev.pci, now);
    if (!hit) return err(pciNotFound(dev.pci));
    const user = domainUsing(host, dev.pci);
    if (user) return err(inUseError(dev.pci, user));
  }
  for (const dev of devs) {
    const { vf } = findVf(host, dev.pci, now)!;
    // libvirt >= 10 binds a managed hostdev to the variant driver on its own (NVIDIA's notes).
    if (dev.managed) vf.driver = host.libvirtVariantDriver ? 'mlx5_vfio_pci' : 'vfio-pci';
    domain.hostdevs.push({ ...dev });
  }
  return ok;
}

export function detachHostdevs(world: World, host: NicHostState, domain: DomainState, devs: HostdevState[]): LibvirtResult {
  for (const dev of devs) {
    if (!domain.hostdevs.some((h) => h.pci === dev.pci)) return err('operation failed: matching host device not found');
  }
  for (const dev of devs) {
    const held = domain.hostdevs.find((h) => h.pci === dev.pci)!;
    domain.hostdevs = domain.hostdevs.filter((h) => h !== held);
    const hit = findVf(host, dev.pci, world.now());
    if (hit && held.managed) hit.vf.driver = 'mlx5_core';
  }
  return ok;
}

/** `virsh nodedev-detach`: unbinds the VF from its host driver and binds the stub/vfio driver. */
export function nodedevDetach(world: World, host: NicHostState, pci: string, driver: string | undefined): LibvirtResult {
  const hit = findVf(host, pci, world.now());
  if (!hit) return err(pciNotFound(pci));
  const user = runningDomainUsing(host, pci);
  if (user) return err(inUseError(pci, user));
  hit.vf.driver = driver === 'pci-stub' ? 'pci-stub' : 'vfio-pci';
  return ok;
}

export function nodedevReattach(world: World, host: NicHostState, pci: string): LibvirtResult {
  const hit = findVf(host, pci, world.now());
  if (!hit) return err(pciNotFound(pci));
  const user = runningDomainUsing(host, pci);
  if (user) return err(inUseError(pci, user));
  hit.vf.driver = 'mlx5_core';
  return ok;
}

/** At most 4 VFs of one CX-7 PF may be in live migration at once. */
export const MAX_MIGRATING_VFS_PER_PF = 4;

export interface MigrateOptions {
  live: boolean;
  postcopy: boolean;
}

/**
 * `virsh migrate`: refuses as libvirt/QEMU do (postcopy, vIOMMU, VF not on the migration
 * driver, too many VFs of one PF at once); the lab also refuses when either end is not
 * prepared, then moves the domain to the destination's model.
 */
export function migrateDomain(world: World, src: NicHostState, domain: DomainState, dst: NicHostState, opts: MigrateOptions): LibvirtResult {
  const now = world.now();
  if (domain.state !== 'running') return err('Requested operation is not valid: domain is not running');
  if (dst === src) return err('internal error: Attempt to migrate guest to the same host');
  if (!dst.packages.libvirt) return err(`failed to connect to the hypervisor\nerror: Cannot recv data: bash: line 1: virt-ssh-helper: command not found: Connection reset by peer`);
  if (dst.domains.some((d) => d.name === domain.name || d.uuid === domain.uuid)) {
    return err(`operation failed: domain '${domain.name}' already exists with uuid ${domain.uuid}`);
  }
  if (domain.hostdevs.length > 0) {
    if (opts.postcopy) return err('cannot migrate domain: VFIO migration is not supported with postcopy migration');
    for (const dev of domain.hostdevs) {
      if (domain.viommu) return err(`cannot migrate domain: ${dev.pci}: Migration is currently not supported with vIOMMU enabled`);
      const hit = findVf(src, dev.pci, now);
      if (!hit || hit.vf.driver !== 'mlx5_vfio_pci' || !hit.vf.migratable || !migrationActive(hit.pf)) {
        return err(`cannot migrate domain: ${dev.pci}: VFIO migration is not supported in kernel`);
      }
    }
    const perPf = new Map<string, number>();
    for (const dev of domain.hostdevs) {
      const pf = findVf(src, dev.pci, now)!.pf.pci;
      perPf.set(pf, (perPf.get(pf) ?? 0) + 1);
    }
    for (const [pf, n] of perPf) {
      if (world.inFlight(src.name, pf) + n > MAX_MIGRATING_VFS_PER_PF) {
        const dev = domain.hostdevs[domain.hostdevs.length - 1]!.pci;
        return err(`internal error: unable to execute QEMU command 'migrate': ${dev}: Failed to start DMA logging, err -28 (No space left on device)`);
      }
    }
    for (const dev of domain.hostdevs) {
      const srcProblem = migrationProblem(src, dev.pci, now);
      if (srcProblem) return err(`operation failed: source host ${src.name} is not prepared: ${srcProblem}`);
      if (!dst.iommu) return err("unsupported configuration: host doesn't support passthrough of host PCI devices");
      const there = findVf(dst, dev.pci, now);
      if (!there) return err(pciNotFound(dev.pci));
      const user = domainUsing(dst, dev.pci);
      if (user) return err(inUseError(dev.pci, user));
      const dstProblem = migrationProblem(dst, dev.pci, now);
      if (dstProblem) return err(`operation failed: destination host ${dst.name} is not prepared: ${dstProblem}`);
    }
    for (const [pf, n] of perPf) world.migrations.push({ host: src.name, pf, vfs: n, until: now + world.opts.migrationMs });
  }
  // Move: the source releases its VFs (managed: back to the host driver), the destination binds them.
  for (const dev of domain.hostdevs) {
    const mine = findVf(src, dev.pci, now);
    if (mine && dev.managed) mine.vf.driver = 'mlx5_core';
    const theirs = findVf(dst, dev.pci, now)!;
    theirs.vf.driver = dst.libvirtVariantDriver ? 'mlx5_vfio_pci' : 'vfio-pci';
  }
  src.domains = src.domains.filter((d) => d !== domain);
  const job = { elapsedMs: world.opts.migrationMs, dataBytes: Math.round(domain.memoryKiB * 1024 * 0.31) };
  src.lastJobs = { ...(src.lastJobs ?? {}), [domain.name]: { operation: 'Outgoing migration', ...job } };
  domain.id = dst.nextDomainId++;
  domain.lastJob = { operation: 'Incoming migration', ...job };
  dst.domains.push(domain);
  return ok;
}
