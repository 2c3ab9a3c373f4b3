/** INI value parsing against what Python's ast.literal_eval (and so Ansible) makes of each text. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { literalEval, loadInventory, parseIniValue } from '../../src/inventory';
import { NotALiteral } from '../../src/inventory/pyliteral';
import { shlexSplit } from '../../src/inventory/shlex';
import { tree } from './helpers';

describe('parseIniValue follows ast.literal_eval', () => {
  const cases: Array<[string, unknown]> = [
    ['42', 42], ['-7', -7], ['+3', 3], ['0x1F', 31], ['0o17', 15], ['0b101', 5], ['1_000', 1000], ['00', 0],
    ['1.5', 1.5], ['1e3', 1000], ['.5', 0.5], ['1.', 1],
    ['True', true], ['False', false], ['None', null], ['true', 'true'], ['yes', 'yes'],
    ["'x y'", 'x y'], ['"a\\tb"', 'a\tb'], ["r'a\\n'", 'a\\n'], ["u'x'", 'x'], ["'a' 'b'", 'ab'], ['"it\'s"', "it's"],
    ['[1, 2]', [1, 2]], ['[1, 2,]', [1, 2]], ['(1, 2)', [1, 2]], ['(1)', 1], ['()', []], ['1, 2', [1, 2]],
    ["{'a': [1, {'b': None}]}", { a: [1, { b: null }] }], ['{1: 2}', { '1': 2 }], ['{}', {}],
    ['5 # comment', 5], ['  7', 7],
    // not literals: kept as the original text
    ['07', '07'], ['1abc', '1abc'], ['hello', 'hello'], ['a b', 'a b'], ['1+2', '1+2'], ['--1', '--1'], ['[1,', '[1,'],
    ["f'x'", "f'x'"], ['{x:1}', '{x:1}'], ['x#y', 'x#y'], ['/srv/data', '/srv/data'], ['', ''], ['{1: 2 3: 4}', '{1: 2 3: 4}'],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => expect(parseIniValue(text)).toEqual(expected));
  }

  // parseIniValue answers common shapes (names, ints, dotted quads, paths) without the tokenizer.
  const slow = (v: string): unknown => {
    try {
      return literalEval(v);
    } catch (e) {
      if (e instanceof NotALiteral) return v;
      throw e;
    }
  };
  it('its shortcuts agree with the full parse', () => {
    for (const v of ['0', '7', '123456789012345', '1234567890123456', 'web_1', '_x', 'True', 'None', 'inf', 'if', '127.0.0.1', '1.2.3', '1.2', '/usr/bin/python3', '~', '~1', '~/x', '/']) {
      expect(parseIniValue(v), v).toEqual(slow(v));
    }
    const text = fc.stringMatching(/^[A-Za-z0-9_./~+-]{0,12}$/);
    fc.assert(
      fc.property(text, (v) => {
        expect(parseIniValue(v)).toEqual(slow(v));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('host lines are split like shlex.split(comments=True)', () => {
  it('removes quotes, keeps escapes, stops at #', () => {
    expect(shlexSplit(`h a="x y" b='"5"' c=d\\ e f=g#comment h=i`)).toEqual(['h', 'a=x y', 'b="5"', 'c=d e', 'f=g']);
    expect(shlexSplit(`h a="q\\"x\\n"`)).toEqual(['h', 'a=q"x\\n']);
    expect(shlexSplit(`h a=''`)).toEqual(['h', 'a=']);
  });
});

describe('YAML values as PyYAML (YAML 1.1) reads them', () => {
  it('yes/on are booleans, y and 1e3 stay strings, 0755 is octal, dates stay text', async () => {
    const dir = tree({
      'inv.yml': 'g:\n  hosts:\n    h1:\n      a: yes\n      b: on\n      c: y\n      d: 1e3\n      e: 0755\n      f: 2001-12-14\n      g: !unsafe "{{ x }}"\n      h: 1.0e+3\n',
    });
    const inv = await loadInventory(['inv.yml'], { cwd: dir });
    expect(inv.hosts.get('h1')!.vars).toEqual({ a: true, b: true, c: 'y', d: '1e3', e: 493, f: '2001-12-14', g: '{{ x }}', h: 1000 });
  });
});
