/**
 * The lab daemon: one process per lab holding every host's state model. It answers the
 * hosts' command scripts (TCP on the lab's loopback .1 address), serves the FUSE sysfs
 * proxy and the CLI (unix socket), persists state.json after every change, and owns the
 * FUSE mount. Started detached by `lab up`: `node daemon.js <labdir> [<owner pid>:<start time>]`;
 * with an owner (a test run) it stops the whole lab, as `lab down` does, once that process is gone.
 */
import { createServer as createTcpServer, type Socket } from 'node:net';
import { createServer as createUnixServer } from 'node:net';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { World } from './model/world';
import type { HostState, WorldState, ToolResult } from './model/types';
import { labPaths, hostPaths, type DaemonInfo, type LabConfig } from './layout';
import { daemonAddress } from './model/build';
import { lookup } from './sysfs';
import { runTool } from './tools';
import { answerFragment, askFragment, HANG_FRAGMENT, writeToolBin } from './toolbin';
import { LAB_ROOT } from './paths';
import { stopSshd, type SshdInfo } from '@marshal/sshd-harness';
import { bootOf, bootUp, goDown } from './model/boot';
import { startHostSshd, writeBootFiles } from './host-sshd';
import { ownerAlive, type Owner } from '@marshal/sshd-harness';
import { isMounted, stopHosts, forgetRun } from './teardown';

const labDir = process.argv[2];
if (!labDir) {
  process.stderr.write('usage: daemon <labdir>\n');
  process.exit(2);
}
const paths = labPaths(labDir);
const ownerArg = process.argv[3] ? /^(\d+):(\d+)$/.exec(process.argv[3]) : undefined;
const owner: Owner | undefined = ownerArg ? { pid: Number(ownerArg[1]), start: ownerArg[2]! } : undefined;
const config = JSON.parse(readFileSync(paths.config, 'utf8')) as LabConfig;
const world = new World(JSON.parse(readFileSync(paths.state, 'utf8')) as WorldState);
const token = randomBytes(12).toString('hex');
let info: DaemonInfo | undefined;
let fuseChild: ChildProcess | undefined;

function log(msg: string): void {
  process.stderr.write(`${new Date().toISOString()} ${msg}\n`);
}

/** Atomic write: `lab status` never reads half a file. */
function persist(): void {
  // one writer (this daemon), so a fixed temp name is safe; no fsync: the state is rebuilt on `lab up`
  const tmp = `${paths.state}.tmp`;
  writeFileSync(tmp, JSON.stringify(world.state));
  renameSync(tmp, paths.state);
}

let dirty = false;
world.changed = () => {
  dirty = true;
};
const packagesSeen = new Map<string, string>();
function flush(): void {
  if (!dirty) return;
  dirty = false;
  persist();
  // A package install (dnf) adds commands: refresh the PATH of hosts whose packages changed.
  if (!info) return;
  for (const h of Object.values(world.state.hosts)) {
    const sig = h.kind === 'nic' ? JSON.stringify(h.packages) : '';
    if (packagesSeen.get(h.name) === sig) continue;
    packagesSeen.set(h.name, sig);
    writeToolBin(hostPaths(paths, h.name).bin, h, info);
  }
}

// ---- reboots and the event log ----

/** How long a rebooting host stays down (sshd stopped); a real CX-7 server takes minutes. */
const BOOT_MS = Number(process.env.MARSHAL_LAB_BOOT_MS ?? 2000);
/** The reboot command's answer reaches the caller before its sessions drop. */
const SHUTDOWN_DELAY_MS = 300;

world.event = (host, event, detail) => {
  const line = { time: new Date().toISOString(), ms: Date.now(), host, event, ...(detail ? { detail } : {}) };
  appendFileSync(paths.events, JSON.stringify(line) + '\n');
};

/** The booted host's sshd, tried 3 times (each failure logged): a start that timed out under load must not leave the host down for good. */
async function bootSshd(name: string, host: HostState): Promise<SshdInfo> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startHostSshd(paths, host, config.port, undefined, owner);
    } catch (e) {
      if (attempt >= 3 || shuttingDown) throw e;
      log(`starting the sshd of ${name} after its reboot (attempt ${attempt}): ${(e as Error).message}`);
    }
  }
}

