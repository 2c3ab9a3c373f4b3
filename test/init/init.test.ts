/** `marshal init`: the scaffold's files, its example playbook type-checks and loads, a non-empty dir is refused. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initProject, marshalDependency, packageName } from '../../src/init/scaffold';
import { typecheckPlaybook } from '../../src/load/typecheck';
import { loadPlaybook } from '../../src/runner-api'; // provides 'marshal' to the playbooks it loads
import { ROOT, marshal } from '../support/cli';

const base = mkdtempSync(join(tmpdir(), 'marshal-init-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('marshal init', () => {
  it('writes the project: package.json depending on Marshal by the given spec, tsconfig, playbook, inventory, template, test, .gitignore', () => {
    const dir = join(base, 'My Fleet');
    const files = initProject(dir, { marshalSpec: 'file:/somewhere/marshal-0.1.0.tgz' });
    expect(files.sort()).toEqual(['.gitignore', 'README.md', 'inventory/hosts.ini', 'package.json', 'playbooks/example.ts', 'playbooks/lib/facts.ts', 'templates/greeting.txt.hbs', 'test/facts.test.ts', 'tsconfig.json'].sort());
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg).toMatchObject({ name: 'my-fleet', private: true, dependencies: { marshal: 'file:/somewhere/marshal-0.1.0.tgz' } });
    expect(pkg.scripts.test).toContain('--test');
    expect(packageName('/x/.Odd Name!')).toBe('odd-name');
  });

  it("defaults the dependency to this version of Marshal, aliased as 'marshal' to Marshal's npm name", () => {
    const dir = join(base, 'default-spec');
    initProject(dir);
    const own = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { name: string; version: string };
    expect(own.name).toBe('marshal-playbook');
    expect(JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).dependencies.marshal).toBe(`npm:marshal-playbook@^${own.version}`);
  });

  it('--marshal-spec: a range or tag becomes the alias (never the registry\'s unrelated `marshal`), a tarball, path or alias stays as given, empty is refused', () => {
    expect(marshalDependency('^0.2.0')).toBe('npm:marshal-playbook@^0.2.0');
    expect(marshalDependency('latest')).toBe('npm:marshal-playbook@latest');
    expect(marshalDependency('file:/x/marshal-playbook-0.1.0.tgz')).toBe('file:/x/marshal-playbook-0.1.0.tgz');
    expect(marshalDependency('../marshal')).toBe('../marshal');
    expect(marshalDependency('npm:@acme/marshal@1')).toBe('npm:@acme/marshal@1');
    expect(() => marshalDependency(' ')).toThrow(/--marshal-spec is empty/);
  });

  it('its example playbook type-checks under its tsconfig, loads, and its fact parser reads real os-release output', async () => {
    const dir = join(base, 'typed');
    initProject(dir);
    // what `npm install` would bring: @types/node (the scaffold's devDependency)
    mkdirSync(join(dir, 'node_modules/@types'), { recursive: true });
    symlinkSync(join(ROOT, 'node_modules/@types/node'), join(dir, 'node_modules/@types/node'));
    const diags = typecheckPlaybook(join(dir, 'playbooks/example.ts'));
    expect(diags.map((d) => `${d.file}:${d.line}: TS${d.code} ${d.message}`)).toEqual([]);
    const pb = await loadPlaybook(join(dir, 'playbooks/example.ts'));
    expect(pb.steps.map((s) => s.name)).toEqual(['Host describes itself in /etc/os-release', 'Greeting file is written']);
    const { osRelease } = await import(join(dir, 'playbooks/lib/facts.ts'));
    expect(osRelease.parse(readFileSync('/etc/os-release', 'utf8'), 0, '').id).toMatch(/^[a-z0-9._-]+$/);
  });

  it('refuses a non-empty directory and writes nothing (CLI: exit 1, the directory named)', async () => {
    const dir = join(base, 'busy');
    mkdirSync(dir);
    writeFileSync(join(dir, 'notes.txt'), 'mine\n');
    expect(() => initProject(dir)).toThrow(/busy is not empty \(notes\.txt\)/);
    expect(readdirSync(dir)).toEqual(['notes.txt']);
    const r = await marshal(['init', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${dir} is not empty`);
    expect(existsSync(join(dir, 'package.json'))).toBe(false);
  });
});
