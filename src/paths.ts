/**
 * Where Marshal's own files are. Computed from the package root, not from `__dirname`: the
 * CLI runs as one bundled file (dist/cli/marshal.js), where every module's `__dirname` is
 * dist/cli, while tests run the same modules from src/.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

let root: string | undefined;

/**
 * Marshal's npm name: `marshal` belongs to an unrelated package (a Ruby Marshal parser), so
 * projects install this one under the alias `marshal` (`"marshal": "npm:marshal-playbook@^0.1.0"`)
 * and every `import ... from 'marshal'` keeps working.
 */
export const PACKAGE_NAME = 'marshal-playbook';

/** The directory holding Marshal's package.json (the checkout, or the package installed as node_modules/marshal). */
export function packageRoot(): string {
  if (root) return root;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === PACKAGE_NAME) return (root = dir);
      } catch {
        /* not ours: keep climbing */
      }
    }
    if (dirname(dir) === dir) throw new Error(`cannot find Marshal's package.json above ${__dirname}`);
  }
}

/** True when running compiled JavaScript (dist/), false under ts-node or vitest (src/). */
export const fromDist = __filename.endsWith('.js');
