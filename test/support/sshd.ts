/**
 * Test servers: real sshd processes on 127.0.0.x loopback addresses, each in its own mount
 * namespace with a clean /root. A client key pair and a known_hosts file are made per suite.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSshd, stopSshd, knownHostsLine, type SshdInfo, type SshdOptions } from '@marshal/sshd-harness';

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
 * A loopback address unique to this process: the pid picks the /24 (so parallel vitest workers,
 * and several suites run at once, never share one), a counter the host. Range 127.140-127.179
 * stays clear of the lab (127.77.x, 127.199.x) and the benchmark.
 */
export function loopbackAddress(): string {
  nextOctet += 1;
  if (nextOctet > 250) throw new Error('loopbackAddress: more than 250 test hosts in one process');
  const pid = process.pid;
  return `127.${140 + (Math.floor(pid / 256) % 40)}.${pid % 256}.${nextOctet}`;
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
