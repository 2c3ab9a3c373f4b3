import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS, settingsMarkdown } from '../../src/config/settings';
import { parseExtraVars } from '../../src/config/extra-vars';
import { UsageError } from '../../src/errors';

describe('settings', () => {
  it('docs/settings.md is generated from the settings table (run `marshal settings --markdown`)', () => {
    expect(readFileSync(join(__dirname, '../../docs/settings.md'), 'utf8')).toBe(settingsMarkdown());
  });

  it('declares every flag once', () => {
    const flags = SETTINGS.map((s) => s.flag);
    expect(new Set(flags).size).toBe(flags.length);
    const aliases = SETTINGS.flatMap((s) => (s.alias ? [s.alias] : []));
    expect(new Set(aliases).size).toBe(aliases.length);
  });
});

describe('-e / --extra-vars', () => {
  it('takes k=v words, JSON and quoted values', () => {
    expect(parseExtraVars(['a=1 b="two words"', '{"n": 3, "list": [1]}'])).toEqual({ a: '1', b: 'two words', n: 3, list: [1] });
  });
  it('rejects what is not key=value, naming it', () => {
    expect(() => parseExtraVars(['oops'])).toThrow(UsageError);
    expect(() => parseExtraVars(['oops'])).toThrow(/"oops" is not key=value/);
    expect(() => parseExtraVars(['{bad json'])).toThrow(/invalid JSON/);
    expect(() => parseExtraVars(['@/nonexistent/file.yml'])).toThrow(/cannot read/);
  });
});
