/** Handshakes a server drops before they finish (MaxStartups) are retried with backoff, then named. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server, type Socket } from 'node:net';
import { SshConnection } from '../../src/connection/ssh';
import { backoffMs } from '../../src/connection/handshake';
import { loopbackAddress } from '../support/sshd';

let server: Server;
let address: string;
let accepted = 0;
const sockets = new Set<Socket>();
beforeAll(async () => {
  address = loopbackAddress();
  // What sshd does beyond MaxStartups: accept, write a note, close.
  server = createServer((s) => {
    accepted += 1;
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.end('Exceeded MaxStartups\r\n');
  });
  await new Promise<void>((r) => server.listen(2299, address, r));
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  await new Promise((r) => server.close(r));
});

describe('handshake retries', () => {
  it('retries a handshake dropped before the banner within the connect timeout, then names MaxStartups', async () => {
    const trace: string[] = [];
    const c = new SshConnection({ name: 'crowded', transport: 'ssh', host: address, port: 2299, user: 'root', sshConfigFiles: [], agent: false, hostKeyPolicy: 'off', connectTimeoutMs: 3000, debug: (t) => trace.push(t) });
    const t0 = Date.now();
    const err = (await c.connect().catch((e: unknown) => e)) as Error & { kind: string };
    const ms = Date.now() - t0;
    expect(err.kind).toBe('unreachable');
    expect(err.message).toContain(`crowded: connection closed before the SSH handshake (${address}:2299;`);
    expect(err.message).toContain("probably sshd's MaxStartups (default 10:30:100) — too many unauthenticated connections at once");
    expect(accepted).toBeGreaterThan(2);
    expect(ms).toBeLessThan(15_000); // bounded by the 3 s budget (plus one last attempt)
    expect(trace.some((t) => /closed the connection before the handshake \(attempt 1: .*\); probably MaxStartups: retrying in \d+ ms/.test(t))).toBe(true);
    await c.close();
  }, 30_000);

  it('backs off exponentially with full jitter, capped at 2 s', () => {
    expect(backoffMs(1, () => 1)).toBe(200);
    expect(backoffMs(3, () => 1)).toBe(800);
    expect(backoffMs(10, () => 1)).toBe(2000);
    expect(backoffMs(3, () => 0)).toBe(0);
  });
});
