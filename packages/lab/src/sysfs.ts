/**
 * Each lab host's simulated sysfs, as the FUSE proxy serves it: `/sys/bus/pci/devices`,
 * `/sys/bus/pci/drivers`, `/sys/kernel/iommu_groups` and `/sys/class/net`. The tree is
 * rebuilt from the state model on every lookup (it is small), so it is never stale.
 */
import type { NicHostState, PfState, VfState, VfDriver } from './model/types';
import type { World } from './model/world';
import { visibleVfs, writeNumVfs, type Errno } from './model/nic';
import { runningDomainUsing } from './model/host';

export type SysNode =
  | { type: 'dir'; entries: Map<string, SysNode> }
  | { type: 'file'; read: () => string | { errno: Errno }; write?: (data: string) => Errno | null }
  | { type: 'link'; target: string };

const dir = (entries: [string, SysNode][] = []): SysNode => ({ type: 'dir', entries: new Map(entries) });
const file = (v: string | (() => string | { errno: Errno }), write?: (d: string) => Errno | null): SysNode => ({
  type: 'file',
  read: typeof v === 'function' ? v : () => v,
  ...(write ? { write } : {}),
});
const link = (target: string): SysNode => ({ type: 'link', target });

/** The mount points a host's namespace binds, and the directory of this tree each one shows. */
export const SYSFS_BINDS: { sub: string; target: string }[] = [
  { sub: 'devices', target: '/sys/bus/pci/devices' },
  { sub: 'drivers', target: '/sys/bus/pci/drivers' },
  { sub: 'iommu_groups', target: '/sys/kernel/iommu_groups' },
  { sub: 'net', target: '/sys/class/net' },
];

const DRIVERS: Exclude<VfDriver, null>[] = ['mlx5_core', 'mlx5_vfio_pci', 'vfio-pci', 'pci-stub'];

interface Dev {
  pci: string;
  pf: PfState;
  vf?: VfState;
}

function devicesOf(host: NicHostState, now: number): Dev[] {
  const out: Dev[] = [];
  for (const pf of host.pfs) {
    out.push({ pci: pf.pci, pf });
    for (const vf of visibleVfs(pf, now)) out.push({ pci: vf.pci, pf, vf });
  }
  return out.sort((a, b) => a.pci.localeCompare(b.pci));
}

function netdevDir(portName: string | null, mac: string, oper: string): SysNode {
  return dir([
    ['phys_port_name', file(() => (portName === null ? { errno: 'EOPNOTSUPP' as Errno } : `${portName}\n`))],
    ['address', file(`${mac}\n`)],
    ['operstate', file(`${oper}\n`)],
  ]);
}

function driverOf(d: Dev): VfDriver {
  return d.vf ? d.vf.driver : 'mlx5_core';
}

/** drivers/<name>/: the devices bound to each driver, and its bind/unbind files (VFs only). */
function driversDir(host: NicHostState, devs: Dev[], changed: () => void): SysNode {
  return dir(
    DRIVERS.map((name) => {
      const bound: [string, SysNode][] = devs.filter((d) => driverOf(d) === name).map((d) => [d.pci, link(`../../devices/${d.pci}`)]);
      const bindOp = (unbind: boolean) => (data: string) => {
        const pci = data.trim();
        const d = devs.find((x) => x.pci === pci);
        if (!d) return 'ENODEV' as Errno;
        if (!d.vf) return 'EBUSY' as Errno;
        if (unbind) {
          if (d.vf.driver !== name) return 'ENODEV' as Errno;
          if (runningDomainUsing(host, pci)) return 'EBUSY' as Errno;
          d.vf.driver = null;
        } else {
          if (d.vf.driver !== null) return 'EBUSY' as Errno;
          d.vf.driver = name;
        }
        changed();
        return null;
      };
      return [name, dir([...bound, ['bind', file('', bindOp(false))], ['unbind', file('', bindOp(true))]])] as [string, SysNode];
    }),
  );
}

