import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll } from 'vitest';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const made: string[] = [];
// registered in the suite of each test file that imports this helper: its trees go when the file is done
afterAll(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** Writes `files` (path -> content) into a fresh temp dir (removed after the test file) and returns it. */
export function tree(files: Record<string, string>, base = tmpdir()): string {
  const root = mkdtempSync(join(base, 'marshal-inv-'));
  made.push(root);
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content);
  }
  return root;
}
