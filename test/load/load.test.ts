/** Loading a playbook from src (vitest): one `marshal` instance, locations at the user's lines, the compile cache. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compilePlaybook, typecheckPlaybook } from '../../src/load/index';
import { loadPlaybook } from '../../src/runner-api';
import { StepFailure, PlaybookError } from '../../src/errors';
import { Masker } from '../../src/util/mask';
import { describeDefinition, userFrame } from '../../src/util/stack';
import type { HostContext, HostStep } from '../../src/dsl/types';

const FIX = join(__dirname, 'fixtures');
const ROOT = join(__dirname, '../..');
let dir: string;
let cacheBefore: string | undefined;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-load-'));
  cacheBefore = process.env.MARSHAL_CACHE_DIR;
  process.env.MARSHAL_CACHE_DIR = join(dir, 'cache');
});
afterAll(() => {
  if (cacheBefore === undefined) delete process.env.MARSHAL_CACHE_DIR;
  else process.env.MARSHAL_CACHE_DIR = cacheBefore;
  rmSync(dir, { recursive: true, force: true });
});

/** The error a step's `run` throws on a host whose vars lack what it interpolates. */
async function runThrow(s: HostStep): Promise<Error> {
  const h = { name: 'h1', vars: {}, run: async () => ({ stdout: '', stderr: '', exitCode: 0 }) } as unknown as HostContext;
  return Promise.resolve().then(() => s.run!(h)).then(() => new Error('did not throw'), (e: Error) => e);
}

