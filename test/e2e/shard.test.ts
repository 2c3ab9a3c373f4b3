/**
 * --shard K/N and `marshal report merge` over 200 inventory hosts (100 source/destination pairs)
 * on 8 real sshd servers: four shards run as separate processes at once, and their merged report
 * has the same status per host and step as one run over all 200; no pair is ever split.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';

const PLAYBOOK = join(__dirname, 'fixtures/pairs.ts');
const PAIRS = 100;
const BAD = new Set(['s007', 'd042', 's099']);
let fleet: TestFleet;
let inventory: string;

const pad = (i: number) => String(i).padStart(3, '0');

/** 100 pairs; inventory host i is served by sshd i mod 8 (each host name its own target). */
function ini(f: TestFleet): string {
  const line = (name: string, i: number) => {
    const h = f.hosts[i % f.hosts.length]!;
    return `${name} ansible_host=${h.address} ansible_port=${h.port} pair=p${pad(i)} n=${i}${BAD.has(name) ? ' bad=yes' : ''}`;
  };
  const src = Array.from({ length: PAIRS }, (_, i) => line(`s${pad(i + 1)}`, i + 1));
  const dst = Array.from({ length: PAIRS }, (_, i) => line(`d${pad(i + 1)}`, i + 1));
  return ['[source]', ...src, '', '[destination]', ...dst, '', '[all:vars]', 'ansible_user=root', `ansible_ssh_private_key_file=${f.keyFile}`, `marshal_known_hosts=${f.knownHosts}`, 'marshal_host_key_checking=strict', ''].join('\n');
}

type Report = { hosts: string[]; results: { host: string; step: string; status: string }[]; exitCode: number; shard?: { index: number; count: number } };
const read = (file: string): Report => JSON.parse(readFileSync(file, 'utf8')) as Report;
/** "host › step" → status, the comparison the merge must pass. */
const statuses = (r: Report): Record<string, string> => Object.fromEntries(r.results.map((x) => [`${x.host} › ${x.step}`, x.status]));

beforeAll(async () => {
  fleet = await startFleet(8);
  inventory = join(fleet.dir, 'pairs.ini');
  writeFileSync(inventory, ini(fleet));
}, 60_000);
afterAll(async () => fleet?.stop());

describe('--shard K/N and marshal report merge', { timeout: 180_000 }, () => {
  it('four shards as separate processes merge into the statuses of one run over 200 hosts; no pair is split', async () => {
    // --forks 10: four processes at once stay under sshd's MaxStartups (10) per server
    const run = (extra: string[], report: string) => marshal(['run', PLAYBOOK, '-i', inventory, '--forks', '10', '--report', report, ...extra], { timeoutMs: 170_000 });
    const single = join(fleet.dir, 'single.json');
    const shards = [1, 2, 3, 4].map((k) => join(fleet.dir, `shard-${k}.json`));
    const [whole, ...parts] = await Promise.all([run([], single), ...shards.map((f, i) => run(['--shard', `${i + 1}/4`], f))]);
    expect(whole!.code, whole!.stderr + whole!.stdout.slice(-2000)).toBe(2); // the three hosts told to fail
    for (const p of parts) expect([0, 2], p.stderr + p.stdout.slice(-2000)).toContain(p.code);

    const slices = shards.map(read);
    expect(slices.map((s) => s.shard)).toEqual([1, 2, 3, 4].map((index) => ({ index, count: 4 })));
    const seen = slices.flatMap((s) => s.hosts);
    expect(new Set(seen).size).toBe(2 * PAIRS);
    expect(seen).toHaveLength(2 * PAIRS);
    for (const s of slices) {
      expect(s.hosts.length).toBe(50); // 100 pairs dealt round-robin: 25 pairs a shard
      for (const h of s.hosts) expect(s.hosts).toContain(h.startsWith('s') ? `d${h.slice(1)}` : `s${h.slice(1)}`);
    }

    const merged = join(fleet.dir, 'merged.json');
    const m = await marshal(['report', 'merge', ...shards, '--out', merged]);
    expect(m.code, m.stderr).toBe(2);
    expect(m.stdout).toMatch(/^s007\s+: ok=4\s+changed=2\s+unreachable=0\s+failed=1/m);
    expect(m.stdout).toContain('merged 4 reports: 200 hosts, 1000 results, exit code 2');
    const all = read(single);
    expect(statuses(read(merged))).toEqual(statuses(all));
    expect(Object.keys(statuses(all))).toHaveLength(1000);
    expect(Object.values(statuses(all)).filter((s) => s === 'failed').length).toBe(BAD.size);
  });
});
