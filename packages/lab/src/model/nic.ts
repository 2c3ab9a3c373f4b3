/**
 * The ConnectX-7 PF as the kernel, the firmware and devlink see it: SR-IOV VF creation,
 * firmware configuration with its Next Boot semantics, e-switch mode, VF migratable.
 */
import type { PfState, VfState } from './types';
import { representorName, vfAddress, vfNetdev } from './pci';

/** First firmware with VF live-migration support (NVIDIA's notes): older ones lack VF_MIGRATION_MODE. */
export const MIN_MIGRATION_FW = '28.36.1010';

export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Does the running firmware know VF_MIGRATION_MODE (mstconfig lists it only then)? */
export function migrationCapable(pf: PfState): boolean {
  return compareVersions(pf.firmware.running, MIN_MIGRATION_FW) >= 0;
}

/** Is the firmware's migration capability active now (not merely configured for next boot)? */
export function migrationActive(pf: PfState): boolean {
  return migrationCapable(pf) && pf.config.current.VF_MIGRATION_MODE === 2;
}

export type Errno = 'EBUSY' | 'ERANGE' | 'EINVAL' | 'ENODEV' | 'EOPNOTSUPP' | 'ENOENT' | 'EPERM';

/** Materialises VFs once their creation delay passed: a kernel creates them shortly after the write. */
export function settlePf(pf: PfState, now: number): boolean {
  if (pf.numVfs === pf.vfs.length || now < pf.vfsReadyAt) return false;
  pf.vfs = [];
  for (let n = 0; n < pf.numVfs; n++) pf.vfs.push(newVf(pf, n));
  return true;
}

function newVf(pf: PfState, n: number): VfState {
  return {
    index: n,
    pci: vfAddress(pf.pci, pf.offset, pf.stride, n),
    driver: 'mlx5_core',
    netdev: vfNetdev(pf.netdev, n),
    representor: representorName(pf.netdev, pf.pfnum, n),
    hwAddr: '00:00:00:00:00:00',
    // Recreated VFs start with migration disabled.
    migratable: false,
  };
}

/** Visible VFs (after settling): what virtfnN links, lspci and devlink show. */
export function visibleVfs(pf: PfState, now: number): VfState[] {
  settlePf(pf, now);
  return pf.vfs;
}

/**
 * `echo value > sriov_numvfs`, with the kernel's rules: same value is a no-op, above
 * sriov_totalvfs is ERANGE, nonzero to a different nonzero is EBUSY (write 0 first).
 */
export function writeNumVfs(pf: PfState, text: string, now: number, delayMs: number, inUse: (pci: string) => boolean): Errno | null {
  const t = text.trim();
  if (!/^\d+$/.test(t)) return 'EINVAL';
  const n = Number(t);
  if (n > 0xffff) return 'ERANGE';
  settlePf(pf, now);
  if (n === pf.numVfs) return null;
  if (n > pf.totalVfs) return 'ERANGE';
  if (n !== 0 && pf.numVfs !== 0) return 'EBUSY';
  if (n !== 0 && pf.config.current.SRIOV_EN === 0) return 'EPERM';
  if (n === 0) {
    // A VF a running guest holds cannot go away under it.
    if (pf.vfs.some((vf) => inUse(vf.pci))) return 'EBUSY';
    pf.numVfs = 0;
    pf.vfs = [];
    pf.vfsReadyAt = now;
    return null;
  }
  pf.numVfs = n;
  pf.vfs = [];
  pf.vfsReadyAt = now + delayMs;
  return null;
}

export type ConfigParam = 'NUM_OF_VFS' | 'SRIOV_EN' | 'VF_MIGRATION_MODE' | 'LINK_TYPE_P1';

export const CONFIG_ORDER: ConfigParam[] = ['NUM_OF_VFS', 'SRIOV_EN', 'VF_MIGRATION_MODE', 'LINK_TYPE_P1'];

const VALUE_NAMES: Record<string, Record<number, string>> = {
  SRIOV_EN: { 0: 'False', 1: 'True' },
  VF_MIGRATION_MODE: { 0: 'DEVICE_DEFAULT', 1: 'MIGRATION_DISABLED', 2: 'MIGRATION_ENABLED' },
  LINK_TYPE_P1: { 1: 'IB', 2: 'ETH' },
};

export const CONFIG_DEFAULTS: Record<ConfigParam, number> = { NUM_OF_VFS: 8, SRIOV_EN: 1, VF_MIGRATION_MODE: 0, LINK_TYPE_P1: 2 };

/** `MIGRATION_ENABLED(2)`, `True(1)`, `8`: how mstconfig prints a value. */
export function formatConfigValue(param: string, v: number): string {
  const names = VALUE_NAMES[param];
  if (!names) return String(v);
  return `${names[v] ?? 'UNKNOWN'}(${v})`;
}

/** Parses `2`, `MIGRATION_ENABLED`, `True` for a parameter; undefined when invalid. */
export function parseConfigValue(param: string, text: string): number | undefined {
  if (/^\d+$/.test(text)) {
    const v = Number(text);
    const names = VALUE_NAMES[param];
    return !names || names[v] !== undefined ? v : undefined;
  }
  const names = VALUE_NAMES[param];
  if (!names) return undefined;
  for (const [k, name] of Object.entries(names)) if (name.toLowerCase() === text.toLowerCase()) return Number(k);
  return undefined;
}

/** Parameters this firmware lists (VF_MIGRATION_MODE only when supported). */
export function listedParams(pf: PfState): ConfigParam[] {
  return CONFIG_ORDER.filter((p) => p !== 'VF_MIGRATION_MODE' || migrationCapable(pf));
}

/** `mstconfig set P=V`: only the Next Boot value changes. */
export function setConfig(pf: PfState, param: ConfigParam, value: number): void {
  pf.config.next[param] = value;
}

/**
 * `mstfwreset -y reset`: the firmware reloads, so Next Boot values and a newly burned image
 * take effect; the driver restarts, which destroys VFs and returns the e-switch to legacy.
 */
export function firmwareReset(pf: PfState, now: number): void {
  pf.firmware.running = pf.firmware.flashed;
  pf.config.current = { ...pf.config.next };
  pf.numVfs = 0;
  pf.vfs = [];
  pf.vfsReadyAt = now;
  pf.eswitch = 'legacy';
}

/** devlink's refusals, as iproute2 prints them (extack message, then strerror). */
export type DevlinkError = { message?: string; errno: Errno };

export function setEswitchMode(pf: PfState, mode: string): DevlinkError | null {
  if (mode !== 'legacy' && mode !== 'switchdev') return { errno: 'EINVAL' };
  pf.eswitch = mode;
  return null;
}

/** `devlink port function set <port> migratable enable|disable`. */
export function setMigratable(pf: PfState, vf: VfState, enable: boolean): DevlinkError | null {
  if (!migrationActive(pf)) return { message: "mlx5_core: Device doesn't support migration", errno: 'EOPNOTSUPP' };
  if (vf.migratable === enable) return null;
  // The firmware refuses to change the capability of a function a driver has open.
  if (vf.driver === 'mlx5_core' || vf.driver === 'mlx5_vfio_pci') {
    return { message: 'mlx5_core: Failed setting HCA migratable cap', errno: 'EBUSY' };
  }
  vf.migratable = enable;
  return null;
}

export function findVfByPort(pf: PfState, index: number, now: number): VfState | undefined {
  if (pf.eswitch !== 'switchdev') return undefined;
  return visibleVfs(pf, now).find((vf) => ((pf.pfnum << 16) | (vf.index + 1)) === index);
}
