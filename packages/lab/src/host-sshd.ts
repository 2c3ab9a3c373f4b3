/**
 * One lab host's sshd and the files its namespace binds over /proc (cmdline, boot_id, cpuinfo):
 * started by `lab up`, stopped and started again by the daemon when the host reboots.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, type BindMount, type Owner, type SshdInfo } from '@marshal/sshd-harness';
import { hostPaths, type LabPaths } from './layout';
import type { HostState, NicHostState } from './model/types';
import { bootOf, procCmdline } from './model/boot';
import { SYSFS_BINDS } from './sysfs';

/** The lab's CPUs: Intel, so the IOMMU needs intel_iommu=on; the real machine's CPU never shows through. */
const CPUINFO = (host: NicHostState) =>
  `processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 143\nmodel name\t: Intel(R) Xeon(R) Gold 6430 (marshal lab ${host.name})\nflags\t\t: fpu vme de pse tsc msr pae mce cx8 apic sep mtrr pge mca cmov pat pse36 clflush mmx fxsr sse sse2 ht syscall nx lm vmx\n\n`;

/** Writes what the host's /proc shows of its boot (in place: the bind mounts keep the inode). */
export function writeBootFiles(paths: LabPaths, host: HostState): void {
  const hp = hostPaths(paths, host.name);
  if (host.kind !== 'nic') {
    writeFileSync(hp.cmdline, 'BOOT_IMAGE=/vmlinuz ro console=ttyS0\n');
    return;
  }
  writeFileSync(hp.cmdline, procCmdline(host));
  writeFileSync(join(hp.dir, 'boot_id'), `${bootOf(host).id}\n`);
  writeFileSync(join(hp.dir, 'cpuinfo'), CPUINFO(host));
}

function bindsFor(paths: LabPaths, host: HostState): BindMount[] {
  const hp = hostPaths(paths, host.name);
  const binds: BindMount[] = [
    // /usr/local/sbin is first on the PATH sshd gives root: the simulated commands win.
    { source: hp.bin, target: '/usr/local/sbin' },
    { source: hp.cmdline, target: '/proc/cmdline', readOnly: true },
  ];
  if (host.kind === 'nic') {
    binds.push({ source: join(hp.dir, 'boot_id'), target: '/proc/sys/kernel/random/boot_id', readOnly: true });
    binds.push({ source: join(hp.dir, 'cpuinfo'), target: '/proc/cpuinfo', readOnly: true });
    for (const b of SYSFS_BINDS) binds.push({ source: join(paths.sysfs, host.name, b.sub), target: b.target });
  }
  // Last: the lab dir itself may live under /tmp, which this hides.
  binds.push({ source: hp.tmp, target: '/tmp' });
  return binds;
}

/** Starts the host's sshd in a new mount namespace (its host key stays: known_hosts stay valid). */
export function startHostSshd(paths: LabPaths, host: HostState, port: number, clientPub = readFileSync(`${paths.clientKey}.pub`, 'utf8').trim(), owner?: Owner): Promise<SshdInfo> {
  const hp = hostPaths(paths, host.name);
  // 30 s, not the harness's 10: a lab host booting while the machine runs other labs and suites
  return startSshd({ dir: hp.sshd, address: host.address, port, authorizedKeys: [clientPub], home: hp.home, binds: bindsFor(paths, host), startTimeoutMs: 30_000, ...(owner ? { owner } : {}) });
}
