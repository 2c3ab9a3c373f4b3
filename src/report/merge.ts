/**
 * `marshal report merge`: the JSON reports of several shards of one run (--shard K/N, one per
 * controller) as one report, recap and exit code. Reports of different playbooks, Marshal
 * versions, modes (--check or not) or shard counts, or that share a host, are refused.
 */
import { basename, resolve } from 'node:path';
import { UsageError } from '../errors';
import { exitCodeFor, type RunSummary } from '../results/results';
import type { ReportShard } from './files';
import { readRunReport } from './html';

export interface ShardReport {
  file: string;
  /** The Marshal version that wrote it ('unknown' for a report older than the field). */
  version: string;
  shard?: ReportShard;
  summary: RunSummary;
}

/** One `--report` file with its version and shard; a bad file is a UsageError naming it. */
export function readShardReport(file: string): ShardReport {
  const abs = resolve(file);
  const { version, shard: s, ...summary } = readRunReport(abs) as RunSummary & { version?: unknown; shard?: ReportShard };
  if (s !== undefined && !(Number.isInteger(s?.index) && Number.isInteger(s?.count) && s.index >= 1 && s.index <= s.count)) {
    throw new UsageError(`report ${abs}: shard is not {"index": K, "count": N} with 1 <= K <= N`);
  }
  return { file: abs, version: typeof version === 'string' ? version : 'unknown', ...(s ? { shard: { index: s.index, count: s.count } } : {}), summary };
}

const playbookOf = (r: ShardReport): string => `"${r.summary.playbook}"${r.summary.playbookFile ? ` (${basename(r.summary.playbookFile)})` : ''}`;

/** Throws when `r` cannot be merged with `first` or shares a host with an earlier report. */
function checkCompatible(first: ShardReport, r: ShardReport, owner: Map<string, string>): void {
  const refuse = (why: string): never => {
    throw new UsageError(`report ${r.file}: ${why}; not merged`);
  };
  if (r.version !== first.version) refuse(`written by Marshal ${r.version}, ${first.file} by ${first.version}: merge reports of one version`);
  if (playbookOf(r) !== playbookOf(first)) refuse(`playbook ${playbookOf(r)}, ${first.file} ran ${playbookOf(first)}`);
  if (r.summary.checkMode !== first.summary.checkMode) refuse(`${r.summary.checkMode ? 'a --check run' : 'a real run'}, ${first.file} is ${first.summary.checkMode ? 'a --check run' : 'a real run'}`);
  if (r.shard && first.shard && r.shard.count !== first.shard.count) refuse(`shard ${r.shard.index}/${r.shard.count}, ${first.file} is shard ${first.shard.index}/${first.shard.count}: different shard counts`);
  for (const h of r.summary.hosts) {
    const other = owner.get(h);
    if (other !== undefined) refuse(`host ${h} is also in ${other}: the reports overlap (the same shard twice, or different --limit)`);
    owner.set(h, r.file);
  }
}

const earliest = (xs: string[]): string => xs.reduce((a, b) => (Date.parse(b) < Date.parse(a) ? b : a));
const latest = (xs: string[]): string => xs.reduce((a, b) => (Date.parse(b) > Date.parse(a) ? b : a));

/** The merged run: hosts by shard (then file order), results by start time, the wall time from first start to last end. */
export function mergeReports(reports: readonly ShardReport[]): RunSummary & { mergedFrom: string[] } {
  if (reports.length === 0) throw new UsageError('report merge: give the JSON reports to merge (marshal run --report, one per shard)');
  const first = reports[0]!;
  const owner = new Map<string, string>();
  for (const r of reports) checkCompatible(first, r, owner);
  const ordered = [...reports].sort((a, b) => (a.shard?.index ?? 0) - (b.shard?.index ?? 0));
  const all = ordered.map((r) => r.summary);
  const stats = Object.assign({}, ...all.map((s) => s.stats)) as RunSummary['stats'];
  const interrupted = all.find((s) => s.interrupted);
  const aborted = ordered.filter((r) => r.summary.aborted).map((r) => `${basename(r.file)}: ${r.summary.aborted}`);
  const startedAt = earliest(all.map((s) => s.startedAt));
  const finishedAt = latest(all.map((s) => s.finishedAt ?? s.startedAt));
  return {
    playbook: first.summary.playbook,
    ...(first.summary.playbookFile ? { playbookFile: first.summary.playbookFile } : {}),
    checkMode: first.summary.checkMode,
    startedAt,
    finishedAt,
    durationMs: Date.parse(finishedAt) - Date.parse(startedAt),
    hosts: all.flatMap((s) => s.hosts),
    groups: Object.assign({}, ...all.map((s) => s.groups ?? {})) as RunSummary['groups'],
    stats,
    results: all.flatMap((s) => s.results).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt)),
    interrupted: interrupted !== undefined,
    ...(aborted.length ? { aborted: aborted.join('; ') } : {}),
    exitCode: interrupted ? interrupted.exitCode : exitCodeFor(stats, false),
    mergedFrom: ordered.map((r) => r.file),
  };
}

/** Notes on what was merged: shards missing from 1..N (the merged run may not cover every host). */
export function missingShards(reports: readonly ShardReport[]): number[] {
  const count = reports.find((r) => r.shard)?.shard?.count;
  if (count === undefined) return [];
  const have = new Set(reports.map((r) => r.shard?.index));
  return Array.from({ length: count }, (_, i) => i + 1).filter((i) => !have.has(i));
}