describe('loadPlaybook', () => {
  it("gives the playbook's `marshal` and `marshal/runner` the engine's own instance", async () => {
    const pb = await loadPlaybook(join(FIX, 'same-instance.ts'));
    const imported = pb.vars.imported as { StepFailure: unknown; Masker: unknown };
    expect(imported.StepFailure).toBe(StepFailure);
    expect(imported.Masker).toBe(Masker);
  });

  it("locates a throw in a step's code at the playbook's line, not in the compiled module", async () => {
    const pb = await loadPlaybook(join(FIX, 'step-throws.ts'));
    const err = await runThrow(pb.steps[0] as HostStep);
    expect(err.message).toMatch(/value #1 after "ovs-vsctl br-exists " is undefined/);
    expect(userFrame(err)).toBe(`${join(FIX, 'step-throws.ts')}:9`);
  });

  it('a library step records the library line and the playbook line that used it', async () => {
    const pb = await loadPlaybook(join(FIX, 'library-step.ts'));
    const s = pb.steps[0] as HostStep;
    expect(s.definedAt).toBe(`${join(FIX, 'lib/bridge.ts')}:5`);
    expect(s.usedAt).toBe(`${join(FIX, 'library-step.ts')}:7`);
    expect(describeDefinition({ definedAt: 'x/lib/a.ts:5', usedAt: 'x/pb.ts:7' })).toBe('defined at x/lib/a.ts:5 (used at x/pb.ts:7)');
    expect(userFrame(await runThrow(s))).toBe(`${join(FIX, 'lib/bridge.ts')}:6`);
  });

  it('a library step with a bad option: the library line, and the playbook line in the message', async () => {
    const err = await loadPlaybook(join(FIX, 'library-misspelt.ts')).catch((e: PlaybookError) => e);
    expect(err).toBeInstanceOf(PlaybookError);
    expect((err as PlaybookError).located).toMatch(new RegExp(`^${join(FIX, 'lib/bridge.ts')}:11: step "bad": unknown option \`timout\`.* \\(used at ${join(FIX, 'library-misspelt.ts')}:7\\)$`));
  });

  it('a syntax error in an imported file: that file and line', async () => {
    writeFileSync(join(dir, 'broken-lib.ts'), "export const a = 1;\nexport const b = (;\n");
    writeFileSync(join(dir, 'uses-broken.ts'), "import { playbook } from 'marshal';\nimport { a } from './broken-lib';\nexport default playbook({ name: String(a), hosts: 'all', steps: [] });\n");
    const err = (await loadPlaybook(join(dir, 'uses-broken.ts')).catch((e: PlaybookError) => e)) as PlaybookError;
    expect(err.located).toMatch(new RegExp(`^${join(dir, 'broken-lib.ts')}:2: does not compile: `));
  });

  it("an import of a `marshal/…` path that is not Marshal's API is named", async () => {
    writeFileSync(join(dir, 'subpath.ts'), "import { x } from 'marshal/engine';\nexport default x;\n");
    const err = (await loadPlaybook(join(dir, 'subpath.ts')).catch((e: PlaybookError) => e)) as PlaybookError;
    expect(err.message).toBe("'marshal/engine' is not part of Marshal's API: import from 'marshal', 'marshal/runner', 'marshal/package.json'");
    expect(err.file).toBe(join(dir, 'subpath.ts'));
  });

  it('__dirname in an imported file is that file\'s directory, as without bundling', async () => {
    cpSync(join(FIX, 'lib'), join(dir, 'dirs/lib'), { recursive: true });
    writeFileSync(join(dir, 'dirs/lib/where.ts'), 'export const where = __dirname;\n');
    writeFileSync(join(dir, 'dirs/pb.ts'), "import { playbook, step } from 'marshal';\nimport { where } from './lib/where';\nexport default playbook({ name: 'p', hosts: 'all', vars: { where, here: __dirname }, steps: [step({ name: 's', verify: () => {} })] });\n");
    const pb = await loadPlaybook(join(dir, 'dirs/pb.ts'));
    expect(pb.vars).toEqual({ where: join(dir, 'dirs/lib'), here: join(dir, 'dirs') });
  });
});

describe('the compile cache', () => {
  it('a second load with nothing changed hits it; an edit to an imported library misses it', async () => {
    cpSync(FIX, join(dir, 'cached'), { recursive: true });
    const entry = join(dir, 'cached/library-step.ts');
    const first = await compilePlaybook(entry);
    expect(first.cached).toBe(false);
    expect(first.inputs.sort()).toEqual([join(dir, 'cached/lib/bridge.ts'), entry]);
    expect((await compilePlaybook(entry)).cached).toBe(true);
    expect((await loadPlaybook(entry)).steps[0]!.name).toBe('bridge exists');

    const lib = join(dir, 'cached/lib/bridge.ts');
    writeFileSync(lib, readFileSync(lib, 'utf8').replace('name, run:', "name: `${name} (edited)`, run:"));
    expect((await compilePlaybook(entry)).cached).toBe(false);
    expect((await loadPlaybook(entry)).steps[0]!.name).toBe('bridge exists (edited)');
    expect((await compilePlaybook(entry)).cached).toBe(true);
  });

  it('a build during which an input changed is not cached (its hash may not be what was compiled)', async () => {
    cpSync(FIX, join(dir, 'racing'), { recursive: true });
    const entry = join(dir, 'racing/library-step.ts');
    // an mtime after the build's start is what an edit during the build leaves
    const later = new Date(Date.now() + 60_000);
    utimesSync(join(dir, 'racing/lib/bridge.ts'), later, later);
    expect((await compilePlaybook(entry)).cached).toBe(false);
    expect((await compilePlaybook(entry)).cached).toBe(false);
    utimesSync(join(dir, 'racing/lib/bridge.ts'), new Date(), new Date(Date.now() - 1000));
    expect((await compilePlaybook(entry)).cached).toBe(false);
    expect((await compilePlaybook(entry)).cached).toBe(true);
  });

  it('a torn cached module is rebuilt, and an edit leaves only the latest build of the entry', async () => {
    cpSync(FIX, join(dir, 'torn'), { recursive: true });
    const entry = join(dir, 'torn/library-step.ts');
    const first = await compilePlaybook(entry);
    writeFileSync(first.file, first.code.slice(0, 100)); // as after a crash mid-write without fsync
    const again = await compilePlaybook(entry);
    expect(again.cached).toBe(false);
    expect(readFileSync(again.file, 'utf8')).toBe(first.code);
    expect((await compilePlaybook(entry)).cached).toBe(true);

    writeFileSync(entry, `${readFileSync(entry, 'utf8')}\n// edited\n`);
    const edited = await compilePlaybook(entry);
    expect(edited.file).not.toBe(first.file);
    expect(existsSync(first.file)).toBe(false);
    expect(existsSync(edited.file)).toBe(true);
    expect((edited.map as { sources: string[] }).sources).toContain(entry);
  });
});

describe('typecheckPlaybook', { timeout: 240_000 }, () => {
  it("resolves 'marshal' and 'marshal/runner' in a user project that installed marshal", () => {
    const project = join(dir, 'project');
    cpSync(join(FIX, 'lib'), join(project, 'lib'), { recursive: true });
    mkdirSync(join(project, 'node_modules'));
    symlinkSync(ROOT, join(project, 'node_modules/marshal'));
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'es2022', types: [] } }));
    writeFileSync(join(project, 'site.ts'), [
      "import { playbook, type HostStep } from 'marshal';",
      "import { loadPlaybook } from 'marshal/runner';",
      "import { bridgeStep } from './lib/bridge';",
      'const s: HostStep = bridgeStep(\'b\');',
      'void loadPlaybook;',
      "export default playbook({ name: 1 + 1, hosts: 'all', steps: [s] });",
      '',
    ].join('\n'));
    const diags = typecheckPlaybook(join(project, 'site.ts'));
    expect(diags.map((d) => `${d.file}:${d.line}: TS${d.code}`)).toEqual([`${join(project, 'site.ts')}:6: TS2322`]);
  });
});
