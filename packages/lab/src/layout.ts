/** Where everything of one lab lives: all of it under the lab directory, nothing elsewhere. */
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';

export interface LabPaths {
  dir: string;
  /** Lab configuration as `lab up` chose it (net, pairs, scenario). */
  config: string;
  state: string;
  daemonInfo: string;
  daemonLog: string;
  /** Unix socket the FUSE proxy and the CLI talk to the daemon on. */
  socket: string;
  /** FUSE mount point of every host's simulated sysfs. */
  sysfs: string;
  inventory: string;
  knownHosts: string;
  clientKey: string;
  hosts: string;
  /** Append-only event log (JSON lines): reboots, hosts down and up, firmware resets. */
  events: string;
}

export function labPaths(dir: string): LabPaths {
  const d = resolve(dir);
  return {
    dir: d,
    config: join(d, 'lab.json'),
    state: join(d, 'state.json'),
    daemonInfo: join(d, 'daemon.json'),
    daemonLog: join(d, 'daemon.log'),
    socket: join(d, 'daemon.sock'),
    sysfs: join(d, 'sysfs'),
    inventory: join(d, 'inventory.yml'),
    knownHosts: join(d, 'known_hosts'),
    clientKey: join(d, 'id_ed25519'),
    hosts: join(d, 'hosts'),
    events: join(d, 'events.jsonl'),
  };
}

export interface HostPaths {
  dir: string;
  /** Bind-mounted over /usr/local/sbin: first on root's PATH in sshd sessions. */
  bin: string;
  tmp: string;
  home: string;
  cmdline: string;
  sshd: string;
}

export function hostPaths(lab: LabPaths, name: string): HostPaths {
  const dir = join(lab.hosts, name);
  return { dir, bin: join(dir, 'bin'), tmp: join(dir, 'tmp'), home: join(dir, 'root'), cmdline: join(dir, 'cmdline'), sshd: join(dir, 'sshd') };
}

export interface LabConfig {
  /** First three octets of the lab's loopback range. */
  net: string;
  pairs: number;
  scenarioFile: string;
  port: number;
}

export interface DaemonInfo {
  pid: number;
  address: string;
  port: number;
  token: string;
  /** The process whose end stops this lab (`lab up` under a test run), if any. */
  owner?: { pid: number; start: string };
}

/** Default lab directory: $MARSHAL_LAB_DIR, else ./.marshal/lab. */
export function defaultLabDir(): string {
  return process.env.MARSHAL_LAB_DIR ?? labDirOutsideTmp(resolve('.marshal/lab'));
}

/**
 * Every simulated host mounts its own private /tmp, which would hide a lab dir under /tmp
 * (a checkout in /tmp/x gives ./.marshal/lab = /tmp/x/.marshal/lab). Such a default moves to
 * /var/tmp/marshal-labs/<hash of the path>; the marshal_lab inventory plugin maps it the same way.
 */
export function labDirOutsideTmp(dir: string): string {
  const abs = resolve(dir);
  if (abs !== '/tmp' && !abs.startsWith('/tmp/')) return abs;
  return join('/var/tmp/marshal-labs', createHash('sha256').update(abs).digest('hex').slice(0, 16));
}

export const DEFAULT_NET = '127.77.0';
export const DEFAULT_PORT = 2222;
