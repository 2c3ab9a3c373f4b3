/** Property-based tests: INI serialise/parse round trips and host range expansion. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InventoryBuilder } from '../../src/inventory/builder';
import { parseIni } from '../../src/inventory/ini';
import { expandHostRange } from '../../src/inventory/ranges';

type Value = string | number | boolean | null;
interface Model {
  groups: string[];
  /** group -> hosts listed directly, in order */
  members: Record<string, string[]>;
  /** group -> child groups (always later groups, so the graph is acyclic) */
  children: Record<string, string[]>;
  groupVars: Record<string, Record<string, Value>>;
  hostVars: Record<string, Record<string, Value>>;
}

const ident = (prefix: string) => fc.stringMatching(/^[a-z][a-z0-9_]{0,6}$/).map((s) => prefix + s);
// Strings that need quoting but no escapes: spaces, digits-only text, Python keywords
const str = fc.oneof(fc.stringMatching(/^[a-zA-Z0-9 _.\/-]{0,12}$/), fc.constantFrom('True', '42', 'None', 'a b', ''));
const value: fc.Arbitrary<Value> = fc.oneof(str, fc.integer({ min: -1e9, max: 1e9 }), fc.boolean(), fc.constant(null));
const varsArb = fc.dictionary(ident('v'), value, { maxKeys: 3 });

const modelArb: fc.Arbitrary<Model> = fc
  .record({
    groups: fc.uniqueArray(ident('g'), { minLength: 1, maxLength: 5 }),
    hosts: fc.uniqueArray(ident('h'), { minLength: 1, maxLength: 8 }),
  })
  .chain(({ groups, hosts }) =>
    fc.record({
      groups: fc.constant(groups),
      members: fc.record(Object.fromEntries(groups.map((g) => [g, fc.subarray(hosts)]))) as fc.Arbitrary<Record<string, string[]>>,
      children: fc.record(Object.fromEntries(groups.map((g, i) => [g, fc.subarray(groups.slice(i + 1))]))) as fc.Arbitrary<Record<string, string[]>>,
      groupVars: fc.record(Object.fromEntries(groups.map((g) => [g, varsArb]))) as fc.Arbitrary<Record<string, Record<string, Value>>>,
      hostVars: fc.record(Object.fromEntries(hosts.map((h) => [h, varsArb]))) as fc.Arbitrary<Record<string, Record<string, Value>>>,
    }),
  );

const pyLiteral = (v: Value): string =>
  v === null ? 'None' : v === true ? 'True' : v === false ? 'False' : typeof v === 'number' ? String(v) : `'${v}'`;

/** Writes the model as Ansible INI; children sections come first so forward references are exercised. */
function toIni(m: Model): string {
  const out: string[] = [];
  for (const g of m.groups) if (m.children[g]!.length) out.push(`[${g}:children]`, ...m.children[g]!, '');
  const seen = new Set<string>();
  for (const g of [...m.groups].reverse()) {
    out.push(`[${g}]`);
    for (const h of m.members[g]!) {
      // host vars go on the first line that names the host; shlex strips one level of quotes
      const vars = seen.has(h) ? [] : Object.entries(m.hostVars[h]!).map(([k, v]) => `${k}="${pyLiteral(v)}"`);
      seen.add(h);
      out.push([h, ...vars].join(' '));
    }
    out.push('');
    const gv = Object.entries(m.groupVars[g]!);
    if (gv.length) out.push(`[${g}:vars]`, ...gv.map(([k, v]) => `${k}=${pyLiteral(v)}`), '');
  }
  return out.join('\n');
}

describe('INI parser (property)', () => {
  it('parses back what was serialised: groups, members, children, vars', () => {
    fc.assert(
      fc.property(modelArb, (m) => {
        const b = new InventoryBuilder();
        parseIni(toIni(m), 'gen.ini', b);
        for (const g of m.groups) {
          const node = b.groups.get(g)!;
          expect(node.hosts).toEqual(m.members[g]);
          // a forward-referenced child joins its parent when its own section appears (as in Ansible), so order varies
          expect([...node.children].sort()).toEqual([...m.children[g]!].sort());
          expect(node.vars).toEqual(m.groupVars[g]);
        }
        const listed = new Set(m.groups.flatMap((g) => m.members[g]!));
        expect([...b.hosts.keys()].sort()).toEqual([...listed].sort());
        for (const h of listed) expect(b.hosts.get(h)!.vars).toEqual(m.hostVars[h]);
      }),
      { numRuns: 300 },
    );
  });
});

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

describe('host range expansion (property)', () => {
  it('numeric ranges with padding and stride list every value once, in order', () => {
    fc.assert(
      fc.property(fc.nat(300), fc.nat(60), fc.integer({ min: 1, max: 7 }), fc.integer({ min: 0, max: 3 }), (a, len, step, extra) => {
        const b = a + len;
        const width = String(b).length + extra;
        const padded = extra > 0;
        const begin = padded ? pad(a, width) : String(a);
        const end = padded ? pad(b, width) : String(b);
        // a zero-padded start must have the end's width; unpadded starts print plain numbers
        fc.pre(!padded || begin[0] === '0');
        const expected: string[] = [];
        for (let i = a; i <= b; i += step) expected.push(`web-${padded ? pad(i, width) : i}.lab`);
        expect(expandHostRange(`web-[${begin}:${end}:${step}].lab`)).toEqual(expected);
      }),
    );
  });

  it('letter ranges follow a..zA..Z', () => {
    const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
    fc.assert(
      fc.property(fc.nat(51), fc.nat(51), fc.integer({ min: 1, max: 5 }), (i, j, step) => {
        const [lo, hi] = i <= j ? [i, j] : [j, i];
        const expected = letters.slice(lo, hi + 1).split('').filter((_, k) => k % step === 0).map((c) => `db-${c}`);
        expect(expandHostRange(`db-[${letters[lo]}:${letters[hi]}:${step}]`)).toEqual(expected);
      }),
    );
  });

  it('several ranges in one name give the product, first range outermost', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 1, max: 6 }), (x, y) => {
        const got = expandHostRange(`r[1:${x}]n[1:${y}]`);
        expect(got).toHaveLength(x * y);
        expect(got[0]).toBe('r1n1');
        expect(got[y]).toBe(x > 1 ? 'r2n1' : undefined);
        expect(new Set(got).size).toBe(got.length);
      }),
    );
  });
});
