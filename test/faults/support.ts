/**
 * Helpers for the fault, security and bad-input suites: INI inventories for test fleets,
 * a streaming CLI runner (to act while a step runs), fake endpoints (a port that never
 * speaks, a counting TCP forwarder) and a look at what is left running on a host.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { readFileSync } from 'node:fs';
import { CLI, ROOT, type CliResult } from '../support/cli';
import type { TestFleet, TestHost } from '../support/sshd';
import { pidsInMountNamespace } from '@marshal/sshd-harness';

export type HostVars = Record<string, string | number>;

/** One INI host line: values with spaces or quotes are JSON-quoted (shlex reads that back). */
export function hostLine(name: string, vars: HostVars): string {
  const fmt = (v: string | number) => {
    const s = String(v);
    return /[\s"'#;=]/.test(s) || s === '' ? JSON.stringify(s) : s;
  };
  return `${name} ${Object.entries(vars).map(([k, v]) => `${k}=${fmt(v)}`).join(' ')}`.trim();
}

/** Connection vars for a fleet host: root, the fleet's key, strict checks against its known_hosts. */
export function sshVars(fleet: TestFleet, h: Pick<TestHost, 'address' | 'port'>, extra: HostVars = {}): HostVars {
  return {
    ansible_host: h.address,
    ansible_port: h.port,
    ansible_user: 'root',
    ansible_ssh_private_key_file: fleet.keyFile,
    marshal_known_hosts: fleet.knownHosts,
    marshal_host_key_checking: 'strict',
    ...extra,
  };
}

/** An INI inventory with every host in [fleet] and optional [all:vars]. */
export function iniInventory(hosts: { name: string; vars: HostVars }[], allVars: HostVars = {}): string {
  const lines = ['[fleet]', ...hosts.map((h) => hostLine(h.name, h.vars)), '', '[all:vars]'];
  for (const [k, v] of Object.entries(allVars)) lines.push(`${k}=${v}`);
  return lines.join('\n') + '\n';
}

export interface RunningCli {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves when stdout+stderr match (or rejects when the process ends first). */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
  done: Promise<CliResult>;
}

/** Starts the built CLI and lets the test act while it runs (send signals, kill sessions). */
export function startMarshal(args: string[], opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): RunningCli {
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const waiters = new Set<() => void>();
  const poke = () => waiters.forEach((w) => w());
  child.stdout!.on('data', (d) => {
    out += d;
    poke();
  });
  child.stderr!.on('data', (d) => {
    err += d;
    poke();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
  let ended = false;
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      ended = true;
      poke();
      resolve({ code, signal, stdout: out, stderr: err });
    });
  });
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    done,
    waitFor(re, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          if (re.test(out + err)) {
            cleanup();
            resolve();
          } else if (ended) {
            cleanup();
            reject(new Error(`marshal ended before ${re} appeared:\n${out}\n${err}`));
          }
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`${re} did not appear within ${timeoutMs} ms:\n${out}\n${err}`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Polls until `fn` is true; throws with `what` if it never becomes true. */
export async function waitUntil(fn: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function cmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return '';
  }
}

/** Every process of a host except its sshd listener: sessions and what they started. */
export function hostProcesses(h: Pick<TestHost, 'pid' | 'mntNs' | 'anchor'>): { pid: number; cmd: string }[] {
  // the listener and the anchor that holds the namespace open are the host, not its sessions
  return pidsInMountNamespace(h.mntNs)
    .filter((p) => p !== h.pid && p !== h.anchor?.pid)
    .map((pid) => ({ pid, cmd: cmdline(pid) }))
    .filter((p) => p.cmd !== '');
}

/** True once a process whose command line matches `re` runs on the host. */
export function hostRuns(h: Pick<TestHost, 'pid' | 'mntNs' | 'anchor'>, re: RegExp): boolean {
  return hostProcesses(h).some((p) => re.test(p.cmd));
}

/**
 * Waits until the host has nothing but its listener left (sshd session processes take a
 * moment to exit after the client hangs up), then returns what is still there.
 */
export async function leftovers(h: Pick<TestHost, 'pid' | 'mntNs' | 'anchor'>, graceMs = 5000): Promise<string[]> {
  const deadline = Date.now() + graceMs;
  let left = hostProcesses(h);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    left = hostProcesses(h);
  }
  return left.map((p) => `${p.pid} ${p.cmd}`);
}

/**
 * Kills every session process of a host (not its listener): the host's sshd "drops" us. sshd's
 * first, so the connection is gone before a session's shell could report its command killed
 * (in pid order that was chance: pids wrap at 32768 here, and a loop then reported exit 137).
 */
export function killSessions(h: Pick<TestHost, 'pid' | 'mntNs' | 'anchor'>): number {
  let n = 0;
  const all = hostProcesses(h);
  for (const p of [...all.filter((x) => x.cmd.startsWith('sshd')), ...all.filter((x) => !x.cmd.startsWith('sshd'))]) {
    try {
      process.kill(p.pid, 'SIGKILL');
      n += 1;
    } catch {
      /* already gone */
    }
  }
  return n;
}

export interface FakeEndpoint {
  address: string;
  port: number;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

function listen(server: Server, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, address, () => resolve((server.address() as { port: number }).port));
  });
}

function closer(server: Server, sockets: Set<Socket>): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    });
}

/** A port that accepts TCP and never says a word: the SSH handshake can only time out. */
export async function silentPort(address: string): Promise<FakeEndpoint> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((s) => {
    count += 1;
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  const port = await listen(server, address);
  return { address, port, connections: () => count, close: closer(server, sockets) };
}

/** A TCP forwarder to a real server that counts connections (to see retry storms). */
export async function countingProxy(address: string, target: { address: string; port: number }): Promise<FakeEndpoint> {
  const sockets = new Set<Socket>();
  let count = 0;
  const server = createServer((s) => {
    count += 1;
    const up = connect({ host: target.address, port: target.port });
    for (const x of [s, up]) {
      sockets.add(x);
      x.on('error', () => undefined);
      x.on('close', () => {
        sockets.delete(x);
        s.destroy();
        up.destroy();
      });
    }
    s.pipe(up);
    up.pipe(s);
  });
  const port = await listen(server, address);
  return { address, port, connections: () => count, close: closer(server, sockets) };
}

/** The recap line of a host, parsed. */
export function recap(stdout: string, host: string): Record<string, number> | undefined {
  const m = new RegExp(`^${host.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+:((?:\\s+\\w+=\\d+)+)\\s*$`, 'm').exec(stdout);
  if (!m) return undefined;
  return Object.fromEntries(m[1]!.trim().split(/\s+/).map((kv) => kv.split('=')).map(([k, v]) => [k!, Number(v)]));
}
