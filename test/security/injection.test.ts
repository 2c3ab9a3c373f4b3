/**
 * Injection at run level: values with shell metacharacters, quotes, newlines, globs and
 * option-like text, from -e vars and from facts (a file on the host), reach remote commands
 * as exactly one literal argument, with and without sudo; in an XML template they are escaped.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal, type CliResult } from '../support/cli';
import { sudoAvailable } from '../connection/users';
import { iniInventory, sshVars } from '../faults/support';

const PLAYBOOK = join(__dirname, 'fixtures/injection.ts');
const hasSudo = sudoAvailable();

const HOSTILE = [
  'a; touch /root/pwned-semicolon',
  '$(touch /root/pwned-subst)',
  '`touch /root/pwned-backtick`',
  `it's "double" and 'single'`,
  "'; touch /root/pwned-quote; echo '",
  'line one\nline two; touch /root/pwned-newline\n',
  '/root/*',
  '*',
  '--output=/root/pwned-option',
  '-rf',
  '&& touch /root/pwned-and || true',
  '| tee /root/pwned-pipe',
  '> /root/pwned-redirect',
  'back\\slash \\n \\\\',
  '${HOME} $PATH $$ $0',
  '</name><evil attr="x">&amp;',
  'ünïcødé ✓ \t tab',
  '',
  ' leading and trailing spaces ',
];

let fleet: TestFleet;
let r: CliResult;
const home = () => join(fleet.hosts[0]!.dir, 'home');

beforeAll(async () => {
  fleet = await startFleet(1);
  mkdirSync(join(home(), 'in'), { recursive: true });
  HOSTILE.forEach((v, i) => writeFileSync(join(home(), 'in', String(i)), v));
  const inv = join(fleet.dir, 'hosts.ini');
  writeFileSync(inv, iniInventory([{ name: 'target', vars: sshVars(fleet, fleet.hosts[0]!) }]));
  const extra = join(fleet.dir, 'hostile.json');
  writeFileSync(extra, JSON.stringify({ hostile: HOSTILE, use_become: hasSudo }));
  r = await marshal(['run', PLAYBOOK, '-i', inv, '-e', `@${extra}`]);
});
afterAll(async () => fleet?.stop());

function arrived(dir: string) {
  return HOSTILE.map((_, i) => ({
    argc: readFileSync(join(home(), 'out', dir, `${i}.argc`), 'utf8'),
    arg: readFileSync(join(home(), 'out', dir, `${i}.arg`), 'utf8'),
  }));
}

describe('hostile values reach remote commands as one literal argument', () => {
  it('the run succeeds and nothing the values spell out was executed', () => {
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(readdirSync(home()).filter((f) => f.startsWith('pwned'))).toEqual([]);
  });

  it('from -e vars', () => {
    expect(arrived('vars')).toEqual(HOSTILE.map((v) => ({ argc: '1', arg: v })));
  });

  it.skipIf(!hasSudo)('from -e vars, through sudo', () => {
    expect(arrived('sudo')).toEqual(HOSTILE.map((v) => ({ argc: '1', arg: v })));
  });

  it('from a fact (a file on the host holding the value)', () => {
    expect(arrived('facts')).toEqual(HOSTILE.map((v) => ({ argc: '1', arg: v })));
  });
});

/** XML 1.0 well-formedness for this template's shape: tags balance, every & starts an entity, no stray < or >. */
function checkXml(xml: string): string[] {
  const problems: string[] = [];
  const stack: string[] = [];
  const tag = /<(\/?)([A-Za-z][\w-]*)((?:\s+[\w-]+="[^"<]*")*)\s*(\/?)>/g;
  let last = 0;
  const text = (t: string) => {
    if (/[<>]/.test(t)) problems.push(`stray < or > in ${JSON.stringify(t)}`);
    for (const m of t.matchAll(/&([^;\s]*);?/g)) if (!/^&(lt|gt|amp|quot|apos|#\d+|#x[0-9A-Fa-f]+);$/.test(m[0])) problems.push(`bad entity ${m[0]}`);
  };
  for (const m of xml.matchAll(tag)) {
    text(xml.slice(last, m.index));
    last = m.index! + m[0].length;
    for (const a of m[3]!.matchAll(/="([^"]*)"/g)) text(a[1]!);
    if (m[1]) {
      if (stack.pop() !== m[2]) problems.push(`unbalanced </${m[2]}>`);
    } else if (!m[4]) stack.push(m[2]!);
  }
  text(xml.slice(last));
  if (stack.length) problems.push(`unclosed ${stack.join(', ')}`);
  return problems;
}

const unescape = (s: string) =>
  s.replace(/&(lt|gt|amp|quot|apos|#x([0-9A-Fa-f]+)|#(\d+));/g, (_, n, hex, dec) =>
    hex ? String.fromCodePoint(parseInt(hex, 16)) : dec ? String.fromCodePoint(Number(dec)) : ({ lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" } as Record<string, string>)[n]!,
  );

describe('template values', () => {
  it('are escaped: the rendered XML is well-formed and reads back to the original values', () => {
    const xml = readFileSync(join(home(), 'out/domain.xml'), 'utf8');
    expect(checkXml(xml)).toEqual([]);
    expect(unescape(/<name>([^<]*)<\/name>/.exec(xml)![1]!)).toBe(HOSTILE.join('|'));
    const items = [...xml.matchAll(/<item value="([^"]*)">([^<]*)<\/item>/g)];
    expect(items.map((m) => unescape(m[2]!))).toEqual(HOSTILE);
    // attribute values may be normalised by an XML reader, but their characters are all there
    expect(items.map((m) => unescape(m[1]!))).toEqual(HOSTILE);
  });

  it('the XML check itself rejects an unescaped value', () => {
    expect(checkXml('<domain><name></name><evil attr="x">&amp;</name></domain>')).not.toEqual([]);
    expect(checkXml('<name>a & b</name>')).not.toEqual([]);
  });
});

