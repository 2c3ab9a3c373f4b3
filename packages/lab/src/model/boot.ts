/**
 * Boots, kernel arguments and what a reboot resets, as on a RHEL 9 host: the boot id changes,
 * the boot loader's arguments become /proc/cmdline, the IOMMU is on when the command line says
 * intel_iommu=on (the lab's CPUs are Intel), the NIC's firmware applies its Next Boot
 * configuration (as a firmware reset does: VFs gone, e-switch legacy), running domains are off.
 */
import { randomUUID } from 'node:crypto';
import type { BootState, NicHostState } from './types';
import { firmwareReset } from './nic';
import { ovsRestart } from './ovs';

/** RHEL 9.5's default arguments (after BOOT_IMAGE= and root=). */
const BASE_ARGS = ['ro', 'crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M', 'rd.lvm.lv=rhel/root'];
const IOMMU_ARGS = ['intel_iommu=on', 'iommu=pt'];

/** The host's boot state, created from the scenario's `iommu` the first time it is asked for. */
export function bootOf(host: NicHostState): BootState {
  if (!host.boot) {
    const args = host.iommu ? [...BASE_ARGS, ...IOMMU_ARGS] : [...BASE_ARGS];
    host.boot = { id: randomUUID(), args, nextArgs: [...args] };
  }
  return host.boot;
}

export const kernelImage = (host: NicHostState): string => `/boot/vmlinuz-${host.kernel}`;

/** What /proc/cmdline reads. */
export function procCmdline(host: NicHostState): string {
  return `BOOT_IMAGE=(hd0,gpt2)${kernelImage(host).slice('/boot'.length)} root=/dev/mapper/rhel-root ${bootOf(host).args.join(' ')}\n`;
}

/** The IOMMU the running kernel enabled: intel_iommu=on (an Intel CPU's DMAR is off by default in RHEL 9). */
export function iommuFromArgs(args: readonly string[]): boolean {
  return args.includes('intel_iommu=on');
}

const keyOf = (a: string) => (a.includes('=') ? a.slice(0, a.indexOf('=')) : a);

/** grubby --args / --remove-args on the boot loader's arguments: a new value replaces the key's old one. */
export function updateNextArgs(host: NicHostState, add: readonly string[], remove: readonly string[]): void {
  const boot = bootOf(host);
  let out = boot.nextArgs.filter((a) => !remove.some((r) => a === r || keyOf(a) === keyOf(r)));
  for (const a of add) {
    const i = out.findIndex((o) => keyOf(o) === keyOf(a));
    if (i < 0) out.push(a);
    else out = [...out.slice(0, i), a, ...out.slice(i + 1).filter((o) => keyOf(o) !== keyOf(a))];
  }
  boot.nextArgs = out;
}

/** The host goes down: nothing of the old boot survives but the disks (OVS database, libvirt configs, boot loader). */
export function goDown(host: NicHostState): void {
  bootOf(host).down = true;
  for (const d of host.domains) {
    if (d.state !== 'running') continue;
    d.state = 'shut off';
    d.id = -1;
  }
}

/** The host comes up: new boot id, the boot loader's arguments in effect, the NIC's Next Boot config applied. */
export function bootUp(host: NicHostState, now: number, id: string = randomUUID()): void {
  const boot = bootOf(host);
  boot.id = id;
  boot.args = [...boot.nextArgs];
  delete boot.down;
  host.iommu = iommuFromArgs(boot.args);
  for (const pf of host.pfs) firmwareReset(pf, now);
  // a service that ran before the reboot is taken as enabled: it starts again and reads hw-offload anew
  if (host.ovs.running) ovsRestart(host.ovs);
}

/** A reboot without the daemon (unit tests): down and up at once. */
export function rebootNow(host: NicHostState, now: number): void {
  goDown(host);
  bootUp(host, now);
}
