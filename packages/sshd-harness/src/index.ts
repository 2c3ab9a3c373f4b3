/**
 * A real OpenSSH server on a loopback address, in its own private mount namespace.
 * The namespace lets each server see its own /root (no ~/.bashrc start-up cost, its own
 * files) and its own bind mounts (a plugin's simulated /sys and tools), while nothing on
 * the real machine changes. Used by Marshal's tests and benchmark and by @marshal/lab.
 */
import { spawn, execFileSync } from 'node:child_process';
import { mkdirSync, openSync, readFileSync, writeFileSync, existsSync, readdirSync, readlinkSync, closeSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';

export interface BindMount {
  source: string;
  target: string;
  readOnly?: boolean;
}

export interface SshdOptions {
  /** Private directory of this server: host key, config, log, default home. Created if missing. */
  dir: string;
  address: string;
  port: number;
  /** Public key lines allowed to log in (as root, or as any user the namespace's passwd knows). */
  authorizedKeys: string[];
  /** Bind mounts made inside the server's mount namespace before sshd starts. */
  binds?: BindMount[];
  /** Directory mounted over /root inside the namespace (default `<dir>/home`). */
  home?: string;
  /** Extra sshd_config lines, e.g. `MaxSessions 1` or `PasswordAuthentication yes`. */
  extraConfig?: string[];
  /** Seconds to wait for the port to accept connections. */
  startTimeoutMs?: number;
  /** Stop this server once that process is gone (default: ownerFromEnv(), i.e. $MARSHAL_OWNER_PID; none: it outlives us). */
  owner?: Owner;
}

/** A process whose end stops what was started under it (a test run): pid and start time, so a reused pid is not mistaken for it. */
export interface Owner {
  pid: number;
  start: string;
}

/** The env var a test run sets to its own pid: servers and labs started under it stop when that process is gone. */
export const OWNER_ENV = 'MARSHAL_OWNER_PID';

/** The owner named by $MARSHAL_OWNER_PID (a live pid), else undefined. */
export function ownerFromEnv(env: NodeJS.ProcessEnv = process.env): Owner | undefined {
  const raw = env[OWNER_ENV];
  if (raw === undefined || raw === '') return undefined;
  const pid = Number(raw);
  const start = Number.isInteger(pid) && pid > 1 ? processStart(pid) : undefined;
  if (start === undefined) throw new Error(`${OWNER_ENV}=${raw} is not the pid of a running process`);
  return { pid, start };
}

/** True while the owner runs (same pid, same start time). */
export function ownerAlive(owner: Owner): boolean {
  return processStart(owner.pid) === owner.start;
}

export interface SshdInfo {
  address: string;
  port: number;
  pid: number;
  /** Inode of the server's mount namespace: every process in it belongs to this host. */
  mntNs: string;
  /** `ssh-ed25519 AAAA...` */
  hostKey: string;
  dir: string;
  /** A process that holds the namespace open until stopSshd (pid and start time, to know it is still ours). */
  anchor?: { pid: number; start: string };
}

/** A process's start time (clock ticks since boot), which tells a pid from a reused one. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** True while the namespace recorded in `info` is the one its processes still live in. */
function namespaceIsOurs(info: Pick<SshdInfo, 'pid' | 'mntNs' | 'anchor'>): boolean {
  if (!info.anchor) return true; // recorded before anchors existed: trust the inode as before
  const { pid, start } = info.anchor;
  try {
    return processStart(pid) === start && readlinkSync(`/proc/${pid}/ns/mnt`) === info.mntNs;
  } catch {
    return false;
  }
}

const SSHD = '/usr/sbin/sshd';

/** Fails with a clear message on a machine that cannot run these servers. */
export function assertSshdUsable(): void {
  if (process.getuid?.() !== 0) {
    throw new Error('these sshd servers need root: each runs in its own mount namespace (run as root, e.g. in a container or VM)');
  }
  if (!existsSync(SSHD)) {
    throw new Error(`${SSHD} not found: install OpenSSH's server (Debian/Ubuntu: apt-get install -y openssh-server)`);
  }
}

export function sshdConfig(opts: SshdOptions, hostKeyFile: string, authorizedKeysFile: string): string {
  // sshd keeps the first value of a keyword, and Match blocks must come last: extra global
  // lines go first (so they override the defaults below), extra Match blocks go at the end.
  const extra = opts.extraConfig ?? [];
  const firstMatch = extra.findIndex((l) => /^\s*Match\s/i.test(l));
  const globals = firstMatch < 0 ? extra : extra.slice(0, firstMatch);
  const matches = firstMatch < 0 ? [] : extra.slice(firstMatch);
  return [
    ...globals,
    `ListenAddress ${opts.address}:${opts.port}`,
    `HostKey ${hostKeyFile}`,
    `PidFile none`,
    `AuthorizedKeysFile ${authorizedKeysFile}`,
    // No PAM: the server authenticates by key against files it owns, nothing from the real /etc/pam.d.
    'UsePAM no',
    'PermitRootLogin prohibit-password',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    // The server dir is root-owned but may be group/world readable; skip the permission check.
    'StrictModes no',
    'UseDNS no',
    'PrintMotd no',
    'PrintLastLog no',
    'LoginGraceTime 30',
    'LogLevel ERROR',
    'Subsystem sftp internal-sftp',
    ...matches,
    '',
  ].join('\n');
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Waits until something accepts TCP connections on address:port. */
export async function waitForPort(address: string, port: number, timeoutMs: number, isAlive: () => boolean): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: address, port });
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (!isAlive()) throw new Error(`sshd on ${address}:${port} exited during start-up`);
    if (Date.now() > deadline) throw new Error(`sshd on ${address}:${port} did not accept connections within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** `/proc/net/tcp`'s form of an IPv4 address and port: little-endian hex, e.g. 127.77.0.10:2222 → 0A004D7F:08AE. */
function procNetAddress(address: string, port: number): string {
  const ip = address.split('.').map((o) => Number(o).toString(16).padStart(2, '0')).reverse().join('');
  return `${ip}:${port.toString(16).padStart(4, '0')}`.toUpperCase();
}

/**
 * Pids holding a TCP socket listening on address:port (or on 0.0.0.0:port): a connect() that
 * succeeds says someone listens, this says who (another lab's sshd, or ours).
 */
export function listenerPids(address: string, port: number): number[] {
  const wanted = new Set([procNetAddress(address, port), procNetAddress('0.0.0.0', port)]);
  const inodes = new Set<string>();
  for (const line of safeRead('/proc/net/tcp').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    // f[1] local address, f[3] state (0A = LISTEN), f[9] inode
    if (f.length > 9 && f[3] === '0A' && wanted.has(f[1]!)) inodes.add(`socket:[${f[9]}]`);
  }
  if (inodes.size === 0) return [];
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readdirSync(`/proc/${entry}/fd`).some((fd) => inodes.has(safeReadlink(`/proc/${entry}/fd/${fd}`)))) pids.push(Number(entry));
    } catch {
      /* process exited while we looked, or not ours to read */
    }
  }
  return pids;
}

function safeReadlink(p: string): string {
  try {
    return readlinkSync(p);
  } catch {
    return '';
  }
}

/** The sshd_config a listening sshd was started with (its `-f`), for saying whose server holds an address. */
export function sshdConfigOf(pid: number): string | undefined {
  // sshd rewrites its process title ("sshd: /usr/sbin/sshd -D -e -f <cfg> [listener] ..."): match, do not split on NULs
  return /(?:^|\s)-f\s+(\S+)/.exec(safeRead(`/proc/${pid}/cmdline`).replace(/\0/g, ' '))?.[1];
}

/** Waits until `pid` itself listens on address:port: a connect() may be answered by another server on it. */
async function waitForOwnListener(pid: number, address: string, port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const holders = listenerPids(address, port);
    if (holders.includes(pid)) return;
    if (!pidAlive(pid) || Date.now() > deadline) {
      const other = holders.map((h) => `pid ${h}${sshdConfigOf(h) ? ` (${sshdConfigOf(h)})` : ''}`).join(', ');
      throw new Error(`sshd for ${address}:${port} is not listening there${other ? `: the address is held by ${other}` : ''}`);
    }
    await new Promise((r) => setTimeout(r, 15));
  }
}

/** Whether a process exists (signal 0 probes without sending anything). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, only not ours to signal
  }
}

/** Generates (once) the server's ed25519 host key and returns the public key line. */
export function ensureHostKey(dir: string): { keyFile: string; publicKey: string } {
  const keyFile = join(dir, 'ssh_host_ed25519_key');
  if (!existsSync(keyFile)) {
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', keyFile]);
  }
  const pub = readFileSync(`${keyFile}.pub`, 'utf8').trim().split(/\s+/).slice(0, 2).join(' ');
  return { keyFile, publicKey: pub };
}

/**
 * Stops the server once its owner is gone: a detached sh outside the namespace (so a test counting
 * the host's processes never sees it) polls the owner and the anchor once a second with builtin
 * reads of /proc/<pid>/stat; it exits when the anchor ends (stopSshd ran) and, when the owner
 * ends first, kills every process of the namespace: the server and its sessions end, its mounts vanish.
 */
function startWatchdog(owner: Owner, info: SshdInfo): void {
  if (!info.anchor) return;
  const script = [
    `o=${owner.pid}; t=${owner.start}; a=${info.anchor.pid}; at=${info.anchor.start}; ns=${shq(info.mntNs)}; sshd=${info.pid}`,
    // v = field 22 of /proc/$1/stat (start time), counted after the ") " that ends the command name
    'start() { v=; read -r s </proc/$1/stat || return 1; s=${s##*") "}; set -- $s; v=${20}; }',
    'while :; do { start $a && [ "$v" = "$at" ]; } 2>/dev/null || exit 0; { start $o && [ "$v" = "$t" ]; } 2>/dev/null || break; sleep 1; done',
    // the anchor still ours AND still in the namespace: a dying anchor keeps its pid and start time (a zombie) after
    // its namespace is freed, and the kernel gives the inode number to the next namespace at once (another lab's host)
    'ours() { { start $a && [ "$v" = "$at" ] && [ "$(readlink /proc/$a/ns/mnt)" = "$ns" ]; } 2>/dev/null; }',
    // sshd first (no new sessions), then everything else in the namespace: twice, for forks in between
    'ours || exit 0; [ "$(readlink /proc/$sshd/ns/mnt 2>/dev/null)" = "$ns" ] && kill -9 $sshd 2>/dev/null',
    // the anchor last, and each kill only while the anchor is still ours
    'for n in 1 2; do for p in /proc/[0-9]*; do [ "${p#/proc/}" = "$a" ] && continue; [ "$(readlink $p/ns/mnt 2>/dev/null)" = "$ns" ] || continue; ours || exit 0; kill -9 ${p#/proc/} 2>/dev/null; done; done',
    'ours && kill -9 $a 2>/dev/null',
    'exit 0',
  ].join('\n');
  spawn('/bin/sh', ['-c', script, 'marshal-sshd-watchdog'], { detached: true, stdio: 'ignore' }).unref();
}

/** Starts sshd detached (it outlives this process, as a long-lived lab needs, unless it has an owner) and waits until it listens. */
export async function startSshd(opts: SshdOptions): Promise<SshdInfo> {
  assertSshdUsable();
  mkdirSync(opts.dir, { recursive: true });
  const home = opts.home ?? join(opts.dir, 'home');
  mkdirSync(home, { recursive: true, mode: 0o700 });
  // sshd's privilege separation directory; the openssh-server package normally creates it.
  mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
  const { keyFile, publicKey } = ensureHostKey(opts.dir);
  const authFile = join(opts.dir, 'authorized_keys');
  writeFileSync(authFile, opts.authorizedKeys.map((k) => k.trim()).join('\n') + '\n', { mode: 0o600 });
  const cfgFile = join(opts.dir, 'sshd_config');
  writeFileSync(cfgFile, sshdConfig(opts, keyFile, authFile));

  const mounts = [`mount --bind ${shq(home)} /root`];
  for (const b of opts.binds ?? []) {
    mounts.push(`mount --bind ${shq(b.source)} ${shq(b.target)}`);
    if (b.readOnly) mounts.push(`mount -o remount,bind,ro ${shq(b.target)}`);
  }
  // The anchor keeps the namespace alive until stopSshd, so its inode number cannot be reused
  // by another suite's namespace while we may still kill "every process in it".
  const anchorFile = join(opts.dir, 'anchor.pid');
  const owner = 'owner' in opts ? opts.owner : ownerFromEnv();
  const script = `set -e; ${mounts.join('; ')}; sleep infinity </dev/null >/dev/null 2>&1 & echo $! > ${shq(anchorFile)}; exec ${SSHD} -D -e -f ${shq(cfgFile)}`;
  const logFd = openSync(join(opts.dir, 'sshd.log'), 'a');
  const child = spawn('unshare', ['--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script], {
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  child.unref();
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start sshd for ${opts.address}:${opts.port}`);
  try {
    await waitForPort(opts.address, opts.port, opts.startTimeoutMs ?? 10_000, () => pidAlive(pid));
    await waitForOwnListener(pid, opts.address, opts.port, opts.startTimeoutMs ?? 10_000);
  } catch (err) {
    const log = safeRead(join(opts.dir, 'sshd.log')).trim().split('\n').slice(-5).join('\n');
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
    throw new Error(`${(err as Error).message}${log ? `\n${log}` : ''}`);
  }
  const mntNs = readlinkSync(`/proc/${pid}/ns/mnt`);
  const anchorPid = Number(safeRead(anchorFile).trim());
  const info: SshdInfo = {
    address: opts.address,
    port: opts.port,
    pid,
    mntNs,
    hostKey: publicKey,
    dir: opts.dir,
    ...(anchorPid > 0 ? { anchor: { pid: anchorPid, start: processStart(anchorPid) ?? '' } } : {}),
  };
  writeFileSync(join(opts.dir, 'sshd.json'), JSON.stringify(info, null, 2) + '\n');
  if (owner) startWatchdog(owner, info);
  return info;
}

