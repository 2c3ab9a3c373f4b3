/**
 * Stopping a host's sshd (a lab reboot, `lab down`) must not outlive its namespace: the anchor that
 * keeps the namespace's inode ours dies last. Before, it died with the first SIGTERM and the stop
 * went on scanning for that inode, which the next namespace created (a lab host restarting after its
 * reboot) could take: its sshd was SIGKILLed ("connection refused" on a host that had just come back).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { processStart, startSshd, stopSshd, type SshdInfo } from '@marshal/sshd-harness';
import { labTestNet } from './net';

const NET = labTestNet();
const roots: string[] = [];
const started: SshdInfo[] = [];
afterAll(async () => {
  for (const info of started) await stopSshd(info).catch(() => undefined);
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

const inNs = (pid: number, ns: string) => {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`) === ns;
  } catch {
    return false;
  }
};

describe('stopSshd', () => {
  it('keeps the namespace anchor alive until every other process of the namespace is gone', async () => {
    const root = mkdtempSync('/var/tmp/marshal-stop-order-');
    roots.push(root);
    const info = await startSshd({ dir: join(root, 'sshd'), address: `${NET}.200`, port: 2222, authorizedKeys: [] });
    started.push(info);
    // a process of the namespace that ignores SIGTERM: the stop has to wait for it, then SIGKILL it
    const stubborn = spawn('nsenter', [`--mount=/proc/${info.pid}/ns/mnt`, '--', 'sh', '-c', "trap '' TERM; exec sleep 60"], { detached: true, stdio: 'ignore' });
    stubborn.unref();
    const sleeper = stubborn.pid!;
    for (const t0 = Date.now(); !inNs(sleeper, info.mntNs) && Date.now() - t0 < 10_000; ) await new Promise((r) => setTimeout(r, 20));
    expect(inNs(sleeper, info.mntNs), 'the SIGTERM-proof process runs in the namespace').toBe(true);

    const anchor = info.anchor!;
    // alive and in the namespace (an exited process, even a zombie nobody reaps, has left it)
    const anchorAlive = () => processStart(anchor.pid) === anchor.start && inNs(anchor.pid, info.mntNs);
    const orphaned: number[] = [];
    const watch = setInterval(() => {
      if (!anchorAlive() && inNs(sleeper, info.mntNs)) orphaned.push(Date.now());
    }, 5);
    try {
      await stopSshd(info, 400);
    } finally {
      clearInterval(watch);
    }
    expect(orphaned, 'the anchor died while another process of its namespace still ran').toEqual([]);
    expect([inNs(info.pid, info.mntNs), inNs(sleeper, info.mntNs), anchorAlive()]).toEqual([false, false, false]);
  }, 60_000);
});
