/**
 * Runs a compiled playbook module. Its `require` is its own: `'marshal'` and `'marshal/…'`
 * are the running Marshal's API instance (so a class, brand or registry the playbook uses is
 * the engine's), anything else resolves from the playbook's directory as Node would. No
 * resolve hook; the built CLI registers its instance as this package's dist/ entry files for plugins.
 */
import Module, { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { PlaybookError } from '../errors';
import { fromDist, packageRoot } from '../paths';

type OwnModules = { marshal: object; 'marshal/runner': object };
let provided: OwnModules | undefined;

/**
 * runner-api.ts hands over the running Marshal's two public modules when it loads: load/ never
 * imports them back (runner-api → load → runner-api would be a cycle).
 */
export function provideOwnModules(modules: OwnModules): void {
  provided = modules;
  if (fromDist) shareWithPlugins(modules);
}

/**
 * A plugin's `require('marshal')` resolves to this package's dist/index.js: registered as the
 * running instance, it is not a second copy of the library (the bundled CLI loaded ~30 more
 * files, +26-50 ms CPU at every start in a project listing a plugin, measured on W(50,10)).
 */
function shareWithPlugins(modules: OwnModules): void {
  for (const [file, exports] of [['dist/index.js', modules.marshal], ['dist/runner-api.js', modules['marshal/runner']]] as const) {
    const path = join(packageRoot(), file);
    if (require.cache[path] || !existsSync(path)) continue; // loaded already: it is this instance
    const mod = new Module(path);
    mod.filename = path;
    mod.exports = exports;
    mod.loaded = true;
    require.cache[path] = mod;
  }
}

function own(id: keyof OwnModules): object {
  if (!provided) throw new Error(`Marshal's '${id}' module was not provided: load playbooks through 'marshal/runner' (src/runner-api.ts)`);
  return provided[id];
}

const OWN: Record<string, () => unknown> = {
  marshal: () => own('marshal'),
  'marshal/runner': () => own('marshal/runner'),
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  'marshal/package.json': () => require(join(packageRoot(), 'package.json')),
};

/** Marshal's own module for `id`, undefined for any other package. */
export function ownModule(id: string): unknown {
  if (id !== 'marshal' && !id.startsWith('marshal/')) return undefined;
  const get = OWN[id];
  if (!get) throw new PlaybookError(`'${id}' is not part of Marshal's API: import from ${Object.keys(OWN).map((k) => `'${k}'`).join(', ')}`);
  return get();
}

type Internal = Module & { _compile(code: string, filename: string): void };

/** Evaluates `code` as the CommonJS module `filename`, for the playbook `entry`; returns its exports. */
export function evaluateModule(code: string, filename: string, entry: string): unknown {
  const mod = new Module(filename) as Internal;
  mod.filename = filename;
  const fromPlaybook = createRequire(entry);
  mod.paths = fromPlaybook.resolve.paths('x') ?? [];
  // Module's wrapper calls `mod.require(id)`: overriding it on this instance is module-local.
  mod.require = Object.assign((id: string) => ownModule(id) ?? fromPlaybook(id), fromPlaybook) as NodeJS.Require;
  mod._compile(code, filename);
  mod.loaded = true;
  return mod.exports;
}
