/** --shard K/N as a plan step: parsing, slices that cover every host once, groups never split. */
import { describe, expect, it } from 'vitest';
import { planRun } from '../../src/plan/plan';
import { parseShard } from '../../src/plan/shard';
import { playbook } from '../../src/dsl/playbook';
import { step, across } from '../../src/dsl/step';
import { byVar } from '../../src/dsl/group';
import { isUsageError } from '../../src/errors';
import { memoryInventory } from '../support/fake';
import type { Playbook } from '../../src/dsl/types';

const noop = step({ name: 'noop', verify: () => true });

/** Pairs p1..p<n> (source sN, destination dN), a rack var cutting across pairs, and two loners. */
function fleet(n: number) {
  const src: Record<string, Record<string, unknown>> = {};
  const dst: Record<string, Record<string, unknown>> = {};
  for (let i = 1; i <= n; i++) {
    src[`s${i}`] = { pair: `p${i}`, rack: `r${Math.ceil(i / 4)}` };
    dst[`d${i}`] = { pair: `p${i}` };
  }
  return memoryInventory({ source: src, destination: dst, loners: { l1: {}, l2: {} } });
}

const shardsOf = (pb: Playbook<any>, n: number, count: number, limit?: string) =>
  Array.from({ length: count }, (_, k) => planRun({ playbook: pb, inventory: fleet(n), shard: { index: k + 1, count }, ...(limit ? { limit } : {}) }).hosts);

describe('parseShard', () => {
  it('reads K/N and refuses anything else with the flag named', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard(' 1 / 1 ')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '1/0', '2', 'a/b', '1/2/3', '-1/2']) {
      let err: unknown;
      try {
        parseShard(bad);
      } catch (e) {
        err = e;
      }
      expect(isUsageError(err), bad).toBe(true);
      expect((err as Error).message).toContain(`--shard "${bad}"`);
    }
  });
});

describe('planRun with a shard', () => {
  it('slices cover every host exactly once, keep each batchBy pair together, and are the same every time', () => {
    const pb = playbook({ name: 'p', hosts: 'all', batchBy: byVar('pair'), steps: [noop] });
    const slices = shardsOf(pb, 10, 3);
    expect(slices.flat().sort()).toEqual(planRun({ playbook: pb, inventory: fleet(10) }).hosts.slice().sort());
    expect(new Set(slices.flat()).size).toBe(22);
    for (const s of slices) for (const h of s.filter((x) => x.startsWith('s'))) expect(s).toContain(`d${h.slice(1)}`);
    // 12 units (10 pairs, 2 loners) dealt round-robin: 4 units each
    expect(slices.map((s) => s.length)).toEqual([8, 7, 7]);
    expect(shardsOf(pb, 10, 3)).toEqual(slices);
    // the batches are made inside the slice: a pair is still one batch member
    const p = planRun({ playbook: playbook({ name: 'p', hosts: 'all', batchBy: byVar('pair'), serial: 1, steps: [noop] }), inventory: fleet(10), shard: { index: 1, count: 3 } });
    expect(p.batches.every((b) => b.length === 2 || b[0]!.startsWith('l'))).toBe(true);
  });

  it('an across-step grouping joins units too: pairs of one rack stay in one slice', () => {
    const pb = playbook({ name: 'p', hosts: 'all', batchBy: byVar('pair'), steps: [across({ name: 'rack check', across: byVar('rack'), verify: () => true })] });
    const slices = shardsOf(pb, 8, 4);
    const rackOf = (h: string) => `r${Math.ceil(Number(h.slice(1)) / 4)}`;
    for (const s of slices) {
      const racks = new Set(s.filter((h) => !h.startsWith('l')).map(rackOf));
      for (const r of racks) expect(slices.filter((o) => o.some((h) => !h.startsWith('l') && rackOf(h) === r))).toHaveLength(1);
    }
    // units: rack r1 (pairs 1-4), rack r2 (pairs 5-8), l1, l2
    expect(slices.map((s) => s.length)).toEqual([8, 8, 1, 1]);
  });

  it('is applied after --limit', () => {
    const pb = playbook({ name: 'p', hosts: 'all', batchBy: byVar('pair'), steps: [noop] });
    const slices = shardsOf(pb, 10, 2, 's*:d*:!*1*');
    expect(slices.flat().some((h) => h.includes('1'))).toBe(false);
    expect(slices.flat()).toHaveLength(16);
  });

  it('refuses an across-step over all hosts, naming the step', () => {
    const pb = playbook({ name: 'p', hosts: 'all', steps: [across({ name: 'whole fleet', across: 'all', verify: () => true })] });
    expect(() => shardsOf(pb, 2, 2)).toThrow(/--shard: step "whole fleet".*across all hosts/);
  });
});
