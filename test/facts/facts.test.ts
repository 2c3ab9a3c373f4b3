/**
 * Data-driven fact tests (pyinfra's tests/facts layout): test/facts/<fact>/<case>.json holds the
 * command, its verbatim output (the `source` says where it comes from) and the expected value or error.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as facts from '../../src/facts/index';
import type { Fact } from '../../src/dsl/fact';
import { isFactParseError } from '../../src/errors';

interface Case {
  source: string;
  command: string;
  args: unknown[];
  exitCode: number;
  stdout: string;
  stderr?: string;
  expected?: unknown;
  error?: string;
}

const dirs = readdirSync(__dirname).filter((d) => statSync(join(__dirname, d)).isDirectory());
const isFact = (v: unknown): v is Fact<unknown, unknown[]> => typeof v === 'object' && v !== null && typeof (v as Fact<unknown>).parse === 'function';

describe('every standard fact has cases', () => {
  const exported = Object.entries(facts).filter(([, v]) => isFact(v)).map(([k]) => k).sort();
  it.each(exported)('%s', (name) => expect(dirs).toContain(name));
});

for (const dir of dirs) {
  const fact = (facts as Record<string, unknown>)[dir];
  describe(`fact ${dir}`, () => {
    it('is an exported fact', () => expect(isFact(fact)).toBe(true));
    if (!isFact(fact)) return;
    for (const file of readdirSync(join(__dirname, dir)).filter((f) => f.endsWith('.json'))) {
      const c = JSON.parse(readFileSync(join(__dirname, dir, file), 'utf8')) as Case;
      it(`${file.replace(/\.json$/, '')} (${c.source.slice(0, 60)})`, () => {
        expect(typeof c.source === 'string' && c.source.length > 0, 'every case names its source').toBe(true);
        expect(fact.command(...c.args).text).toBe(c.command);
        expect((fact.okExitCodes ?? [0]).includes(c.exitCode)).toBe(true);
        const parse = () => fact.parse(c.stdout, c.exitCode, c.stderr ?? '');
        if (c.error !== undefined) {
          let err: unknown;
          try {
            parse();
          } catch (e) {
            err = e;
          }
          expect(isFactParseError(err), `${file} should not parse`).toBe(true);
          expect((err as Error).message).toContain(c.error);
          return;
        }
        const value = parse();
        if (typeof c.expected === 'object' && c.expected !== null) expect(value).toMatchObject(c.expected as object);
        else expect(value).toEqual(c.expected ?? undefined);
      });
    }
  });
}