/** Down: every process of the host's namespace is killed (its SSH connections drop); up: booted, sshd started again. */
async function rebootHost(name: string): Promise<void> {
  const host = world.host(name);
  if (!host || host.kind !== 'nic' || bootOf(host).down) return;
  bootOf(host).down = true;
  await new Promise((r) => setTimeout(r, SHUTDOWN_DELAY_MS));
  goDown(host);
  world.event?.(name, 'down');
  world.changed?.();
  flush();
  const hp = hostPaths(paths, name);
  const sshd = JSON.parse(safeRead(join(hp.sshd, 'sshd.json')) || 'null') as SshdInfo | null;
  if (sshd) await stopSshd(sshd);
  rmSync(join(hp.sshd, 'sshd.json'), { force: true });
  await new Promise((r) => setTimeout(r, BOOT_MS));
  bootUp(host, world.now());
  // booted but not reachable until its sshd listens: `lab status` shows it rebooting until then
  bootOf(host).down = true;
  writeBootFiles(paths, host);
  world.changed?.();
  flush();
  if (shuttingDown) return; // `lab down` meanwhile: the host stays down
  restarted.set(name, await bootSshd(name, host));
  delete bootOf(host).down;
  world.changed?.();
  flush();
  world.event?.(name, 'up', bootOf(host).id);
}

/** Reboots in progress, and the sshd servers this daemon started again (stopped with it: `lab down` may have run meanwhile). */
const rebooting = new Set<Promise<void>>();
const restarted = new Map<string, SshdInfo>();

world.reboot = (name) => {
  const p = rebootHost(name)
    .catch((e: unknown) => {
      log(`reboot of ${name} failed: ${(e as Error).stack}`);
      // not coming back: `lab status` shows it down, not rebooting
      const host = world.host(name);
      if (host?.kind === 'nic') delete bootOf(host).down;
      world.changed?.();
      flush();
      world.event?.(name, 'boot-failed', (e as Error).message);
    })
    .finally(() => rebooting.delete(p));
  rebooting.add(p);
};

// ---- tool requests (TCP, NUL-separated fields) ----

/** A file's text, or '' when it cannot be read (a /proc entry of a process that just exited). */
function safeRead(f: string): string {
  try {
    return readFileSync(f, 'utf8');
  } catch {
    return '';
  }
}

function sessionOf(pid: number, listener: number): number | undefined {
  let p = pid;
  for (let i = 0; i < 64 && p > 1; i++) {
    const stat = safeRead(`/proc/${p}/stat`);
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    if (ppid === listener) return p;
    p = ppid;
  }
  return undefined;
}

