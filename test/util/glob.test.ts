import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compileGlob, globMatch } from '../../src/util/glob';
import { selectHosts } from '../../src/inventory';
import { hostFieldMatches } from '../../src/connection/known-hosts';
import type { Inventory } from '../../src/inventory';

/** The fnmatch.translate conversion src/inventory/patterns.ts used before (the oracle on safe inputs). */
function oldGlobToRegex(pat: string): RegExp {
  let re = '';
  for (let i = 0; i < pat.length; ) {
    const c = pat[i++]!;
    if (c === '*') {
      re += '.*';
      while (pat[i] === '*') i++;
    } else if (c === '?') re += '.';
    else if (c === '[') {
      let j = i;
      if (pat[j] === '!') j++;
      if (pat[j] === ']') j++;
      while (j < pat.length && pat[j] !== ']') j++;
      if (j >= pat.length) re += '\\[';
      else {
        // `]` escaped: Python's `[]]`/`[!]]` hold a literal `]`, JS's `[]`/`[^]` would end the class
        let body = pat.slice(i, j).replace(/\\/g, '\\\\').replace(/]/g, '\\]');
        i = j + 1;
        if (body[0] === '!') body = '^' + body.slice(1);
        else if (body[0] === '^') body = '\\' + body;
        re += `[${body}]`;
      }
    } else re += c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  }
  return new RegExp(`^(?:${re})$`, 's');
}

const PATHOLOGICAL = '*a*a*a*a*a*ab';
const LONG_NAME = 'a'.repeat(256);

function inventoryOf(names: string[]): Inventory {
  const hosts = new Map(names.map((n) => [n, { name: n, vars: {}, groups: ['all', 'ungrouped'] }]));
  const groups = new Map([
    ['all', { name: 'all', hosts: [], children: ['ungrouped'], vars: {} }],
    ['ungrouped', { name: 'ungrouped', hosts: names, children: [], vars: {} }],
  ]);
  return { hosts, groups, sources: [] };
}

describe('glob matcher', () => {
  it('matches like fnmatch: *, ?, [a-z], [!x], an unclosed [ as a literal', () => {
    expect(globMatch('web*', 'web01')).toBe(true);
    expect(globMatch('web?', 'web01')).toBe(false);
    expect(globMatch('web[0-9][0-9]', 'web01')).toBe(true);
    expect(globMatch('web[!0]1', 'web01')).toBe(false);
    expect(globMatch('web[', 'web[')).toBe(true);
    expect(globMatch('[]]x', ']x')).toBe(true);
    expect(globMatch('*.EXAMPLE.com', 'h.example.com', { ignoreCase: true })).toBe(true);
    expect(globMatch('h[1]', 'h[1]', { classes: false })).toBe(true);
  });

  it(`'${PATHOLOGICAL}' against a 256-character name finishes fast (it took over 60 s)`, () => {
    const t0 = performance.now();
    expect(globMatch(PATHOLOGICAL, LONG_NAME)).toBe(false);
    expect(globMatch(`*${'a*'.repeat(40)}b`, LONG_NAME)).toBe(false);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('--limit with the pathological pattern finishes fast through the host selector', () => {
    const inv = inventoryOf([LONG_NAME, `${LONG_NAME}b`]);
    const t0 = performance.now();
    expect(selectHosts(inv, PATHOLOGICAL)).toEqual([`${LONG_NAME}b`]);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('known_hosts patterns use it too (no classes, any case)', () => {
    const t0 = performance.now();
    expect(hostFieldMatches(`${PATHOLOGICAL.toUpperCase()},other`, LONG_NAME)).toBe(false);
    expect(hostFieldMatches('*.Example.COM', 'web1.example.com')).toBe(true);
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it('agrees with the old regex translation on short inputs', () => {
    const alphabet = fc.constantFrom('a', 'b', '-', '.', '*', '?', '[', ']', '!', '^', '\\');
    const pattern = fc.array(alphabet, { maxLength: 8 }).map((a) => a.join(''));
    const name = fc.array(fc.constantFrom('a', 'b', '-', '.', '[', ']', '!', '^', '\\'), { maxLength: 8 }).map((a) => a.join(''));
    fc.assert(
      fc.property(pattern, name, (p, n) => {
        let re: RegExp;
        try {
          re = oldGlobToRegex(p);
        } catch {
          return true; // the old code threw on some classes, e.g. [b-a]: nothing to compare
        }
        expect(compileGlob(p)(n), `${p} vs ${n}`).toBe(re.test(n));
        return true;
      }),
      { numRuns: 3000, examples: [['[!]]', 'a'], ['[]]', ']'], ['[]a]', 'a']] },
    );
  });
});
