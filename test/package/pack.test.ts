/** What `npm pack` of the core puts in the tarball: the library, the CLI and user docs; no lab code. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli';

interface PackFile {
  path: string;
}
let files: string[] = [];
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  main: string;
  types: string;
  bin: Record<string, string>;
  exports: Record<string, string | Record<string, string>>;
};

beforeAll(() => {
  // --ignore-scripts: `prepare` would rebuild dist/ under the feet of tests running beside this one
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  files = (JSON.parse(out) as { files: PackFile[] }[])[0]!.files.map((f) => f.path);
}, 120_000);

// the lab's files by name; `packages/` only as the workspace folder (dist/facts/packages.js is the package-list fact)
const LAB = /^packages\/|(^|\/)(lab|demo|scenarios)(\/|\.|$)|cx7|sysfs|daemon|sshd/i;

describe('npm pack of the core', () => {
  it('holds the built library, the CLI and the user docs', () => {
    expect(files).toEqual(expect.arrayContaining(['package.json', 'README.md', 'bin/marshal', 'dist/index.js', 'dist/cli/marshal.js', 'docs/plugins.md']));
  });

  it('holds no lab code: nothing under packages/, no lab, demo, CX-7, scenario, FUSE or sshd file', () => {
    expect(files.filter((f) => LAB.test(f))).toEqual([]);
    expect(files.filter((f) => /^(src|test|bench|playbooks|inventory|scripts)\//.test(f))).toEqual([]);
  });

  it('holds every file main, types, exports and bin point to', () => {
    const targets = [pkg.main, pkg.types, ...Object.values(pkg.bin)];
    for (const e of Object.values(pkg.exports)) targets.push(...(typeof e === 'string' ? [e] : Object.values(e)));
    const missing = targets.map((t) => posix.normalize(t)).filter((t) => !files.includes(t));
    expect(missing).toEqual([]);
  });
});
