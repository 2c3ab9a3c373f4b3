/**
 * `marshal check` of a playbook in a project without @types/node (a fresh `npm install marshal`):
 * no TS2688 "Cannot find type definition file for 'node'" from the default compiler options.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { typecheckPlaybook } from '../../src/load/typecheck';

// outside the repository: no node_modules/@types above it, no tsconfig.json
const dir = mkdtempSync(join(tmpdir(), 'marshal-types-node-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** As `npx marshal check` runs: from the project's directory (TypeScript's default type roots are found from there). */
function checkFromDir(file: string) {
  const before = process.cwd();
  process.chdir(dir);
  try {
    return typecheckPlaybook(file);
  } finally {
    process.chdir(before);
  }
}

describe('typecheckPlaybook without a tsconfig, outside any project with @types/node', () => {
  it('reports no TS2688 and still knows Node (process, Buffer) through the types Marshal was installed with', () => {
    const file = join(dir, 'p.ts');
    writeFileSync(
      file,
      [
        "import { playbook, step, sh } from 'marshal';",
        'const home: string | undefined = process.env.HOME;',
        "export default playbook({ name: 'p', hosts: 'all', steps: [step({ name: 's', run: async (h) => { await h.put('f', Buffer.from(home ?? '')); await h.run(sh`true`); } })] });",
      ].join('\n'),
    );
    const diags = checkFromDir(file);
    expect(diags.map((d) => `TS${d.code}: ${d.message}`)).toEqual([]);
  });

  it('still reports the playbook own type errors there', () => {
    const file = join(dir, 'bad.ts');
    writeFileSync(file, "import { playbook } from 'marshal';\nexport default playbook({ name: 1, hosts: 'all', steps: [] });\n");
    const diags = checkFromDir(file);
    expect(diags.length).toBeGreaterThan(0);
    expect(diags.every((d) => d.code !== 2688)).toBe(true);
    expect(diags[0]).toMatchObject({ file, line: 2 });
  });
});