/** Kills the sshd session process serving the caller: the client sees the connection drop. */
function dropConnection(host: string, pid: number): void {
  const sshd = JSON.parse(safeRead(join(hostPaths(paths, host).sshd, 'sshd.json')) || '{}') as { pid?: number };
  const session = sshd.pid ? sessionOf(pid, sshd.pid) : undefined;
  if (session) {
    try {
      process.kill(session, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

/** Reads a file named on a command line as the caller sees it (its mount namespace, its cwd). */
function readAs(pid: number, cwd: string, file: string): string | undefined {
  const abs = posix.resolve(cwd, file);
  try {
    return readFileSync(`/proc/${pid}/root${abs}`, 'utf8');
  } catch {
    return undefined;
  }
}

type ToolRequest = { host: string; tool: string; cwd: string; pid: number; argv: string[] };

/** Runs one tool call on its lab host; a throw is the tool's internal error (exit 70), logged. */
function toolResult(r: ToolRequest, host: NonNullable<ReturnType<World['host']>>, answer: string | undefined): ToolResult {
  try {
    return runTool({
      world,
      host,
      tool: r.tool,
      argv: r.argv,
      cwd: r.cwd,
      readFile: (f) => readAs(r.pid, r.cwd, f),
      ...(answer !== undefined ? { answer } : {}),
      changed: () => world.changed?.(),
    });
  } catch (e) {
    log(`tool ${r.tool} on ${r.host} threw: ${(e as Error).stack}`);
    return { kind: 'done', stdout: '', stderr: `${r.tool}: internal lab error: ${(e as Error).message}\n`, code: 70 };
  }
}

function handleTool(sock: Socket): void {
  let buf = Buffer.alloc(0);
  let fields: string[] | undefined;
  let phase: 'request' | 'answer' = 'request';
  let req: ToolRequest | undefined;
  const send = (frag: string) => sock.write(`${frag}\0`);

  const run = (answer?: string) => {
    const r = req!;
    const host = world.host(r.host);
    if (!host) {
      send(answerFragment('', `${r.tool}: unknown lab host ${r.host}\n`, 255));
      sock.end();
      return;
    }
    const res = toolResult(r, host, answer);
    flush();
    switch (res.kind) {
      case 'done': {
        // A live migration takes a moment; its VFs count against the per-PF limit meanwhile.
        const delay = r.tool === 'virsh' && r.argv.includes('migrate') && res.code === 0 ? world.opts.migrationMs : 0;
        const out = res;
        setTimeout(() => {
          send(answerFragment(out.stdout, out.stderr, out.code));
          sock.end();
        }, delay);
        return;
      }
      case 'ask':
        phase = 'answer';
        send(askFragment(res.prompt));
        return;
      case 'hang':
        send(HANG_FRAGMENT);
        sock.end();
        return;
      case 'drop':
        dropConnection(r.host, r.pid);
        send(answerFragment('', '', 255));
        sock.end();
    }
  };

  sock.on('data', (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      const nul = buf.indexOf(0);
      if (nul < 0) return;
      const field = buf.subarray(0, nul).toString('utf8');
      buf = buf.subarray(nul + 1);
      if (phase === 'answer') {
        phase = 'request';
        run(field);
        continue;
      }
      fields = fields ?? [];
      fields.push(field);
      if (fields.length === 1 && fields[0] !== token) {
        sock.destroy();
        return;
      }
      if (fields.length >= 6 && fields.length === 6 + Number(fields[5])) {
        const [, host, tool, cwd, pid] = fields as [string, string, string, string, string];
        req = { host, tool, cwd, pid: Number(pid), argv: fields.slice(6) };
        fields = undefined;
        run();
      }
    }
  });
  sock.on('error', () => undefined);
}

// ---- sysfs and control requests (unix socket, JSON lines) ----

function sysfsOp(req: { op: string; path: string; data?: string }): object {
  const r = lookup(world, req.path);
  if (!r.ok) return { errno: r.errno };
  const n = r.node;
  switch (req.op) {
    case 'getattr':
      return { type: n.type, writable: n.type === 'file' && !!n.write };
    case 'readdir':
      return n.type === 'dir' ? { entries: [...n.entries.keys()] } : { errno: 'ENOTDIR' };
    case 'readlink':
      return n.type === 'link' ? { target: n.target } : { errno: 'EINVAL' };
    case 'read': {
      if (n.type === 'dir') return { errno: 'EISDIR' };
      if (n.type !== 'file') return { errno: 'EINVAL' };
      const v = n.read();
      return typeof v === 'string' ? { data: v } : v;
    }
    case 'write': {
      if (n.type !== 'file') return { errno: 'EISDIR' };
      if (!n.write) return { errno: 'EACCES' };
      const e = n.write(req.data ?? '');
      flush();
      return e ? { errno: e } : { ok: true };
    }
    default:
      return { errno: 'ENOSYS' };
  }
}

function control(req: { op: string }): object {
  switch (req.op) {
    case 'ping':
      return { ok: true, pid: process.pid };
    case 'state':
      return { ok: true, state: world.state };
    case 'shutdown':
      setImmediate(() => void shutdown(0));
      return { ok: true };
    default:
      return sysfsOp(req as { op: string; path: string });
  }
}

function handleUnix(sock: Socket): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let reply: object;
      try {
        reply = control(JSON.parse(line));
      } catch (e) {
        log(`bad request ${line}: ${(e as Error).stack}`);
        reply = { errno: 'EIO' };
      }
      sock.write(JSON.stringify(reply) + '\n');
    }
  });
  sock.on('error', () => undefined);
}

