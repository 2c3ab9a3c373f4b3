/** The lab's append-only event log (events.jsonl) as tests read it, and the "never both hosts of a pair down" check. */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type LabEvent = { ms: number; host: string; event: string; detail?: string };

/** Every event of the lab in `dir` (none yet: the log is made at the first one). */
export const labEvents = (dir: string): LabEvent[] =>
  (existsSync(join(dir, 'events.jsonl')) ? readFileSync(join(dir, 'events.jsonl'), 'utf8') : '')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as LabEvent);

/** Each host's down intervals [down, up] from the event log (a host still down: up = Infinity). */
function downIntervals(ev: readonly LabEvent[]): Map<string, [number, number][]> {
  const out = new Map<string, [number, number][]>();
  for (const e of ev) {
    const list = out.get(e.host) ?? [];
    if (e.event === 'down') list.push([e.ms, Infinity]);
    if (e.event === 'up') list[list.length - 1]![1] = e.ms;
    out.set(e.host, list);
  }
  return out;
}

/** The pairs whose two hosts were down at the same time ("a and b down at once"); none is the promise. */
export function downTogether(ev: readonly LabEvent[], pairs: readonly (readonly [string, string])[]): string[] {
  const down = downIntervals(ev);
  const out: string[] = [];
  for (const [a, b] of pairs) {
    for (const [s1, e1] of down.get(a) ?? []) for (const [s2, e2] of down.get(b) ?? []) if (s1 < e2 && s2 < e1) out.push(`${a} and ${b} down at once`);
  }
  return out;
}
