/**
 * Properties (fast-check) on bad input:
 * - the inventory loader, fed mangled INI and YAML, either loads or throws a UsageError that
 *   names the file and a line inside it; never a crash of another kind;
 * - shell quoting survives the whole remote path: any string, quoted by `sh`, arrives as one
 *   literal argument over a real SSH session, plain and nested inside sudo's `sh -c`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadInventory } from '../../src/inventory/index';
import { MarshalError, UsageError, isUsageError } from '../../src/errors';
import { sh } from '../../src/dsl/command';
import { connectedHost } from '../connection/helpers';
import { sudoAvailable } from '../connection/users';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-props-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VALID_INI = ['[web]', 'web1 ansible_host=10.0.0.1 motd="hello there"', 'web[2:4] ansible_port=2222', '', '[web:vars]', 'tier=front', '', '[all:children]', 'web'];
const VALID_YAML = ['all:', '  children:', '    web:', '      hosts:', '        web1:', '          ansible_host: 10.0.0.1', '      vars:', '        tier: front'];

// Pieces that make inventory parsers stumble (ranges kept small: a huge range is a separate problem).
const junk = fc.oneof(
  fc.constantFrom('[', ']', '=', '"', "'", ':', '[web', '[:children]', '[a:vars', 'h[1:3]', 'h[3:1]', 'h[a:c:0]', 'x=[1, 2', "k='v", 'k="v', '  - ', ': :', '{', '}', '\t', '#', ';', '\\', 'ansible_port=abc', '!!python/object', '&a', '*a', '---', '...', '%YAML 9'),
  fc.string({ maxLength: 12 }),
);

/** A valid file with a few lines changed, inserted or cut. */
const mangled = (base: string[]) =>
  fc
    .array(fc.tuple(fc.nat(base.length), fc.constantFrom('insert', 'replace', 'append', 'truncate'), fc.array(junk, { minLength: 1, maxLength: 4 })), { minLength: 1, maxLength: 4 })
    .map((edits) => {
      const lines = [...base];
      for (const [at, op, parts] of edits) {
        const i = Math.min(at, lines.length);
        const text = parts.join('');
        if (op === 'insert') lines.splice(i, 0, text);
        else if (op === 'replace') lines[Math.min(i, lines.length - 1)] = text;
        else if (op === 'append') lines[Math.min(i, lines.length - 1)] += text;
        else lines[Math.min(i, lines.length - 1)] = lines[Math.min(i, lines.length - 1)]!.slice(0, Math.max(0, text.length % 20));
      }
      return lines.join('\n') + '\n';
    });

async function loadsOrNamesTheLine(ext: 'ini' | 'yml', text: string): Promise<void> {
  const f = join(dir, `inv.${ext}`);
  writeFileSync(f, text);
  const lineCount = text.split('\n').length;
  try {
    await loadInventory([f]);
  } catch (err) {
    if (!(isUsageError(err))) throw new Error(`not a usage error for:\n${text}\n→ ${(err as Error)?.stack}`);
    const e = err as MarshalError;
    // an error about the text names the file; when it gives a line, the line exists
    if (e.file !== undefined) expect(e.file).toBe(f);
    if (e.line !== undefined) expect(e.line >= 1 && e.line <= lineCount, `line ${e.line} of ${lineCount}: ${e.message}`).toBe(true);
    expect(e.located.length).toBeGreaterThan(0);
  }
}

describe('inventory parser (property): mangled files load or fail with file:line, nothing else', () => {
  it('INI', async () => {
    await fc.assert(fc.asyncProperty(mangled(VALID_INI), (t) => loadsOrNamesTheLine('ini', t)), { numRuns: 300 });
  });
  it('YAML', async () => {
    await fc.assert(fc.asyncProperty(mangled(VALID_YAML), (t) => loadsOrNamesTheLine('yml', t)), { numRuns: 300 });
  });
  it('the property can fail: a parse error without a line would be caught', async () => {
    const f = join(dir, 'bad.ini');
    writeFileSync(f, '[web\n');
    const err = (await loadInventory([f]).catch((e: unknown) => e)) as MarshalError;
    expect(err).toBeInstanceOf(UsageError);
    expect([err.file, err.line]).toEqual([f, 1]);
  });
});

describe('shell quoting over a real SSH session (property)', () => {
  const host = connectedHost();
  const hasSudo = sudoAvailable();

  // any text a shell argument can hold (no NUL), weighted towards shell syntax
  const value = fc.oneof(
    fc.string({ unit: 'binary', maxLength: 30 }),
    fc.array(fc.constantFrom("'", '"', '`', '$', '(', ')', ';', '&', '|', '\n', '*', '?', '[', ']', '~', '-', '--x', '\\', '!', '#', '{', '}', ' ', '\t', '<', '>', '%', 'é'), { maxLength: 12 }).map((a) => a.join('')),
  ).filter((s) => !s.includes('\0') && Buffer.from(s, 'utf8').toString('utf8') === s); // no NUL, no lone surrogate

  /** `set -- <quoted>` then print $# and $1: one word, unchanged. */
  const probe = (v: string) => sh`set -- ${v}; printf '%s:' "$#"; printf '%s' "$1"`;

  it('plain', async () => {
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const r = await host.conn.exec(probe(v).text);
        expect(r.stdout).toBe(`1:${v}`);
      }),
      { numRuns: 60 },
    );
  });

  it.skipIf(!hasSudo)('nested inside sudo -- /bin/sh -c', async () => {
    await fc.assert(
      fc.asyncProperty(value, async (v) => {
        const r = await host.conn.exec(probe(v).text, { become: { user: 'root' } });
        expect(r.stdout).toBe(`1:${v}`);
      }),
      { numRuns: 40 },
    );
  });
});
