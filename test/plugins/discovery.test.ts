/** Marshal plugins: found through the project's package.json, loaded once, failing with the file named. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tree } from '../inventory/helpers';
import { UsageError } from '../../src/errors';
import { loadInventory, selectHosts } from '../../src/inventory';
import { findPluginDeclaration, loadPlugins, pluginCommands } from '../../src/plugins';
import { marshal } from '../support/cli';

/** A project in a temp dir (removed after this file): the inventory tests' tree helper. */
const project = (files: Record<string, string>): string => tree(files);

const pkg = (plugins: unknown) => JSON.stringify({ name: 'proj', private: true, marshal: { plugins } }, null, 2) + '\n';
/** A plugin package in the project's node_modules: an inventory plugin and a command. */
const PLUGIN = (name: string) => `
exports.register = (api) => {
  api.registerInventoryPlugin('${name}_inv', ({ config, builder }) => {
    const g = builder.addGroup('from_${name}');
    for (const h of config.hosts) builder.addHost(h, g);
  });
  api.registerCommand({
    command: '${name}-hello <who>',
    describe: 'says hello',
    positionals: { who: { type: 'string', describe: 'whom' } },
    options: { loud: { type: 'boolean', describe: 'shout' } },
    handler: (a) => { process.stdout.write((a.loud ? 'HELLO ' : 'hello ') + a.who + ' from ' + api.projectDir + '\\n'); return 3; },
  });
};
`;

describe('findPluginDeclaration', () => {
  it('takes the nearest package.json with a "marshal" field, climbing past those without', () => {
    const dir = project({ 'package.json': pkg(['p']), 'sub/package.json': '{"name":"sub"}', 'sub/deep/x.txt': '' });
    expect(findPluginDeclaration(join(dir, 'sub/deep'))).toEqual({ file: join(dir, 'package.json'), line: 5, plugins: ['p'] });
  });

  it('a plugins list that is not a list of names is an error naming the file and line', () => {
    const dir = project({ 'package.json': pkg('p') });
    const err = (() => {
      try {
        findPluginDeclaration(dir);
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err?.located).toBe(`${join(dir, 'package.json')}:5: \`marshal.plugins\` must be a list of package names, e.g. "marshal": { "plugins": ["@acme/marshal-cmdb"] }`);
  });
});

describe('loadPlugins', () => {
  it('registers the plugin\'s inventory plugin and command; loading again registers nothing twice', async () => {
    const dir = project({ 'package.json': pkg(['demo-plugin']), 'node_modules/demo-plugin/index.js': PLUGIN('t1'), 'inv.yml': 'plugin: t1_inv\nhosts: [a1, a2]\n' });
    await loadPlugins(dir);
    await loadPlugins(join(dir, 'node_modules'));
    expect(pluginCommands().filter((c) => c.command.startsWith('t1-hello'))).toHaveLength(1);
    const inv = await loadInventory(['inv.yml'], { cwd: dir });
    expect(selectHosts(inv, 'from_t1')).toEqual(['a1', 'a2']);
  });

  it('a listed plugin that is not installed is an error naming the package.json', async () => {
    const dir = project({ 'package.json': pkg(['@nowhere/missing']) });
    const err = (await loadPlugins(dir).catch((e: unknown) => e)) as UsageError;
    expect(err).toBeInstanceOf(UsageError);
    expect(err.located).toMatch(new RegExp(`^${join(dir, 'package.json')}:5: Marshal plugin '@nowhere/missing' cannot be loaded: Cannot find module '@nowhere/missing'`));
  });

  it('a plugin without register(api) is an error naming it and the package.json', async () => {
    const dir = project({ 'package.json': pkg(['bad']), 'node_modules/bad/index.js': 'exports.x = 1;\n' });
    await expect(loadPlugins(dir)).rejects.toThrow(/Marshal plugin 'bad' \(.*node_modules\/bad\/index\.js\) does not export a register\(api\) function/);
  });

  it('a plugin may not take a core command', async () => {
    const dir = project({ 'package.json': pkg(['greedy']), 'node_modules/greedy/index.js': "exports.register = (api) => api.registerCommand({ command: 'run', describe: 'x', handler: () => 0 });\n" });
    const err = (await loadPlugins(dir).catch((e: unknown) => e)) as UsageError;
    expect(err.located).toBe(`${join(dir, 'package.json')}:5: plugin 'greedy' adds command 'run', which marshal itself already has`);
  });
});

describe('the marshal CLI', () => {
  it('runs a command a plugin of the project in the working directory adds, with its exit code', async () => {
    const dir = project({ 'package.json': pkg(['cli-plugin']), 'node_modules/cli-plugin/index.js': PLUGIN('t2') });
    const r = await marshal(['t2-hello', 'world', '--loud'], { cwd: dir });
    expect(r.stdout).toBe(`HELLO world from ${dir}\n`);
    expect(r.code).toBe(3);
    expect((await marshal(['--help'], { cwd: dir })).stdout).toMatch(/marshal t2-hello <who>\s+says hello/);
  });

  it('outside a project with plugins, their commands do not exist and their inventory plugins are unknown', async () => {
    const dir = project({ 'lab.yml': 'plugin: marshal_lab\nlab_dir: .lab\n' });
    const lab = await marshal(['lab', 'status'], { cwd: dir });
    expect(lab.code).toBe(1);
    expect(lab.stderr).toContain('Unknown arguments: lab, status');
    const inv = await marshal(['inventory', '-i', 'lab.yml', '--list'], { cwd: dir });
    expect(inv.code).toBe(1);
    expect(inv.stderr).toContain(`ERROR! ${join(dir, 'lab.yml')}:1: unknown inventory plugin 'marshal_lab' (known: none); no package.json at or above ${dir} lists Marshal plugins; declare plugins in the project's package.json: "marshal": { "plugins": ["<package>"] }`);
  });

  it('a broken plugin list stops the CLI with the package.json named', async () => {
    const dir = project({ 'package.json': pkg(['@nowhere/missing']) });
    const r = await marshal(['settings'], { cwd: dir });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`ERROR! ${join(dir, 'package.json')}:5: Marshal plugin '@nowhere/missing' cannot be loaded`);
  });
});
