/**
 * Stopping a lab's hosts and its FUSE mount: shared by `lab down` and by the daemon, which
 * does the same on its own when the lab's owner (a test run, $MARSHAL_OWNER_PID) is gone.
 * Kept free of 'marshal' imports: the daemon loads only what it needs.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { stopSshd, type SshdInfo } from '@marshal/sshd-harness';
import { hostPaths, type LabPaths } from './layout';

/** The sshd of a host, if it is still the one we started (same pid, namespace still alive). */
export function liveSshd(dir: string): SshdInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dir, 'sshd.json'), 'utf8')) as SshdInfo;
    return readlinkSync(`/proc/${info.pid}/ns/mnt`) === info.mntNs ? info : undefined;
  } catch {
    return undefined;
  }
}

/** Stops every host's sshd (and everything in its namespace); returns how many were running. */
export async function stopHosts(paths: LabPaths): Promise<number> {
  if (!existsSync(paths.hosts)) return 0;
  let n = 0;
  await Promise.all(
    readdirSync(paths.hosts).map(async (name) => {
      const dir = hostPaths(paths, name).sshd;
      const info = liveSshd(dir);
      if (info) {
        await stopSshd(info);
        n++;
      }
      rmSync(join(dir, 'sshd.json'), { force: true });
    }),
  );
  return n;
}

export function isMounted(mountpoint: string): boolean {
  return readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .some((l) => l.split(' ')[4] === mountpoint);
}

/** Unmounts the lab's FUSE sysfs, lazily when it is busy. */
export function unmountSysfs(paths: LabPaths): void {
  if (!isMounted(paths.sysfs)) return;
  for (const args of [['-u', paths.sysfs], ['-uz', paths.sysfs]]) {
    try {
      execFileSync('fusermount', args, { stdio: 'ignore' });
      return;
    } catch {
      /* next */
    }
  }
}

/** What `lab down` removes once everything is stopped: the next `lab up` starts from the scenario again. */
export function forgetRun(paths: LabPaths): void {
  for (const f of [paths.daemonInfo, paths.socket, paths.state, `${paths.state}.tmp`]) rmSync(f, { force: true });
}
