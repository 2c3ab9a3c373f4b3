/**
 * `lab up | status | down`: starts the daemon and one sshd per simulated host, writes the
 * inventory, keys and known_hosts; stops all of it again. Everything lives in the lab dir.
 */
import { spawn, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, openSync, closeSync, readFileSync, writeFileSync, rmSync, readlinkSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { UsageError } from 'marshal';
import { stopSshd, knownHostsLine, ensureHostKey, pidAlive, listenerPids, sshdConfigOf, ownerFromEnv, type SshdInfo, type Owner } from '@marshal/sshd-harness';
import { labPaths, hostPaths, defaultLabDir, DEFAULT_NET, DEFAULT_PORT, type LabConfig, type LabPaths, type DaemonInfo } from './layout';
import { loadScenario } from './scenario';
import { buildWorld } from './model/build';
import type { WorldState, HostState } from './model/types';
import { startHostSshd, writeBootFiles } from './host-sshd';
import { bootOf } from './model/boot';
import { inventoryYaml } from './inventory';
import { fromDist, LAB_ROOT } from './paths';
import { liveSshd, stopHosts, unmountSysfs, forgetRun } from './teardown';

export interface LabUpOptions {
  dir?: string;
  /** Number of source/destination pairs (default: the scenario's, else 1). */
  pairs?: number;
  scenario?: string;
  /** First three octets of the loopback range, e.g. `127.77.0` (default; env MARSHAL_LAB_NET). */
  net?: string;
  port?: number;
  /** How many sshd servers start at once. */
  concurrency?: number;
  /** Stop the whole lab once this process is gone (default: $MARSHAL_OWNER_PID, set by test runs; none: it runs until `lab down`). */
  owner?: Owner;
}

export interface LabHostInfo {
  name: string;
  kind: 'nic' | 'guest';
  role: string;
  address: string;
  port: number;
  running: boolean;
}

export interface LabUpResult {
  dir: string;
  inventory: string;
  scenario: string;
  pairs: number;
  hosts: LabHostInfo[];
  started: number;
  reused: number;
  elapsedMs: number;
}

export interface LabStatus {
  dir: string;
  up: boolean;
  daemon?: { pid: number; address: string; port: number };
  scenario?: string;
  pairs?: number;
  hosts: LabHostStatus[];
}

/** A host in `lab status`: `rebooting` while the daemon has it down in a reboot, `down` when its sshd is not running otherwise. */
export interface LabHostStatus extends LabHostInfo {
  state: 'up' | 'rebooting' | 'down';
  /** /proc/sys/kernel/random/boot_id of its current (or, while rebooting, its last) boot; NIC hosts only. */
  bootId?: string;
  summary: string;
}

/** Fails clearly on a machine without what the lab needs. */
export function assertLabUsable(): void {
  if (process.getuid?.() !== 0) {
    throw new UsageError('the lab needs root: each simulated host is an sshd in its own mount namespace with a FUSE-backed /sys (run as root, e.g. in a container or VM)');
  }
  const need: [string, string][] = [
    ['/usr/sbin/sshd', 'openssh-server'],
    ['/usr/bin/ssh-keygen', 'openssh-client'],
    ['/usr/bin/unshare', 'util-linux'],
    ['/usr/bin/python3', 'python3'],
  ];
  for (const [f, pkg] of need) if (!existsSync(f)) throw new UsageError(`${f} not found: the lab needs it (Debian/Ubuntu: apt-get install -y ${pkg})`);
  if (!existsSync('/dev/fuse')) throw new UsageError('/dev/fuse is missing: the lab serves its simulated /sys with FUSE (load the fuse module, or give the container /dev/fuse)');
  if (!existsSync('/usr/bin/fusermount') && !existsSync('/bin/fusermount')) throw new UsageError('fusermount not found: apt-get install -y fuse3');
  try {
    execFileSync('/usr/bin/python3', ['-c', 'import fuse; fuse.fuse_python_api = (0, 2)'], { stdio: 'pipe' });
  } catch {
    throw new UsageError("Python's FUSE bindings are missing: apt-get install -y python3-fuse (the lab runs them with /usr/bin/python3)");
  }
}

function readJson<T>(f: string): T | undefined {
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** A JSON-line request to the daemon's unix socket. */
export function daemonRequest<T = Record<string, unknown>>(paths: LabPaths, req: object, timeoutMs = 5000): Promise<T> {
  return new Promise((resolve, reject) => {
    const s = connect(paths.socket);
    let buf = '';
    const timer = setTimeout(() => {
      s.destroy();
      reject(new Error('lab daemon did not answer'));
    }, timeoutMs);
    s.on('connect', () => s.write(JSON.stringify(req) + '\n'));
    s.on('data', (d) => {
      buf += d.toString();
      const nl = buf.indexOf('\n');
      if (nl >= 0) {
        clearTimeout(timer);
        s.end();
        resolve(JSON.parse(buf.slice(0, nl)) as T);
      }
    });
    s.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
  });
}

function daemonAlive(paths: LabPaths): DaemonInfo | undefined {
  const d = readJson<DaemonInfo>(paths.daemonInfo);
  return d && pidAlive(d.pid) ? d : undefined;
}

function daemonCommand(): { cmd: string; args: string[] } {
  const js = join(LAB_ROOT, 'dist', 'daemon.js');
  if (fromDist && existsSync(js)) return { cmd: process.execPath, args: [js] };
  // Running from TypeScript sources (tests, ts-node): compile on the fly.
  return { cmd: process.execPath, args: ['-r', require.resolve('ts-node/register/transpile-only'), join(LAB_ROOT, 'src', 'daemon.ts')] };
}

async function startDaemon(paths: LabPaths, owner: Owner | undefined): Promise<DaemonInfo> {
  rmSync(paths.daemonInfo, { force: true });
  const { cmd, args } = daemonCommand();
  const logFd = openSync(paths.daemonLog, 'a');
  const child = spawn(cmd, [...args, paths.dir, ...(owner ? [`${owner.pid}:${owner.start}`] : [])], { detached: true, stdio: ['ignore', logFd, logFd], env: { ...process.env, TS_NODE_PROJECT: join(LAB_ROOT, 'tsconfig.json') } });
  closeSync(logFd);
  child.unref();
  const deadline = Date.now() + 30_000;
  for (;;) {
    const d = readJson<DaemonInfo>(paths.daemonInfo);
    if (d) return d;
    if (child.exitCode !== null || (child.pid !== undefined && !pidAlive(child.pid)) || Date.now() > deadline) {
      const tail = (existsSync(paths.daemonLog) ? readFileSync(paths.daemonLog, 'utf8') : '').trim().split('\n').slice(-8).join('\n');
      if (child.pid !== undefined && pidAlive(child.pid)) process.kill(child.pid, 'SIGTERM');
      throw new UsageError(`the lab daemon did not start (log: ${paths.daemonLog})\n${tail}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
}

function ensureClientKey(paths: LabPaths): string {
  if (!existsSync(paths.clientKey)) execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'marshal-lab', '-f', paths.clientKey]);
  return readFileSync(`${paths.clientKey}.pub`, 'utf8').trim();
}

async function pool<T>(items: T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
  let i = 0;
  const errors: unknown[] = [];
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (i < items.length) {
        const t = items[i++]!;
        try {
          await fn(t);
        } catch (e) {
          errors.push(e);
        }
      }
    }),
  );
  if (errors.length) throw errors[0];
}

/** Who serves address:port: `the lab in <dir> (sshd pid N)` for another lab's host, else the pid. */
function holderOf(pid: number): string {
  const cfg = sshdConfigOf(pid);
  // a lab host's sshd runs with -f <lab>/hosts/<name>/sshd/sshd_config
  const m = cfg ? /^(.*)\/hosts\/[^/]+\/sshd\/sshd_config$/.exec(cfg) : null;
  return m ? `the lab in ${m[1]} (sshd pid ${pid})` : `pid ${pid}${cfg ? ` (sshd -f ${cfg})` : ''}`;
}

/** Fails before anything starts when another server (usually another checkout's lab) holds our addresses. */
function assertAddressesFree(state: WorldState, cfg: LabConfig): void {
  const taken: string[] = [];
  for (const h of Object.values(state.hosts)) {
    const pids = listenerPids(h.address, cfg.port);
    if (pids.length > 0) taken.push(`${h.address}:${cfg.port} (${h.name}) is served by ${[...new Set(pids.map(holderOf))].join(', ')}`);
  }
  if (taken.length === 0) return;
  const labs = [...new Set(taken.map((t) => / the lab in (\S+) /.exec(t)?.[1]).filter((d): d is string => d !== undefined))];
  const stop = labs.map((d) => `MARSHAL_LAB_DIR=${d} marshal lab down`).join(' / ');
  throw new UsageError(
    `the lab's addresses are in use:\n  ${taken.join('\n  ')}\n${stop ? `stop that lab (${stop}) or ` : ''}start this one on another loopback network: marshal lab up --net 127.78.0 (or MARSHAL_LAB_NET=127.78.0)`,
  );
}

/** Who the lab belongs to: the option, else $MARSHAL_OWNER_PID (a test run), else nobody. */
function ownerOf(opts: LabUpOptions): Owner | undefined {
  if ('owner' in opts) return opts.owner;
  try {
    return ownerFromEnv();
  } catch (e) {
    throw new UsageError(`lab up: ${(e as Error).message}`);
  }
}

function sameConfig(a: LabConfig, b: LabConfig): boolean {
  return a.net === b.net && a.pairs === b.pairs && a.scenarioFile === b.scenarioFile && a.port === b.port;
}

export async function labUp(opts: LabUpOptions = {}): Promise<LabUpResult> {
  const t0 = Date.now();
  assertLabUsable();
  const paths = labPaths(opts.dir ?? defaultLabDir());
  if (paths.dir === '/tmp' || paths.dir.startsWith('/tmp/')) {
    throw new UsageError(`the lab dir ${paths.dir} is under /tmp, which every simulated host replaces with its own private /tmp: choose another (e.g. /var/tmp/... or ./.marshal/lab)`);
  }
  mkdirSync(paths.dir, { recursive: true });
  const old = readJson<LabConfig>(paths.config);
  // Without --scenario, a lab keeps the scenario it was started with.
  const scenario = loadScenario(opts.scenario ?? old?.scenarioFile);
  const wanted: LabConfig = {
    net: opts.net ?? process.env.MARSHAL_LAB_NET ?? old?.net ?? DEFAULT_NET,
    pairs: opts.pairs ?? (old && !opts.scenario ? old.pairs : scenario.pairs),
    scenarioFile: scenario.file,
    port: opts.port ?? old?.port ?? DEFAULT_PORT,
  };
  if (!/^127\.\d{1,3}\.\d{1,3}$/.test(wanted.net)) throw new UsageError(`lab network must be three octets inside 127.0.0.0/8, like 127.77.0 (got ${wanted.net})`);
  if (!Number.isInteger(wanted.pairs) || wanted.pairs < 1 || wanted.pairs > 500) throw new UsageError(`--hosts must be a number of pairs between 1 and 500 (got ${wanted.pairs})`);
  let daemon = daemonAlive(paths);
  const owner = daemon ? daemon.owner : ownerOf(opts);
  if (daemon && old && !sameConfig(old, wanted)) {
    throw new UsageError(
      `the lab in ${paths.dir} is already up with ${old.pairs} pair(s), scenario ${old.scenarioFile}, net ${old.net}: run \`marshal lab down\` first to start a different one`,
    );
  }
  if (!daemon) {
    // A lab whose daemon died: clear what is left of it, keep its state when the config is the same.
    await stopHosts(paths);
    unmountSysfs(paths);
    const keep = old && sameConfig(old, wanted) && existsSync(paths.state);
    if (!keep) {
      const state: WorldState = buildWorld(scenario, { net: wanted.net, pairs: wanted.pairs });
      writeFileSync(paths.state, JSON.stringify(state));
    }
    writeFileSync(paths.config, JSON.stringify(wanted, null, 2) + '\n');
    assertAddressesFree(readJson<WorldState>(paths.state)!, wanted);
    const fresh = readJson<WorldState>(paths.state)!;
    for (const h of Object.values(fresh.hosts)) {
      const hp = hostPaths(paths, h.name);
      for (const d of [hp.bin, hp.tmp, hp.home, hp.sshd]) mkdirSync(d, { recursive: true });
      if (h.kind === 'nic') bootOf(h); // the boot id and command line are fixed here, before the daemon loads the state
      writeBootFiles(paths, h);
    }
    writeFileSync(paths.state, JSON.stringify(fresh));
    daemon = await startDaemon(paths, owner);
  }
  const state = readJson<WorldState>(paths.state)!;
  const clientPub = ensureClientKey(paths);
  const hosts = Object.values(state.hosts);
  let started = 0;
  let reused = 0;
  const infos = new Map<string, SshdInfo>();
  await pool(hosts, opts.concurrency ?? 8, async (h) => {
    const hp = hostPaths(paths, h.name);
    const live = liveSshd(hp.sshd);
    if (live) {
      reused++;
      infos.set(h.name, live);
      return;
    }
    const info = await startHostSshd(paths, h, wanted.port, clientPub, owner);
    started++;
    infos.set(h.name, info);
  });
  const known = hosts.map((h) => knownHostsLine(h.address, wanted.port, infos.get(h.name)?.hostKey ?? ensureHostKey(hostPaths(paths, h.name).sshd).publicKey));
  writeFileSync(paths.knownHosts, known.join('\n') + '\n');
  writeFileSync(paths.inventory, inventoryYaml(state, paths, wanted.port));
  return {
    dir: paths.dir,
    inventory: paths.inventory,
    scenario: state.scenario,
    pairs: state.pairs,
    hosts: hosts.map((h) => ({ name: h.name, kind: h.kind, role: h.kind === 'nic' ? h.role : 'guest', address: h.address, port: wanted.port, running: true })),
    started,
    reused,
    elapsedMs: Date.now() - t0,
  };
}

function hostSummary(h: HostState): string {
  if (h.kind === 'guest') return `guest of ${h.domain}`;
  const pf = h.pfs[0]!;
  const doms = h.domains.map((d) => `${d.name}(${d.state}${d.hostdevs.length ? `, ${d.hostdevs.length} VF` : ''})`).join(' ');
  return `fw ${pf.firmware.running}${pf.firmware.running !== pf.firmware.flashed ? ` (flashed ${pf.firmware.flashed})` : ''} eswitch ${pf.eswitch} numvfs ${pf.numVfs} ovs ${h.ovs.running ? 'running' : 'stopped'}${doms ? ` domains ${doms}` : ''}`;
}

export async function labStatus(opts: { dir?: string } = {}): Promise<LabStatus> {
  const paths = labPaths(opts.dir ?? defaultLabDir());
  const daemon = daemonAlive(paths);
  const config = readJson<LabConfig>(paths.config);
  let state: WorldState | undefined;
  if (daemon) {
    try {
      state = (await daemonRequest<{ state: WorldState }>(paths, { op: 'state' })).state;
    } catch {
      state = readJson<WorldState>(paths.state);
    }
  } else state = readJson<WorldState>(paths.state);
  const hosts = Object.values(state?.hosts ?? {}).map((h): LabHostStatus => {
    const running = liveSshd(hostPaths(paths, h.name).sshd) !== undefined;
    // the model marks the host down as the reboot starts; its sshd stops 300 ms later
    const rebooting = h.kind === 'nic' && h.boot?.down === true;
    return {
      name: h.name,
      kind: h.kind,
      role: h.kind === 'nic' ? h.role : 'guest',
      address: h.address,
      port: config?.port ?? DEFAULT_PORT,
      running: running && !rebooting,
      state: rebooting ? 'rebooting' : running ? 'up' : 'down',
      ...(h.kind === 'nic' && h.boot ? { bootId: h.boot.id } : {}),
      summary: hostSummary(h),
    };
  });
  return {
    dir: paths.dir,
    up: daemon !== undefined,
    ...(daemon ? { daemon: { pid: daemon.pid, address: daemon.address, port: daemon.port } } : {}),
    ...(state ? { scenario: state.scenario, pairs: state.pairs } : {}),
    hosts,
  };
}

export function formatStatus(s: LabStatus): string {
  if (!s.up && s.hosts.length === 0) return `no lab in ${s.dir} (start one with \`marshal lab up\`)\n`;
  const lines = [`lab ${s.dir}: ${s.up ? `up (daemon pid ${s.daemon!.pid})` : 'down'}, scenario ${s.scenario ?? '?'}, ${s.pairs ?? '?'} pair(s)`];
  const w = Math.max(...s.hosts.map((h) => h.name.length));
  for (const h of s.hosts) {
    const boot = h.bootId ? `boot ${h.bootId.slice(0, 8)}` : '';
    lines.push(`  ${h.name.padEnd(w)}  ${`${h.address}:${h.port}`.padEnd(20)} ${h.state.padEnd(9)}  ${boot.padEnd(13)} ${h.summary}`);
  }
  return lines.join('\n') + '\n';
}

/** Stops every host, the daemon and its FUSE mount; the next `lab up` starts from the scenario again. */
export async function labDown(opts: { dir?: string } = {}): Promise<{ dir: string; stopped: number }> {
  const paths = labPaths(opts.dir ?? defaultLabDir());
  // Hosts first: their namespaces hold bind mounts of the FUSE tree.
  const stopped = await stopHosts(paths);
  const d = daemonAlive(paths);
  if (d) {
    try {
      await daemonRequest(paths, { op: 'shutdown' }, 3000);
    } catch {
      /* kill below */
    }
    const deadline = Date.now() + 5000;
    while (pidAlive(d.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (pidAlive(d.pid)) {
      // The whole process group: the daemon and its FUSE proxy.
      try {
        process.kill(-d.pid, 'SIGKILL');
      } catch {
        process.kill(d.pid, 'SIGKILL');
      }
    }
  }
  unmountSysfs(paths);
  forgetRun(paths);
  return { dir: paths.dir, stopped };
}
