/** Builds the lab's starting state from a scenario: N source/destination pairs and one guest per domain. */
import { randomUUID, createHash } from 'node:crypto';
import type { DomainState, GuestHostState, NicHostState, PfState, WorldState } from './types';
// types only: the daemon loads this module, and scenario.ts (YAML, the core's errors) stays out of it
import type { HostSpec, Scenario } from '../scenario';
import { CONFIG_DEFAULTS } from './nic';

/** Built-in host: RHEL 9 on x86_64, single-port CX-7 ready for step 1 of the procedure. */
export const BUILTIN_HOST: HostSpec = {
  arch: 'x86_64',
  kernel: '5.14.0-503.11.1.el9_5.x86_64',
  iommu: true,
  libvirtVariantDriver: true,
  packages: { mstflint: true, openvswitch: true, libvirt: true, lshw: true, pciutils: true, iproute: true },
  pf: {
    pci: '0000:e1:00.0',
    netdev: 'enp225s0np0',
    pfnum: 0,
    totalVfs: 8,
    offset: 1,
    stride: 1,
    numVfs: 0,
    eswitch: 'legacy',
    firmware: '28.43.1014',
    psid: 'MT_0000001244',
    vfMigrationMode: 2,
    sriovEnabled: true,
    deviceName: 'MCX75310AAS-NEA_Ax',
    description: 'NVIDIA ConnectX-7 HHHL Adapter Card; 400GbE; Single-port OSFP; PCIe 5.0 x16',
  },
  ovs: { running: false, otherConfig: {}, bridges: [] },
  domains: [],
  faults: { hang: [], drop: [] },
};

export interface LabLayout {
  /** First three octets of the lab's loopback range, e.g. `127.77.0`. */
  net: string;
  pairs: number;
}

/** Loopback address of the i-th host (0-based); .1 is the lab daemon's. */
export function hostAddress(net: string, i: number): string {
  const [a, b, c] = net.split('.').map(Number) as [number, number, number];
  return `${a}.${b}.${c + Math.floor(i / 200)}.${10 + (i % 200)}`;
}

export function daemonAddress(net: string): string {
  return `${net}.1`;
}

const pad = (n: number) => String(n).padStart(2, '0');

function stableMac(seed: string, prefix: string): string {
  const h = createHash('sha256').update(seed).digest('hex');
  return `${prefix}${h.slice(0, 6)}`;
}

function buildPf(spec: HostSpec, seed: string): PfState {
  const p = spec.pf!;
  const current = { ...CONFIG_DEFAULTS, VF_MIGRATION_MODE: p.vfMigrationMode ?? 0, SRIOV_EN: p.sriovEnabled === false ? 0 : 1, NUM_OF_VFS: p.totalVfs ?? 8 };
  const next = { ...current, VF_MIGRATION_MODE: p.vfMigrationModeNext ?? current.VF_MIGRATION_MODE };
  const mac = p.baseMac?.toLowerCase() ?? stableMac(seed, 'e09d73');
  return {
    pci: p.pci!,
    netdev: p.netdev!,
    pfnum: p.pfnum ?? 0,
    totalVfs: p.totalVfs!,
    offset: p.offset!,
    stride: p.stride!,
    numVfs: p.numVfs ?? 0,
    vfsReadyAt: 0,
    vfs: [],
    eswitch: p.eswitch ?? 'legacy',
    firmware: { flashed: p.firmware!, running: p.runningFirmware ?? p.firmware!, psid: p.psid!, releaseDate: '7.11.2024' },
    config: { current, next },
    deviceName: p.deviceName!,
    description: p.description!,
    baseMac: mac,
    baseGuid: `${mac.slice(0, 6)}0300${mac.slice(6)}`,
  };
}

function buildNicHost(name: string, role: 'source' | 'destination', pair: string, address: string, spec: HostSpec): NicHostState {
  const ovsSpec = spec.ovs ?? {};
  const otherConfig = { ...(ovsSpec.otherConfig ?? {}) };
  const domains: DomainState[] = (spec.domains ?? []).map((d, i) => ({
    name: d.name,
    uuid: randomUUID(),
    id: i + 1,
    state: d.running === false ? 'shut off' : 'running',
    viommu: d.viommu ?? false,
    memoryKiB: (d.memoryMiB ?? 4096) * 1024,
    vcpus: d.vcpus ?? 4,
    hostdevs: [],
    guest: `${d.name}-guest${pair}`,
  }));
  let id = 1;
  for (const d of domains) d.id = d.state === 'running' ? id++ : -1;
  return {
    kind: 'nic',
    name,
    role,
    pair,
    address,
    hostname: spec.hostname ?? `${name}.lab.example`,
    arch: spec.arch!,
    kernel: spec.kernel!,
    iommu: spec.iommu ?? true,
    libvirtVariantDriver: spec.libvirtVariantDriver ?? true,
    packages: { ...(spec.packages ?? {}) },
    pfs: [buildPf(spec, `${name}/${spec.pf!.pci}`)],
    ovs: {
      running: ovsSpec.running ?? false,
      uuid: randomUUID(),
      version: '2.17.9',
      otherConfig,
      offloadActive: (ovsSpec.running ?? false) && otherConfig['hw-offload'] === 'true',
      bridges: (ovsSpec.bridges ?? []).map((b) => ({ name: b.name, ports: [...(b.ports ?? [])] })),
    },
    domains,
    faults: { hang: [...(spec.faults?.hang ?? [])], drop: [...(spec.faults?.drop ?? [])] },
    nextDomainId: id,
  };
}

export function buildWorld(scenario: Scenario, layout: LabLayout): WorldState {
  const hosts: WorldState['hosts'] = {};
  let i = 0;
  const guests: GuestHostState[] = [];
  for (let p = 1; p <= layout.pairs; p++) {
    const pair = pad(p);
    for (const role of ['source', 'destination'] as const) {
      const name = `${role === 'source' ? 'src' : 'dst'}${pair}`;
      const spec = mergeSpecs(BUILTIN_HOST, scenario.defaults, scenario[role], scenario.hosts[name] ?? {});
      const host = buildNicHost(name, role, pair, hostAddress(layout.net, i++), spec);
      hosts[name] = host;
      for (const d of host.domains) {
        guests.push({
          kind: 'guest',
          name: d.guest,
          address: '',
          domain: d.name,
          vfInterface: 'enp7s0',
          pingTarget: `${layout.net}.254`,
          faults: { hang: [], drop: [] },
        });
      }
    }
  }
  for (const g of guests) {
    g.address = hostAddress(layout.net, i++);
    hosts[g.name] = g;
  }
  return { version: 1, scenario: scenario.name, pairs: layout.pairs, hosts };
}

/** Deep merge of host specs: objects merge, lists and scalars replace. */
export function mergeSpecs(...specs: HostSpec[]): HostSpec {
  const merge = (a: unknown, b: unknown): unknown => {
    if (b === undefined) return a;
    if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b)) {
      const out: Record<string, unknown> = { ...(a as Record<string, unknown>) };
      for (const [k, v] of Object.entries(b)) out[k] = merge(out[k], v);
      return out;
    }
    return b;
  };
  return specs.reduce((acc, s) => merge(acc, s) as HostSpec, {} as HostSpec);
}
