import { describe, expect, it } from 'vitest';
import { sh } from '../../src/dsl/command';
import { defineFact } from '../../src/dsl/fact';
import { step } from '../../src/dsl/step';
import { playbook } from '../../src/dsl/playbook';
import { runPlaybook } from '../../src/scheduler/run';
import type { HostContext } from '../../src/dsl/types';
import { fakeConnector, memoryInventory } from '../support/fake';

/** A fact whose every gathering answers a new number, so a cached value is told from a fresh one. */
function counting() {
  const gathered: string[] = [];
  const fact = defineFact({ name: 'test.seq', command: (key: string) => sh`seq-of ${key}`, parse: (o) => o.trim() });
  let n = 0;
  const { connect } = fakeConnector((host, cmd) => {
    gathered.push(`${host} ${cmd}`);
    return { stdout: `${cmd.split(' ')[1]}#${++n}\n` };
  });
  return { fact, connect, gathered };
}

async function run(steps: Array<(h: HostContext) => Promise<void>>, hosts: Record<string, Record<string, unknown>> = { a: {} }) {
  const c = counting();
  const pb = playbook({ name: 'cache', hosts: 'all', steps: steps.map((fn, i) => step({ name: `s${i}`, verify: async (h) => fn(h) })) });
  const s = await runPlaybook({ playbook: pb, inventory: memoryInventory({ web: hosts }), connect: c.connect, forks: 1 });
  expect(s.exitCode, JSON.stringify(s.results)).toBe(0);
  return c;
}

describe('h.facts: a per-host cache for the run', () => {
  it('gathers once per host and args, across steps; refresh gathers again', async () => {
    const seen: string[] = [];
    const c0 = counting();
    const { fact } = c0;
    const c = await run(
      [
        async (h) => void seen.push(await h.facts.get(fact, 'x'), await h.facts.get(fact, 'x'), await h.facts.get(fact, 'y')),
        async (h) => void seen.push(await h.facts.get(fact, 'x'), await h.facts.refresh(fact, 'x'), await h.facts.get(fact, 'x')),
      ],
    );
    expect(seen).toEqual(['x#1', 'x#1', 'y#2', 'x#1', 'x#3', 'x#3']);
    expect(c.gathered).toEqual(['a seq-of x', 'a seq-of y', 'a seq-of x']);
  });

  it('invalidate(fact, args) forgets one entry, invalidate(fact) all of the fact, invalidate() everything', async () => {
    const seen: string[] = [];
    const { fact } = counting();
    const other = defineFact({ name: 'test.other', command: () => sh`seq-of o`, parse: (o) => o.trim() });
    await run([
      async (h) => {
        for (const k of ['x', 'y']) seen.push(await h.facts.get(fact, k));
        seen.push(await h.facts.get(other));
        h.facts.invalidate(fact, 'x');
        seen.push(await h.facts.get(fact, 'x'), await h.facts.get(fact, 'y'));
        h.facts.invalidate(fact);
        seen.push(await h.facts.get(fact, 'y'), await h.facts.get(other));
        h.facts.invalidate();
        seen.push(await h.facts.get(other));
      },
    ]);
    expect(seen).toEqual(['x#1', 'y#2', 'o#3', 'x#4', 'y#2', 'y#5', 'o#3', 'o#6']);
  });

  it('each host has its own cache', async () => {
    const { fact } = counting();
    const seen: string[] = [];
    const c = await run([async (h) => void seen.push(`${h.name}=${await h.facts.get(fact, 'x')}`), async (h) => void seen.push(`${h.name}=${await h.facts.get(fact, 'x')}`)], { a: {}, b: {} });
    expect(c.gathered.sort()).toEqual(['a seq-of x', 'b seq-of x']);
    expect(seen.filter((s) => s.startsWith('a=')).length).toBe(2);
    expect(new Set(seen.filter((s) => s.startsWith('a='))).size).toBe(1);
  });
});
