/** `lab up` twice, then `lab down`: idempotent, and nothing is left behind outside the lab dir. */
import { describe, it, expect } from 'vitest';
import { mkdtempSync, readFileSync, readdirSync, existsSync, rmSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { labUp, labDown, labStatus } from '../src';
import { readInventory, ssh } from './ssh';
import { labTestNet } from './net';

const NET = labTestNet();

function listing(dirs: string[], keep: (name: string) => boolean = () => true): string[] {
  return dirs.flatMap((d) => (existsSync(d) ? readdirSync(d).filter(keep).map((f) => join(d, f)) : [])).sort();
}

/** Every process whose command line or mount namespace belongs to the lab. */
function labProcesses(dir: string, namespaces: Set<string>): number[] {
  const out: number[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8');
      const ns = readlinkSync(`/proc/${p}/ns/mnt`);
      if (cmd.includes(dir) || namespaces.has(ns)) out.push(Number(p));
    } catch {
      /* gone */
    }
  }
  return out;
}

describe('lab lifecycle', () => {
  it('up twice then down leaves no process, mount or file behind', async () => {
    const root = mkdtempSync('/var/tmp/marshal-lab-life-');
    const dir = join(root, 'lab');
    const watched = ['/run', '/root', '/usr/local/sbin', '/usr/local/bin', '/etc/ssh'];
    const tmpKeep = (n: string) => /lab|sshd|fuse|marshal-lab/.test(n);
    // /run/sshd is OpenSSH's own privilege-separation dir (the package creates it at boot); sshd needs it.
    const snapshot = () => [...listing(watched), ...listing(['/tmp'], tmpKeep)].filter((f) => f !== '/run/sshd');
    const before = snapshot();
    try {
      const net = NET;
      const first = await labUp({ dir, net });
      expect(first.started).toBe(3);
      const daemon1 = JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')).pid;
      const second = await labUp({ dir, net });
      expect([second.started, second.reused]).toEqual([0, 3]);
      expect(JSON.parse(readFileSync(join(dir, 'daemon.json'), 'utf8')).pid).toBe(daemon1);
      const hosts = readInventory(join(dir, 'inventory.yml'));
      expect((await ssh(hosts.src01!, 'uname -m')).stdout).toBe('x86_64\n');
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).toContain(join(dir, 'sysfs'));
      // A different lab config on a running lab is refused instead of silently mixed.
      await expect(labUp({ dir, net, pairs: 2 })).rejects.toThrow(/already up with 1 pair/);
      const namespaces = new Set(
        readdirSync(join(dir, 'hosts')).map((h) => JSON.parse(readFileSync(join(dir, 'hosts', h, 'sshd', 'sshd.json'), 'utf8')).mntNs as string),
      );
      expect(labProcesses(dir, namespaces).length).toBeGreaterThan(3);

      const down = await labDown({ dir });
      expect(down.stopped).toBe(3);
      expect(labProcesses(dir, namespaces)).toEqual([]);
      expect(readFileSync('/proc/self/mountinfo', 'utf8')).not.toContain(dir);
      expect(snapshot()).toEqual(before);
      expect((await labStatus({ dir })).up).toBe(false);
      // Down twice is harmless.
      expect((await labDown({ dir })).stopped).toBe(0);
    } finally {
      await labDown({ dir }).catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('refuses a lab dir under /tmp and names why', async () => {
    await expect(labUp({ dir: '/tmp/some-lab' })).rejects.toThrow(/under \/tmp/);
  });
});
