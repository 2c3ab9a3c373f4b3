import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERBATIM } from './samples';

// The reference lives in shared/ beside the repository (CI lays a copy there too).
const candidates = [
  process.env['MARSHAL_REFERENCE'],
  resolve(__dirname, '../../../../shared/reference'),
  '/work/shared/reference',
].filter((p): p is string => p !== undefined);
const dir = candidates.find((p) => existsSync(resolve(p, 'device-outputs.md')));

describe.skipIf(dir === undefined)('samples are verbatim copies of the reference', () => {
  const docs = ['device-outputs.md', 'procedure.md'].map((f) => readFileSync(resolve(dir!, f), 'utf8'));
  // procedure.md indents its code blocks by three spaces inside a numbered list.
  const haystacks = [...docs, ...docs.map((d) => d.replace(/^ {3}/gm, ''))];
  for (const [name, text] of Object.entries(VERBATIM)) {
    it(name, () => {
      expect(haystacks.some((h) => h.includes(text))).toBe(true);
    });
  }
});
