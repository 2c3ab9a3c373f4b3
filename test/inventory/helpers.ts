import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** Writes `files` (path -> content) into a fresh temp dir and returns it. */
export function tree(files: Record<string, string>, base = tmpdir()): string {
  const root = mkdtempSync(join(base, 'marshal-inv-'));
  for (const [p, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, p)), { recursive: true });
    writeFileSync(join(root, p), content);
  }
  return root;
}
