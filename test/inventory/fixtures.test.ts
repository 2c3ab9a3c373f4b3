/**
 * Marshal against the real thing: each fixture's expected-* files were produced once by
 * `ansible-inventory` / `ansible --list-hosts` (see test/fixtures/inventory/regen.py).
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts, toAnsibleList, toGraph } from '../../src/inventory';

const ROOT = join(__dirname, '../fixtures/inventory');
const fixtures = readdirSync(ROOT).filter((n) => statSync(join(ROOT, n)).isDirectory());

const read = (dir: string, f: string): string => readFileSync(join(ROOT, dir, f), 'utf8');
const sourcesOf = (dir: string): string[] => read(dir, 'sources').split('\n').filter(Boolean);

describe('inventory fixtures match ansible-inventory', () => {
  it('has the fixtures the docs examples need', () => {
    expect(fixtures.length).toBeGreaterThanOrEqual(6);
    expect(fixtures).toEqual(expect.arrayContaining(['dir-mixed', 'ini-basic', 'yaml-basic', 'ranges', 'group-priority']));
  });

  for (const name of fixtures) {
    describe(name, () => {
      const load = () => loadInventory(sourcesOf(name), { cwd: join(ROOT, name) });

      it('--list', async () => {
        expect(toAnsibleList(await load())).toEqual(JSON.parse(read(name, 'expected-list.json')));
      });

      it('--graph', async () => {
        expect(toGraph(await load())).toBe(read(name, 'expected-graph.txt').trimEnd());
      });

      it('--graph --vars', async () => {
        // Python prints integral floats as `3.0`; JS numbers cannot carry that, so compare them as ints
        const expected = read(name, 'expected-graph-vars.txt').trimEnd().replace(/(?<![\w.])(\d+)\.0(?=[,\])}]|$)/gm, '$1');
        expect(toGraph(await load(), 'all', { vars: true })).toBe(expected);
      });

      if (existsSync(join(ROOT, name, 'expected-patterns.json'))) {
        it('host patterns select what `ansible --list-hosts` does', async () => {
          const inv = await load();
          const expected = JSON.parse(read(name, 'expected-patterns.json')) as Record<string, string[]>;
          for (const [pattern, hosts] of Object.entries(expected)) {
            expect({ pattern, hosts: selectHosts(inv, pattern) }).toEqual({ pattern, hosts });
          }
        });
      }
    });
  }
});
