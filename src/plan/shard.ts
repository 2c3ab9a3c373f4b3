/**
 * --shard K/N: one of N deterministic slices of the target hosts, so N controllers (a batch
 * scheduler's indexed jobs, a CI matrix) share a fleet. Hosts that must run together (the
 * playbook's batchBy, every across-step's grouping) form one unit and are never split.
 * Units are dealt round-robin in inventory order (of each unit's first host): the i-th unit goes
 * to shard (i mod N) + 1. The same inventory, --limit and playbook always give the same slices.
 */
import { UsageError } from '../errors';
import type { GroupKey, Step } from '../dsl/types';
import { groupLabel } from '../dsl/group';

export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

/** `K/N` with 1 <= K <= N. */
export function parseShard(spec: string): Shard {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(spec);
  if (!m) throw new UsageError(`--shard "${spec}": expected K/N, e.g. 2/4 (the 2nd of 4 slices)`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || index < 1 || index > count) throw new UsageError(`--shard "${spec}": K must be between 1 and N (N >= 1)`);
  return { index, count };
}

export const shardLabel = (s: Shard): string => `${s.index}/${s.count}`;

type HostView = { readonly name: string; readonly vars: Readonly<Record<string, unknown>> };

/** The groupings a shard must keep whole; an across-step over every host cannot be sharded. */
export function groupingsOf(batchBy: GroupKey | undefined, steps: readonly Step[]): GroupKey[] {
  const out: GroupKey[] = batchBy ? [batchBy] : [];
  for (const s of steps) {
    if (s.kind !== 'across') continue;
    if (s.across === 'all') {
      throw new UsageError(`--shard: step "${s.name}"${s.definedAt ? ` (${s.definedAt})` : ''} works across all hosts at once; a shard would see only part of them (group it with byVar(...) or run without --shard)`);
    }
    if (!out.includes(s.across)) out.push(s.across);
  }
  return out;
}

/** Units of hosts that share a key under any grouping (union-find), each listed in inventory order. */
export function unitsOf(hosts: readonly string[], view: (host: string) => HostView, groupings: readonly GroupKey[]): string[][] {
  const parent = hosts.map((_, i) => i);
  const find = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  groupings.forEach((key, g) => {
    const first = new Map<string, number>();
    hosts.forEach((h, i) => {
      const k = key(view(h));
      if (k === undefined) return;
      const id = `${g}\0${k}`;
      const seen = first.get(id);
      if (seen === undefined) first.set(id, i);
      else parent[find(i)] = find(seen);
    });
  });
  const units = new Map<number, string[]>();
  hosts.forEach((h, i) => {
    const root = find(i);
    const list = units.get(root) ?? [];
    list.push(h);
    units.set(root, list);
  });
  // Map keeps insertion order: units come in the order of their first host
  return [...units.values()];
}

/** The hosts of shard `s`, in inventory order. */
export function shardHosts(hosts: readonly string[], s: Shard, view: (host: string) => HostView, groupings: readonly GroupKey[]): string[] {
  const mine = new Set(unitsOf(hosts, view, groupings).filter((_, i) => i % s.count === s.index - 1).flat());
  return hosts.filter((h) => mine.has(h));
}

/** How a shard's grouping is described in --list-hosts and docs. */
export const groupingLabels = (gs: readonly GroupKey[]): string => gs.map(groupLabel).join(', ') || 'none (each host alone)';
