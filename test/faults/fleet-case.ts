/**
 * A fleet with faulty hosts mixed in, run through the CLI: the healthy hosts must complete
 * whatever the faulty ones do. Shared by the default suite (20 hosts) and `npm run test:fleet`
 * (200 hosts, test/faults/fleet200.fleet.ts).
 */
import { mkdtempSync, readFileSync, writeFileSync, existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackAddress, makeClientKey, startFleet, type TestFleet, type TestHost } from '../support/sshd';
import type { CliResult } from '../support/cli';
import { hostRuns, iniInventory, killSessions, silentPort, sshVars, startMarshal, waitUntil, type FakeEndpoint, type HostVars } from './support';

export const FAULTS = ['refused', 'silent', 'unresolvable', 'wrongkey', 'hang', 'drop'] as const;
export type Fault = (typeof FAULTS)[number];

export interface FleetCase {
  /** Inventory name → its fault, or undefined for healthy hosts. */
  fault: Map<string, Fault | undefined>;
  /** Healthy inventory names → their server (to look at the host's files). */
  healthy: Map<string, TestHost>;
  result: CliResult;
  report: any;
  wallMs: number;
  stop(): Promise<void>;
}

/**
 * Starts `total` hosts, `faulty[kind]` of each kind faulty, one healthy host in ten with
 * MaxSessions 1, runs test/faults/fixtures/faults.ts over all of them and drops the `drop`
 * hosts' sessions during the slow step.
 */
export async function runFleetCase(total: number, faulty: Partial<Record<Fault, number>>, connectTimeout = 3): Promise<FleetCase> {
  const kinds: (Fault | undefined)[] = [];
  for (const k of FAULTS) for (let i = 0; i < (faulty[k] ?? 0); i++) kinds.push(k);
  while (kinds.length < total) kinds.push(undefined);
  // spread the faulty hosts through the fleet instead of bunching them at the start
  const order = kinds.map((k, i) => ({ k, key: (i * 7919) % total })).sort((a, b) => a.key - b.key).map((x) => x.k);

  const strangerDir = mkdtempSync(join(tmpdir(), 'marshal-stranger-'));
  const stranger = makeClientKey(strangerDir);
  const needsServer = (k: Fault | undefined) => k === undefined || k === 'wrongkey' || k === 'hang' || k === 'drop';
  const serverKinds = order.filter(needsServer);
  let healthyCount = 0;
  const fleet: TestFleet = await startFleet(serverKinds.length, (i) => {
    const k = serverKinds[i];
    if (k === 'wrongkey') return { authorizedKeys: [stranger.publicKey] };
    if (k === undefined && healthyCount++ % 10 === 3) return { extraConfig: ['MaxSessions 1'] };
    return {};
  });
  const fakes: FakeEndpoint[] = [];
  const fault = new Map<string, Fault | undefined>();
  const healthy = new Map<string, TestHost>();
  const drops: TestHost[] = [];
  const entries: { name: string; vars: HostVars }[] = [];
  let server = 0;
  for (let i = 0; i < order.length; i++) {
    const k = order[i];
    const name = `${k ?? 'node'}${String(i + 1).padStart(3, '0')}`;
    fault.set(name, k);
    let vars: HostVars;
    if (needsServer(k)) {
      const h = fleet.hosts[server++]!;
      vars = sshVars(fleet, h, k === 'hang' ? { hang: 300 } : k === 'drop' ? { slow: 300 } : {});
      if (k === undefined) healthy.set(name, h);
      if (k === 'drop') drops.push(h);
    } else if (k === 'refused') vars = sshVars(fleet, { address: loopbackAddress(), port: 2222 });
    else if (k === 'silent') {
      const f = await silentPort(loopbackAddress());
      fakes.push(f);
      vars = sshVars(fleet, f);
    } else vars = sshVars(fleet, { address: `${name}.fleet.invalid`, port: 22 });
    entries.push({ name, vars });
  }
  const inv = join(fleet.dir, 'fleet.ini');
  writeFileSync(inv, iniInventory(entries));
  const reportFile = join(fleet.dir, 'fleet.json');

  const started = Date.now();
  const run = startMarshal(['run', join(__dirname, 'fixtures/faults.ts'), '-i', inv, '--connect-timeout', String(connectTimeout), '--report', reportFile], { timeoutMs: 15 * 60_000 });
  if (drops.length > 0) {
    await run.waitFor(/STEP \[slow step\]/, 10 * 60_000);
    for (const h of drops) {
      await waitUntil(() => hostRuns(h, /^sleep 300$/), `sleep 300 on a drop host`, 120_000);
      killSessions(h);
    }
  }
  const result = await run.done;
  const wallMs = Date.now() - started;
  const report = existsSync(reportFile) ? JSON.parse(readFileSync(reportFile, 'utf8')) : undefined;
  return {
    fault,
    healthy,
    result,
    report,
    wallMs,
    async stop() {
      await Promise.all(fakes.map((f) => f.close()));
      await fleet.stop();
      rmSync(strangerDir, { recursive: true, force: true });
    },
  };
}

/** What each fault must look like in the report: its status, failure kind, step and message. */
export const EXPECTED: Record<Fault, { status: 'unreachable' | 'failed'; kind: string; step: string; message: RegExp }> = {
  refused: { status: 'unreachable', kind: 'unreachable', step: 'state directory', message: /connection refused/ },
  silent: { status: 'unreachable', kind: 'unreachable', step: 'state directory', message: /connection timed out/ },
  unresolvable: { status: 'unreachable', kind: 'unreachable', step: 'state directory', message: /name does not resolve/ },
  wrongkey: { status: 'unreachable', kind: 'auth', step: 'state directory', message: /authentication failed for root@/ },
  hang: { status: 'failed', kind: 'timeout', step: 'bounded step', message: /^timed out after 3s/ },
  drop: { status: 'failed', kind: 'connection-lost', step: 'slow step', message: /^connection lost during "slow step"/ },
};

/** Checks a finished case; returns a list of problems (empty when all is right). */
export function problems(c: FleetCase): string[] {
  const out: string[] = [];
  if (c.result.code !== 2) out.push(`exit code ${c.result.code}, expected 2`);
  if (!c.report) return [...out, 'no report written'];
  for (const [name, k] of c.fault) {
    const stats = c.report.stats[name];
    const mine = c.report.results.filter((r: any) => r.host === name);
    if (k === undefined) {
      if (!stats || stats.ok !== 5 || stats.changed !== 5 || stats.failed !== 0 || stats.unreachable !== 0) out.push(`${name}: ${JSON.stringify(stats)}`);
      if (!existsSync(join(c.healthy.get(name)!.dir, 'home/state/done'))) out.push(`${name}: no done marker`);
      continue;
    }
    const e = EXPECTED[k];
    const bad = mine.filter((r: any) => r.status === 'failed' || r.status === 'unreachable');
    if (bad.length !== 1) {
      out.push(`${name}: ${bad.length} failing results`);
      continue;
    }
    const r = bad[0];
    if (r.status !== e.status || r.failure.kind !== e.kind || r.step !== e.step || !e.message.test(r.failure.message)) {
      out.push(`${name}: ${r.status} ${r.failure.kind} at "${r.step}": ${r.failure.message}`);
    }
    if (mine.at(-1) !== r) out.push(`${name}: results after its failure`);
  }
  return out;
}