export function hostTree(world: World, host: NicHostState): SysNode {
  const now = world.now();
  const devs = devicesOf(host, now);
  const groupOf = new Map(devs.map((d, i) => [d.pci, 20 + i]));
  const changed = () => world.changed?.();
  const devices = dir();
  const netLinks = dir();
  for (const d of devs) {
    const e = (devices as { entries: Map<string, SysNode> }).entries;
    const entries: [string, SysNode][] = [
      ['vendor', file('0x15b3\n')],
      ['device', file(d.vf ? '0x101e\n' : '0x1021\n')],
      ['class', file('0x020000\n')],
      ['numa_node', file('1\n')],
      ['driver_override', file('(null)\n', () => null)],
    ];
    const drv = driverOf(d);
    if (drv) entries.push(['driver', link(`../../drivers/${drv}`)]);
    if (host.iommu) entries.push(['iommu_group', link(`../../../../kernel/iommu_groups/${groupOf.get(d.pci)}`)]);
    const net: [string, SysNode][] = [];
    if (!d.vf) {
      const pf = d.pf;
      const vfs = visibleVfs(pf, now);
      entries.push(
        ['sriov_totalvfs', file(`${pf.totalVfs}\n`)],
        [
          'sriov_numvfs',
          file(
            () => `${pf.numVfs}\n`,
            (data) => {
              const r = writeNumVfs(pf, data, world.now(), world.opts.vfDelayMs, (pci) => runningDomainUsing(host, pci) !== undefined);
              if (r === null) changed();
              return r;
            },
          ),
        ],
        ['sriov_offset', file(`${pf.offset}\n`)],
        ['sriov_stride', file(`${pf.stride}\n`)],
        ['sriov_vf_device', file('101e\n')],
        ['sriov_drivers_autoprobe', file('1\n', () => null)],
      );
      for (const vf of vfs) entries.push([`virtfn${vf.index}`, link(`../${vf.pci}`)]);
      net.push([pf.netdev, netdevDir(`p${pf.pfnum}`, pf.baseMac.match(/../g)!.join(':'), 'up')]);
      if (pf.eswitch === 'switchdev') for (const vf of vfs) net.push([vf.representor, netdevDir(`pf${pf.pfnum}vf${vf.index}`, '00:00:00:00:00:00', 'up')]);
    } else {
      entries.push(['physfn', link(`../${d.pf.pci}`)]);
      if (d.vf.driver === 'mlx5_core') net.push([d.vf.netdev, netdevDir(null, d.vf.hwAddr, 'down')]);
    }
    if (net.length > 0) {
      entries.push(['net', dir(net)]);
      for (const [name] of net) netLinks.type === 'dir' && netLinks.entries.set(name, link(`../../bus/pci/devices/${d.pci}/net/${name}`));
    }
    e.set(d.pci, dir(entries));
  }
  const drivers = driversDir(host, devs, changed);
  const groups = dir(
    host.iommu ? devs.map((d) => [String(groupOf.get(d.pci)), dir([['devices', dir([[d.pci, link(`../../../../bus/pci/devices/${d.pci}`)]])]])]) : [],
  );
  return dir([
    ['devices', devices],
    ['drivers', drivers],
    ['iommu_groups', groups],
    ['net', netLinks],
  ]);
}

export type Lookup = { ok: true; node: SysNode } | { ok: false; errno: Errno };

/** Resolves `/<host>/<sub>/...` (no symlink following: the kernel VFS does that above FUSE). */
export function lookup(world: World, path: string): Lookup {
  const parts = path.split('/').filter(Boolean);
  if (parts.length === 0) return { ok: true, node: dir(Object.keys(world.state.hosts).filter((h) => world.state.hosts[h]!.kind === 'nic').map((h) => [h, dir()])) };
  const host = world.state.hosts[parts[0]!];
  if (!host || host.kind !== 'nic') return { ok: false, errno: 'ENOENT' };
  let node = hostTree(world, host);
  for (const p of parts.slice(1)) {
    if (node.type !== 'dir') return { ok: false, errno: 'ENOENT' };
    const next = node.entries.get(p);
    if (!next) return { ok: false, errno: 'ENOENT' };
    node = next;
  }
  return { ok: true, node };
}
