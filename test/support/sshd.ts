/**
 * Test servers: real sshd processes on 127.0.0.x loopback addresses, each in its own mount
 * namespace with a clean /root. A client key pair and a known_hosts file are made per suite.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, stopSshd, knownHostsLine, type SshdInfo, type SshdOptions } from '../../src/lab/sshd';

export interface TestHost extends SshdInfo {
  name: string;
}

export interface TestFleet {
  dir: string;
  /** Client private key that every host accepts. */
  keyFile: string;
  publicKey: string;
  /** known_hosts listing every host's key. */
  knownHosts: string;
  hosts: TestHost[];
  stop(): Promise<void>;
}

let nextOctet = 0;
/**
 * A loopback address unique within this process; the worker id keeps parallel test files
 * apart (vitest forks: each file's process gets its own second octet).
 */
export function loopbackAddress(): string {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 1) % 200;
  nextOctet += 1;
  const third = Math.floor(nextOctet / 250);
  return `127.${50 + worker}.${third}.${(nextOctet % 250) + 1}`;
}

export function makeClientKey(dir: string): { keyFile: string; publicKey: string } {
  const keyFile = join(dir, 'id_ed25519');
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'marshal-test', '-f', keyFile]);
  return { keyFile, publicKey: readFileSync(`${keyFile}.pub`, 'utf8').trim() };
}

/** Starts `count` servers; `per` customises each one's options. */
export async function startFleet(
  count: number,
  per: (i: number) => Partial<SshdOptions> = () => ({}),
  port = 2222,
): Promise<TestFleet> {
  const dir = mkdtempSync(join(tmpdir(), 'marshal-test-'));
  const { keyFile, publicKey } = makeClientKey(dir);
  const hosts: TestHost[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const address = loopbackAddress();
      const hostDir = join(dir, `host${i + 1}`);
      mkdirSync(hostDir, { recursive: true });
      const info = await startSshd({ dir: hostDir, address, port, authorizedKeys: [publicKey], ...per(i) });
      hosts.push({ ...info, name: `host${i + 1}` });
    }
  } catch (err) {
    await Promise.all(hosts.map((h) => stopSshd(h)));
    throw err;
  }
  const knownHosts = join(dir, 'known_hosts');
  writeFileSync(knownHosts, hosts.map((h) => knownHostsLine(h.address, h.port, h.hostKey)).join('\n') + '\n');
  return {
    dir,
    keyFile,
    publicKey,
    knownHosts,
    hosts,
    async stop() {
      await Promise.all(hosts.map((h) => stopSshd(h)));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
