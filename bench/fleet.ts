/**
 * Bench hosts: N real OpenSSH servers on 127.100.x.y, each in its own mount namespace with a
 * clean /root (so no ~/.bashrc/pyenv start-up in any session), one client key, one
 * known_hosts, and one INI inventory that Marshal, Ansible and the floor program all read.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, readlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, knownHostsLine, type SshdInfo } from '@marshal/sshd-harness';

export interface BenchHost extends SshdInfo {
  name: string;
}

export interface Fleet {
  dir: string;
  keyFile: string;
  knownHosts: string;
  hosts: BenchHost[];
}

/** 127.100.0.1 … 127.100.0.250, 127.100.1.1 …: clear of the tests (127.50-99) and the lab (127.77). */
export function benchAddress(i: number, net = 100): string {
  return `127.${net}.${Math.floor(i / 250)}.${(i % 250) + 1}`;
}

export function hostName(i: number): string {
  return `h${String(i + 1).padStart(3, '0')}`;
}

function clientKey(dir: string): { keyFile: string; publicKey: string } {
  const keyFile = join(dir, 'id_ed25519');
  if (!existsSync(keyFile)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'marshal-bench', '-f', keyFile]);
  return { keyFile, publicKey: readFileSync(`${keyFile}.pub`, 'utf8').trim() };
}

/**
 * Kills sshd listeners a previous, interrupted bench left behind (recognised by their config
 * path under this bench's work dir), so their addresses are free again.
 */
export function killLeftovers(dir: string): number {
  const pids = pidsWhere((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`${dir}/`) ? true : false;
    } catch {
      return false;
    }
  });
  for (const p of pids) signal(p, 'SIGKILL');
  return pids.length;
}

function pidsWhere(pred: (pid: number) => boolean): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid !== process.pid && pred(pid)) out.push(pid);
  }
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/**
 * Starts `count` servers, `batch` at a time (each start is a key check, an unshare and a port
 * wait; 60 s allowed each: at ~340 hosts on a loaded 2-core VM one took over 10 s). When one
 * fails, the servers already started are stopped before the error is thrown.
 */
export async function startFleet(dir: string, count: number, batch = 16, net = 100): Promise<Fleet> {
  mkdirSync(dir, { recursive: true });
  const { keyFile, publicKey } = clientKey(dir);
  const hosts: BenchHost[] = [];
  const knownHosts = join(dir, 'known_hosts');
  for (let start = 0; start < count; start += batch) {
    const ids = Array.from({ length: Math.min(batch, count - start) }, (_, k) => start + k);
    const started = await Promise.allSettled(
      ids.map(async (i) => {
        const info = await startSshd({ dir: join(dir, 'hosts', hostName(i)), address: benchAddress(i, net), port: 22, authorizedKeys: [publicKey], startTimeoutMs: 60_000 });
        return { ...info, name: hostName(i) };
      }),
    );
    for (const r of started) if (r.status === 'fulfilled') hosts.push(r.value);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      await stopFleet({ dir, keyFile, knownHosts, hosts });
      throw new Error(`bench: ${hosts.length} of ${count} sshd hosts started, then: ${(failed.reason as Error).message}`);
    }
  }
  writeFileSync(knownHosts, hosts.map((h) => knownHostsLine(h.address, h.port, h.hostKey)).join('\n') + '\n');
  return { dir, keyFile, knownHosts, hosts };
}

/**
 * Restarts any of the first `n` servers that died (the machine is shared: a stray kill, or
 * another suite's cleanup, must not turn into failures charged to a contender).
 */
export async function ensureAlive(fleet: Fleet, n: number): Promise<string[]> {
  const restarted: string[] = [];
  for (const [i, h] of fleet.hosts.slice(0, n).entries()) {
    let alive = true;
    try {
      alive = readlinkSync(`/proc/${h.pid}/ns/mnt`) === h.mntNs;
    } catch {
      alive = false;
    }
    if (alive) continue;
    const publicKey = readFileSync(`${fleet.keyFile}.pub`, 'utf8').trim();
    const info = await startSshd({ dir: join(fleet.dir, 'hosts', h.name), address: h.address, port: h.port, authorizedKeys: [publicKey] });
    fleet.hosts[i] = { ...info, name: h.name };
    restarted.push(h.name);
  }
  return restarted;
}

/** Stops every server of the fleet and its sessions with one /proc scan (not one per host). */
export async function stopFleet(fleet: Fleet): Promise<void> {
  const namespaces = new Set(fleet.hosts.map((h) => h.mntNs));
  namespaces.delete(readlinkSync('/proc/self/ns/mnt')); // never the real namespace
  const inFleet = (): number[] =>
    pidsWhere((pid) => {
      try {
        return namespaces.has(readlinkSync(`/proc/${pid}/ns/mnt`));
      } catch {
        return false;
      }
    });
  for (const p of inFleet()) signal(p, 'SIGTERM');
  const deadline = Date.now() + 5000;
  let left = inFleet();
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = inFleet();
  }
  for (const p of left) signal(p, 'SIGKILL');
}

/** One INI inventory for all contenders: the first `n` hosts of the fleet. */
export function writeInventory(fleet: Fleet, n: number, file: string): string {
  const lines = ['[bench]'];
  for (const h of fleet.hosts.slice(0, n)) lines.push(`${h.name} ansible_host=${h.address}`);
  lines.push(
    '',
    '[all:vars]',
    'ansible_user=root',
    'ansible_port=22',
    `ansible_ssh_private_key_file=${fleet.keyFile}`,
    // Ansible: no interpreter discovery round trip (tuned fairly).
    'ansible_python_interpreter=/usr/bin/python3',
    // Marshal verifies host keys against the fleet's known_hosts.
    `marshal_known_hosts=${fleet.knownHosts}`,
    'marshal_host_key_checking=strict',
    '',
  );
  writeFileSync(file, lines.join('\n'));
  return file;
}
