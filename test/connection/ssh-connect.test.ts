import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSshd, stopSshd } from '@marshal/sshd-harness';
import { loopbackAddress, makeClientKey, startFleet, type TestFleet } from '../support/sshd';
import { SshConnection } from '../../src/connection/ssh';
import { ConnectionError } from '../../src/errors';
import { specFor } from './helpers';

let fleet: TestFleet;

beforeAll(async () => {
  fleet = await startFleet(3);
});
afterAll(async () => {
  await fleet?.stop();
});

function fpOf(hostDir: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', join(hostDir, 'ssh_host_ed25519_key.pub')], { encoding: 'utf8' }).split(/\s+/)[1]!;
}

async function connectErr(c: SshConnection): Promise<ConnectionError> {
  const err = await c.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  await c.close();
  expect(err).toBeInstanceOf(ConnectionError);
  return err as ConnectionError;
}

describe('host key policies against a real sshd', () => {
  it('strict accepts a known host', async () => {
    const c = new SshConnection(specFor(fleet, fleet.hosts[0]!));
    await c.connect();
    expect((await c.exec('echo ok')).stdout).toBe('ok\n');
    await c.close();
  });

  it('strict refuses an unknown host and shows the OpenSSH fingerprint', async () => {
    const empty = join(fleet.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    const err = await connectErr(new SshConnection(specFor(fleet, fleet.hosts[0]!, { knownHostsFiles: [empty] })));
    expect(err.kind).toBe('hostkey');
    expect(err.message).toContain(fpOf(fleet.hosts[0]!.dir));
    expect(readFileSync(empty, 'utf8')).toBe('');
  });

  it('accept-new records unknown hosts, one line each, even when 30 connect at once', async () => {
    const f = join(fleet.dir, 'kh_accept');
    writeFileSync(f, '');
    // Three servers, thirty connections: ten per host racing to record the same key.
    const conns = Array.from({ length: 30 }, (_, i) =>
      new SshConnection(specFor(fleet, fleet.hosts[i % 3]!, { knownHostsFiles: [f], hostKeyPolicy: 'accept-new' })),
    );
    await Promise.all(conns.map((c) => c.connect()));
    await Promise.all(conns.map((c) => c.close()));
    const lines = readFileSync(f, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.sort()).toEqual(fleet.hosts.map((h) => `[${h.address}]:${h.port} ${h.hostKey}`).sort());
  });

  it('off connects without a known_hosts entry and writes nothing', async () => {
    const f = join(fleet.dir, 'kh_off');
    writeFileSync(f, '');
    const c = new SshConnection(specFor(fleet, fleet.hosts[1]!, { knownHostsFiles: [f], hostKeyPolicy: 'off' }));
    await c.connect();
    await c.close();
    expect(readFileSync(f, 'utf8')).toBe('');
  });

  it('accepts a hashed known_hosts file', async () => {
    const f = join(fleet.dir, 'kh_hashed');
    copyFileSync(fleet.knownHosts, f);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f]);
    expect(readFileSync(f, 'utf8')).not.toContain(fleet.hosts[2]!.address);
    const c = new SshConnection(specFor(fleet, fleet.hosts[2]!, { knownHostsFiles: [f] }));
    await c.connect();
    await c.close();
  });

  it('refuses a changed host key (server restarted with a new key) under strict and accept-new', async () => {
    const address = loopbackAddress();
    const dir = join(fleet.dir, 'rekeyed');
    const opts = { dir, address, port: 2222, authorizedKeys: [fleet.publicKey] };
    let info = await startSshd(opts);
    const kh = join(fleet.dir, 'kh_rekey');
    writeFileSync(kh, `# first line\n[${address}]:2222 ${info.hostKey}\n`);
    const oldFp = fpOf(dir);
    const host = { ...info, name: 'rekeyed' };
    await stopSshd(info);
    rmSync(join(dir, 'ssh_host_ed25519_key'));
    rmSync(join(dir, 'ssh_host_ed25519_key.pub'));
    info = await startSshd(opts);
    try {
      const newFp = fpOf(dir);
      expect(newFp).not.toBe(oldFp);
      for (const policy of ['strict', 'accept-new'] as const) {
        const err = await connectErr(new SshConnection(specFor(fleet, host, { knownHostsFiles: [kh], hostKeyPolicy: policy })));
        expect(err.kind).toBe('hostkey');
        expect(err.message).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
        expect(err.message).toContain('man-in-the-middle');
        expect(err.message).toContain(`${kh}:2`);
        expect(err.message).toContain(oldFp);
        expect(err.message).toContain(newFp);
      }
      expect(readFileSync(kh, 'utf8').split('\n')).toHaveLength(3);
    } finally {
      await stopSshd(info);
    }
  });

  it('refuses a key marked @revoked', async () => {
    const f = join(fleet.dir, 'kh_revoked');
    writeFileSync(f, `@revoked * ${fleet.hosts[0]!.hostKey}\n`);
    const err = await connectErr(new SshConnection(specFor(fleet, fleet.hosts[0]!, { knownHostsFiles: [f], hostKeyPolicy: 'accept-new' })));
    expect(err.kind).toBe('hostkey');
    expect(err.message).toMatch(/revoked/);
  });
});

describe('connect failures are classified', () => {
  let silent: Server;
  let silentPort = 0;
  const sockets: Socket[] = [];
  const silentAddr = loopbackAddress();
  beforeAll(async () => {
    // Accepts TCP and never speaks SSH: the handshake must time out.
    silent = createServer((s) => sockets.push(s));
    await new Promise<void>((r) => silent.listen(0, silentAddr, r));
    silentPort = (silent.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await new Promise<void>((r) => silent.close(() => r()));
  });

  it('refused port → unreachable "connection refused (addr:port)"', async () => {
    const h = fleet.hosts[0]!;
    const err = await connectErr(new SshConnection(specFor(fleet, h, { port: 2999 })));
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe(`${h.name}: connection refused (${h.address}:2999)`);
  });

  it('silent server → unreachable "connection timed out"', async () => {
    const err = await connectErr(
      new SshConnection(specFor(fleet, fleet.hosts[0]!, { host: silentAddr, port: silentPort, connectTimeoutMs: 500 })),
    );
    expect(err.kind).toBe('unreachable');
    expect(err.message).toMatch(/connection timed out/);
  });

  it('wrong key → auth naming the host, user and methods tried, one attempt', async () => {
    mkdirSync(join(fleet.dir, 'otherkey'));
    const other = makeClientKey(join(fleet.dir, 'otherkey'));
    const h = fleet.hosts[1]!;
    const err = await connectErr(new SshConnection(specFor(fleet, h, { privateKeyFile: other.keyFile, password: 'nope' })));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain(`${h.name}: authentication failed for root@${h.address}:${h.port}`);
    expect(err.message).toContain(`publickey (${other.keyFile})`);
    expect(err.message).not.toContain('nope');
  });

  it('missing key file → auth error naming the file', async () => {
    const err = await connectErr(new SshConnection(specFor(fleet, fleet.hosts[1]!, { privateKeyFile: '/nonexistent/key' })));
    expect(err.kind).toBe('auth');
    expect(err.message).toContain('/nonexistent/key');
  });
});
