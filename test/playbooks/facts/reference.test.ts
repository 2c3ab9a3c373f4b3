import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VERBATIM } from './samples';

// The reference texts are part of the repository (test/fixtures/reference, source in its README).
const dir = resolve(__dirname, '../../fixtures/reference');

describe('samples are verbatim copies of the reference', () => {
  const docs = ['device-outputs.md', 'procedure.md'].map((f) => readFileSync(resolve(dir, f), 'utf8'));
  // procedure.md indents its code blocks by three spaces inside a numbered list.
  const haystacks = [...docs, ...docs.map((d) => d.replace(/^ {3}/gm, ''))];
  for (const [name, text] of Object.entries(VERBATIM)) {
    it(name, () => {
      expect(haystacks.some((h) => h.includes(text))).toBe(true);
    });
  }
});
