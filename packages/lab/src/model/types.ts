/**
 * The lab's state model: plain JSON-serialisable data, one `HostState` per simulated host.
 * Behaviour lives in the sibling modules (pure functions over this data), so every
 * transition is unit-testable without processes, and `state.json` is this object.
 */

/** VF_MIGRATION_MODE values as mstconfig names them. */
export type MigrationMode = 0 | 1 | 2;

/** Drivers a VF can be bound to (null: unbound). */
export type VfDriver = 'mlx5_core' | 'mlx5_vfio_pci' | 'vfio-pci' | 'pci-stub' | null;

export interface VfState {
  index: number;
  pci: string;
  driver: VfDriver;
  /** The VF's own netdev while mlx5_core drives it. */
  netdev: string;
  /** Representor netdev on the host (exists in switchdev mode only). */
  representor: string;
  hwAddr: string;
  migratable: boolean;
}

export interface FirmwareState {
  /** Version burned in flash ("FW Version:"). */
  flashed: string;
  /** Version the device runs; differs from `flashed` until a reset ("FW Version(Running):"). */
  running: string;
  psid: string;
  releaseDate: string;
}

export interface PfState {
  pci: string;
  /** PF uplink netdev, e.g. enp225s0np0. */
  netdev: string;
  /** Physical function number on the card (0 or 1), used in representor names and port indexes. */
  pfnum: number;
  totalVfs: number;
  offset: number;
  stride: number;
  /** What sriov_numvfs reads. */
  numVfs: number;
  /** VFs appear (virtfn links, representors, netdevs) only once the clock passes this. */
  vfsReadyAt: number;
  vfs: VfState[];
  eswitch: 'legacy' | 'switchdev';
  firmware: FirmwareState;
  /** mstconfig parameters: value in effect now, and value for the next boot. */
  config: { current: Record<string, number>; next: Record<string, number> };
  deviceName: string;
  description: string;
  baseMac: string;
  baseGuid: string;
}

export interface HostdevState {
  pci: string;
  mac: string;
  managed: boolean;
}

export interface DomainState {
  name: string;
  uuid: string;
  id: number;
  state: 'running' | 'shut off';
  viommu: boolean;
  memoryKiB: number;
  vcpus: number;
  hostdevs: HostdevState[];
  /** Inventory name of the guest SSH host that is this domain's inside. */
  guest: string;
  lastJob?: { operation: string; elapsedMs: number; dataBytes: number };
}

export interface OvsBridge {
  name: string;
  ports: string[];
  /** The bridge's external_ids column (br-set-external-id); absent when empty. */
  externalIds?: Record<string, string>;
}

export interface OvsState {
  running: boolean;
  uuid: string;
  version: string;
  otherConfig: Record<string, string>;
  /** hw-offload as ovs-vswitchd read it at its last start. */
  offloadActive: boolean;
  bridges: OvsBridge[];
}

export interface Faults {
  /** Tools (or `tool subcommand` prefixes) that never return. */
  hang: string[];
  /** Tools (or prefixes) on which the host's sshd drops the connection. */
  drop: string[];
}

/** The host's boot: what /proc shows of the running kernel and what the boot loader holds for the next one. */
export interface BootState {
  /** /proc/sys/kernel/random/boot_id: new at every boot. */
  id: string;
  /** Arguments of the running kernel (/proc/cmdline after BOOT_IMAGE and root=). */
  args: string[];
  /** The boot loader's arguments for the next boot (what `grubby --update-kernel=ALL` edits). */
  nextArgs: string[];
  /** Set while the host is down in a reboot (its sshd stopped). */
  down?: boolean;
}

export interface NicHostState {
  kind: 'nic';
  name: string;
  role: 'source' | 'destination';
  pair: string;
  address: string;
  hostname: string;
  arch: string;
  kernel: string;
  iommu: boolean;
  /** libvirt >= 10 binds managed hostdevs to the variant driver (mlx5_vfio_pci) by itself. */
  libvirtVariantDriver: boolean;
  packages: Record<string, boolean>;
  /** systemd units whose state differs from the default (enabled; active when installed): by unit name without `.service`. */
  units?: Record<string, { enabled?: boolean; active?: boolean }>;
  pfs: PfState[];
  ovs: OvsState;
  domains: DomainState[];
  faults: Faults;
  nextDomainId: number;
  /** Created on first use (model/boot.ts bootOf) from `iommu`, so older state files still load. */
  boot?: BootState;
  /** Jobs of domains that left this host (for `virsh domjobinfo --completed` after a migration). */
  lastJobs?: Record<string, { operation: string; elapsedMs: number; dataBytes: number }>;
}

export interface GuestHostState {
  kind: 'guest';
  name: string;
  address: string;
  /** Domain whose inside this host is. */
  domain: string;
  /** Interface name the guest gives the passed-through VF. */
  vfInterface: string;
  pingTarget: string;
  faults: Faults;
}

export type HostState = NicHostState | GuestHostState;

export interface WorldState {
  version: 1;
  scenario: string;
  pairs: number;
  hosts: Record<string, HostState>;
}

/** What a simulated command answers. */
export type ToolResult =
  | { kind: 'done'; stdout: string; stderr: string; code: number }
  /** Prints `prompt`, reads one line from stdin, then the tool runs again with the answer. */
  | { kind: 'ask'; prompt: string }
  | { kind: 'hang' }
  | { kind: 'drop' };

export function done(stdout = '', stderr = '', code = 0): ToolResult {
  return { kind: 'done', stdout, stderr, code };
}

export function fail(stderr: string, code = 1, stdout = ''): ToolResult {
  return { kind: 'done', stdout, stderr, code };
}
