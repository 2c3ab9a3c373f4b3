/** marshal report merge: one run from the shards' reports; reports that do not belong together are refused by file. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mergeReports, missingShards, readShardReport } from '../../src/report/merge';
import { reportJson } from '../../src/report/files';
import { emptyStats, type RunSummary, type StepResult } from '../../src/results/results';
import { VERSION } from '../../src/version';

let dir: string;
beforeAll(() => (dir = mkdtempSync(join(tmpdir(), 'marshal-merge-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function result(host: string, status: 'ok' | 'failed', at: string): StepResult {
  const base = { host, step: 's', stepIndex: 0, startedAt: at, durationMs: 5, commands: [], notes: [], warnings: [] };
  return status === 'ok' ? { ...base, status } : { ...base, status, failure: { kind: 'command', message: 'boom' } };
}

function summary(hosts: string[], start: string, end: string, failed: string[] = [], over: Partial<RunSummary> = {}): RunSummary {
  const stats = Object.fromEntries(hosts.map((h) => [h, { ...emptyStats(), ...(failed.includes(h) ? { failed: 1 } : { ok: 1 }) }]));
  return {
    playbook: 'pairs', playbookFile: '/a/pairs.ts', checkMode: false, startedAt: start, finishedAt: end,
    durationMs: Date.parse(end) - Date.parse(start), hosts, groups: Object.fromEntries(hosts.map((h) => [h, ['all']])), stats,
    results: hosts.map((h) => result(h, failed.includes(h) ? 'failed' : 'ok', start)), interrupted: false, exitCode: failed.length ? 2 : 0, ...over,
  };
}

function write(name: string, s: RunSummary, shard?: { index: number; count: number }, edit: (o: Record<string, unknown>) => void = () => {}): string {
  const o = JSON.parse(reportJson(s, shard)) as Record<string, unknown>;
  edit(o);
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(o));
  return file;
}

describe('mergeReports', () => {
  it('joins hosts by shard, adds stats, spans the wall time and recomputes the exit code', () => {
    const b = write('b.json', summary(['h3', 'h4'], '2026-01-01T00:00:01.000Z', '2026-01-01T00:00:09.000Z', ['h4']), { index: 2, count: 2 });
    const a = write('a.json', summary(['h1', 'h2'], '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:05.000Z'), { index: 1, count: 2 });
    const m = mergeReports([b, a].map(readShardReport));
    expect(m.hosts).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(Object.keys(m.stats)).toHaveLength(4);
    expect(m.results.map((r) => r.host)).toEqual(['h1', 'h2', 'h3', 'h4']);
    expect(m.durationMs).toBe(9000);
    expect(m.exitCode).toBe(2);
    expect(m.mergedFrom).toEqual([a, b]);
    expect(readShardReport(a)).toMatchObject({ version: VERSION, shard: { index: 1, count: 2 } });
  });

  it('says which shards are missing', () => {
    const a = write('m1.json', summary(['h1'], '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z'), { index: 1, count: 3 });
    expect(missingShards([readShardReport(a)])).toEqual([2, 3]);
  });

  const refusals: [string, (o: Record<string, unknown>) => void, string | undefined, RegExp][] = [
    ['an overlapping host', () => {}, 'h1', /host h1 is also in .*a2\.json/],
    ['another playbook', (o) => (o.playbook = 'other'), undefined, /playbook "other" \(pairs\.ts\), .*a2\.json ran "pairs"/],
    ['another Marshal version', (o) => (o.version = '9.9.9'), undefined, /written by Marshal 9\.9\.9, .*a2\.json by /],
    ['a --check run beside a real one', (o) => (o.checkMode = true), undefined, /a --check run, .* is a real run/],
    ['another shard count', (o) => (o.shard = { index: 2, count: 3 }), undefined, /shard 2\/3, .* is shard 1\/2: different shard counts/],
  ];
  for (const [what, edit, host, message] of refusals) {
    it(`refuses ${what}, naming the file`, () => {
      const a = write('a2.json', summary(['h1'], '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z'), { index: 1, count: 2 });
      const b = write('b2.json', summary([host ?? 'h2'], '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z'), { index: 2, count: 2 }, edit);
      expect(() => mergeReports([a, b].map(readShardReport))).toThrow(message);
      expect(() => mergeReports([a, b].map(readShardReport))).toThrow(/^report .*b2\.json: .*; not merged$/);
    });
  }

  it('refuses a file that is not a report, naming it', () => {
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"marshal": 1, "playbook": 3}');
    expect(() => readShardReport(bad)).toThrow(`report ${bad}: playbook is not a string`);
    const s = write('badshard.json', summary(['h1'], '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:01.000Z'), { index: 3, count: 2 });
    expect(() => readShardReport(s)).toThrow(/badshard\.json: shard is not/);
  });
});