// ---- FUSE mount ----

function fuseScript(): string {
  // The daemon runs as its own process (never bundled); the script ships in src/.
  return join(LAB_ROOT, 'src', 'sysfs_fuse.py');
}

async function mountSysfs(): Promise<void> {
  if (isMounted(paths.sysfs)) unmount();
  mkdirSync(paths.sysfs, { recursive: true });
  fuseChild = spawn('/usr/bin/python3', [fuseScript(), paths.sysfs, paths.socket], { stdio: ['ignore', 'inherit', 'inherit'] });
  fuseChild.on('exit', (code) => {
    if (!shuttingDown) log(`FUSE proxy exited (${code})`);
  });
  const deadline = Date.now() + 10_000;
  while (!isMounted(paths.sysfs)) {
    if (fuseChild.exitCode !== null) throw new Error(`the FUSE sysfs proxy exited with ${fuseChild.exitCode} (see ${paths.daemonLog})`);
    if (Date.now() > deadline) throw new Error('the FUSE sysfs proxy did not mount within 10 s');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function unmount(): void {
  for (const args of [['-u', paths.sysfs], ['-uz', paths.sysfs]]) {
    try {
      execFileSync('fusermount', args, { stdio: 'ignore' });
      return;
    } catch {
      /* try lazily */
    }
  }
}

let shuttingDown = false;
async function shutdown(code: number, forget = false): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  await Promise.race([Promise.all([...rebooting]), new Promise((r) => setTimeout(r, 4000))]);
  await Promise.all([...restarted.values()].map((info) => stopSshd(info).catch(() => undefined)));
  flush();
  unmount();
  if (fuseChild && fuseChild.exitCode === null) {
    fuseChild.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 50));
    if (fuseChild.exitCode === null) fuseChild.kill('SIGKILL');
  }
  rmSync(paths.daemonInfo, { force: true });
  rmSync(paths.socket, { force: true });
  if (forget) forgetRun(paths);
  process.exit(code);
}

/** The test run that started this lab ended (even by SIGKILL, when no afterAll runs): stop as `lab down` does. */
function watchOwner(o: Owner): void {
  const timer = setInterval(() => {
    if (ownerAlive(o)) return;
    clearInterval(timer);
    log(`owner pid ${o.pid} is gone: stopping the lab`);
    // hosts first: their namespaces hold bind mounts of the FUSE tree
    void stopHosts(paths)
      .catch((e: Error) => log(`stopping the hosts: ${e.message}`))
      .then(() => shutdown(0, true));
  }, 500); // 500 ms: a /proc read, and the lab is gone within a second of its owner
}

async function main(): Promise<void> {
  process.on('SIGTERM', () => void shutdown(0));
  process.on('SIGINT', () => void shutdown(0));
  rmSync(paths.socket, { force: true });
  const unix = createUnixServer(handleUnix);
  await new Promise<void>((res, rej) => unix.once('error', rej).listen(paths.socket, () => res()));
  const address = daemonAddress(config.net);
  const tcp = createTcpServer(handleTool);
  await new Promise<void>((res, rej) => tcp.once('error', rej).listen(0, address, () => res()));
  const port = (tcp.address() as { port: number }).port;
  info = { pid: process.pid, address, port, token, ...(owner ? { owner } : {}) };
  for (const h of Object.values(world.state.hosts)) {
    writeToolBin(hostPaths(paths, h.name).bin, h, info);
    packagesSeen.set(h.name, h.kind === 'nic' ? JSON.stringify(h.packages) : '');
  }
  await mountSysfs();
  if (owner) watchOwner(owner);
  persist();
  writeFileSync(paths.daemonInfo, JSON.stringify({ ...info, mntNs: readlinkSync('/proc/self/ns/mnt') }, null, 2) + '\n');
  log(`lab daemon up: ${address}:${port}, ${Object.keys(world.state.hosts).length} hosts`);
}

main().catch((e) => {
  log(`lab daemon failed: ${(e as Error).stack}`);
  void shutdown(1);
});