/** A file's text, or '' when it cannot be read. */
export function safeRead(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

/** Pids of every process in the given mount namespace (the server and all its sessions). */
export function pidsInMountNamespace(mntNs: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readlinkSync(`/proc/${entry}/ns/mnt`) === mntNs) pids.push(Number(entry));
    } catch {
      /* process exited while we looked */
    }
  }
  return pids;
}

/**
 * Stops the server and every process that lives in its namespace (sessions, commands
 * they started), so nothing is left behind; the namespace's mounts vanish with them.
 */
export async function stopSshd(info: Pick<SshdInfo, 'pid' | 'mntNs' | 'anchor'>, timeoutMs = 5000): Promise<void> {
  const own = readlinkSync('/proc/self/ns/mnt');
  if (info.mntNs === own) throw new Error('refusing to stop processes in the real mount namespace');
  // anchor gone: the namespace ended (stopped already); its inode may now name someone else's
  if (!namespaceIsOurs(info)) return;
  // The anchor dies last: while it lives the inode names only our namespace. Scanning after its
  // death once SIGKILLed the sshd of a lab host that restarted into the freed inode meanwhile.
  const anchor = info.anchor?.pid;
  const others = () => (namespaceIsOurs(info) ? pidsInMountNamespace(info.mntNs).filter((p) => p !== anchor) : []);
  const signal = (pids: number[], sig: NodeJS.Signals) => {
    for (const p of pids) {
      try {
        process.kill(p, sig);
      } catch {
        /* gone */
      }
    }
  };
  const until = async (done: () => boolean, deadline: number) => {
    while (!done() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  };
  const deadline = Date.now() + timeoutMs;
  signal(others(), 'SIGTERM');
  await until(() => others().length === 0, deadline);
  signal(others(), 'SIGKILL');
  await until(() => others().length === 0, deadline + 2000);
  if (anchor !== undefined && namespaceIsOurs(info)) {
    signal([anchor], 'SIGKILL');
    await until(() => !namespaceIsOurs(info), Date.now() + 2000);
  }
}

/** A known_hosts line for this server, in the `[addr]:port` form OpenSSH uses for non-22 ports. */
export function knownHostsLine(address: string, port: number, hostKey: string): string {
  const name = port === 22 ? address : `[${address}]:${port}`;
  return `${name} ${hostKey}`;
}
