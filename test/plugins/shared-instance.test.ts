/**
 * In the built CLI a plugin's `require('marshal')` and `require('marshal/runner')` are the running
 * Marshal, not a second copy of the library loaded from dist/ (one identity for classes and
 * registries, and ~25 fewer files to load at every start of a project listing a plugin).
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT, marshal } from '../support/cli';

const dir = mkdtempSync(join(tmpdir(), 'marshal-plugin-instance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('a plugin loaded by the built CLI', () => {
  it("gets the running instance from require('marshal') and require('marshal/runner'), and loads no dist/index.js of its own", async () => {
    mkdirSync(join(dir, 'node_modules/acme-probe'), { recursive: true });
    // the project's node_modules/marshal is this checkout, as `npm install` of the alias gives it
    symlinkSync(ROOT, join(dir, 'node_modules/marshal'));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'probe', private: true, marshal: { plugins: ['acme-probe'] } }));
    writeFileSync(
      join(dir, 'node_modules/acme-probe/index.js'),
      `exports.register = (api) => api.registerCommand({ command: 'probe', describe: 'identity', handler: () => {
  const runner = require('marshal/runner');
  const loaded = Object.keys(require.cache).filter((f) => /\\/dist\\/(dsl|facts|ops)\\//.test(f)).length;
  process.stdout.write(JSON.stringify({ same: runner === api.runner, api: typeof require('marshal').playbook, loaded }));
} });\n`,
    );
    const r = await marshal(['probe'], { cwd: dir });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ same: true, api: 'function', loaded: 0 });
  });
});
