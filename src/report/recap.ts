/** Ansible's PLAY RECAP layout, so people and tools that read Ansible's output read ours. */
import type { HostStats, StepResult } from '../results/results';

export function recapLines(stats: Record<string, HostStats>): string[] {
  const names = Object.keys(stats);
  const width = Math.max(...names.map((n) => n.length), 1);
  return names.map((n) => {
    const s = stats[n]!;
    return `${n.padEnd(width)} : ok=${s.ok.toString().padEnd(4)} changed=${s.changed.toString().padEnd(4)} unreachable=${s.unreachable.toString().padEnd(4)} failed=${s.failed.toString().padEnd(4)} skipped=${s.skipped.toString().padEnd(4)} rescued=${s.rescued.toString().padEnd(4)} ignored=${s.ignored}`.trimEnd();
  });
}

export function banner(title: string, width = 79): string {
  const t = `${title} `;
  return t + '*'.repeat(Math.max(3, width - t.length));
}

/**
 * Risky changes made, by the label each step declares (`risk`): a title naming the labels,
 * e.g. "RISKY CHANGES (firmware, migration)", and one "host: label: step" line per change.
 */
export function riskyChanges(results: readonly StepResult[]): { title: string; lines: string[] } | undefined {
  const made = results.filter((r) => r.risk && r.status === 'changed' && !r.predicted);
  if (made.length === 0) return undefined;
  const labels = [...new Set(made.map((r) => String(r.risk)))];
  return { title: `RISKY CHANGES (${labels.join(', ')})`, lines: made.map((r) => `${r.host}: ${String(r.risk)}: ${r.step}`) };
}
