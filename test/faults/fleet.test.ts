/**
 * 20 hosts, 6 faulty (one of each fault: refused, silent port, unresolvable name, wrong key,
 * a hanging step, a dropped connection): the 14 healthy hosts complete. The 200-host version
 * runs with `npm run test:fleet`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FAULTS, problems, runFleetCase, type FleetCase } from './fleet-case';
import { recap } from './support';

let c: FleetCase;
beforeAll(async () => {
  c = await runFleetCase(20, Object.fromEntries(FAULTS.map((k) => [k, 1])));
}, 300_000);
afterAll(async () => c?.stop());

describe('a 20-host fleet with 6 faulty hosts', () => {
  it('every healthy host completes; every faulty host fails once, at the right step, for the right reason; exit 2', () => {
    expect(problems(c), c.result.stdout.slice(-4000) + c.result.stderr).toEqual([]);
    expect([...c.fault.values()].filter((k) => k === undefined)).toHaveLength(14);
  });

  it('the console recap agrees with the report for every host', () => {
    for (const name of c.fault.keys()) {
      const s = c.report.stats[name];
      expect(recap(c.result.stdout, name), name).toEqual({ ok: s.ok, changed: s.changed, unreachable: s.unreachable, failed: s.failed, skipped: s.skipped, rescued: 0, ignored: 0 });
    }
  });
});
