/**
 * `npm run test:fleet`: 200 hosts, 10 faulty (2 refused, 2 silent ports, 1 unresolvable name,
 * 2 wrong keys, 2 hanging steps, 1 dropped connection); the 190 healthy hosts must complete.
 * Too heavy for the default suite on two cores (197 sshd servers); prints its figures.
 * Measured on 2 cores: servers started in 24.5 s, marshal run 41.1 s wall (31.8 s as Marshal
 * reports it), whole file 124 s (stopping 197 servers ~55 s). With --connect-timeout 3 instead
 * of the default 10, healthy hosts were reported unreachable: 100 handshakes at once keep both
 * cores busy for longer than 3 s, and that queueing counts against the connect timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { problems, runFleetCase, type FleetCase } from './fleet-case';

let c: FleetCase;
let startMs = 0;
beforeAll(async () => {
  const t = Date.now();
  // the default connect timeout (10 s): 100 handshakes at once keep two cores busy for seconds
  c = await runFleetCase(200, { refused: 2, silent: 2, unresolvable: 1, wrongkey: 2, hang: 2, drop: 1 }, 10);
  startMs = Date.now() - t - c.wallMs;
}, 20 * 60_000);
afterAll(async () => c?.stop(), 10 * 60_000);

describe('a 200-host fleet with 10 faulty hosts', () => {
  it('the 190 healthy hosts complete; the 10 faulty ones fail once each, for the right reason', () => {
    const healthy = [...c.fault.values()].filter((k) => k === undefined).length;
    const tail = c.result.stdout.split('\n').slice(-3).join(' ');
    console.log(`fleet200: ${healthy} healthy + ${200 - healthy} faulty; servers started in ${(startMs / 1000).toFixed(1)} s; run wall time ${(c.wallMs / 1000).toFixed(1)} s; ${tail.trim()}`);
    expect(healthy).toBe(190);
    expect(problems(c), c.result.stdout.slice(-4000) + c.result.stderr).toEqual([]);
  });
});
