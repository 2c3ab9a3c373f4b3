/**
 * Marshal plugins: packages a project lists in its package.json (`"marshal": { "plugins":
 * ["@scope/name"] }`). Each exports `register(api)` and adds inventory plugins and CLI
 * commands through `api`. How to write one: docs/plugins.md.
 */
import { readFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { UsageError, isUsageError } from './errors';
import { ownModule } from './load/evaluate';
import { recordPluginSearch, registerInventoryPlugin, type InventoryPluginLoader } from './inventory/plugins';

/** An option or positional of a plugin command (a small subset of yargs' options, on purpose). */
export interface PluginOption {
  type: 'string' | 'number' | 'boolean';
  describe: string;
  choices?: readonly string[];
}

/** A `marshal <command>` a plugin adds. */
export interface PluginCommand {
  /** yargs command syntax: `cmdb <action>`, `sync`. The first word is the command's name. */
  command: string;
  describe: string;
  positionals?: Record<string, PluginOption>;
  options?: Record<string, PluginOption>;
  /** Runs the command; a number returned is the process exit code (default 0). */
  handler(args: Record<string, unknown>): Promise<number | void> | number | void;
}

/** What `register(api)` receives. */
export interface MarshalPluginApi {
  /** Directory of the package.json that lists the plugin: the project Marshal runs in. */
  projectDir: string;
  /** That package.json (absolute path), for messages. */
  declaredIn: string;
  /** Adds an inventory plugin: YAML files saying `plugin: NAME` are handed to `loader`. */
  registerInventoryPlugin(name: string, loader: InventoryPluginLoader): void;
  /** Adds a `marshal` command. */
  registerCommand(command: PluginCommand): void;
  /**
   * The running Marshal's embedding API (what `marshal/runner` exports), loaded on first use.
   * Use it rather than importing 'marshal/runner': under the bundled CLI that import is a second
   * instance of Marshal, without the inventory plugins registered here.
   */
  readonly runner: typeof import('./runner-api');
}

/** What a plugin package exports (CommonJS `module.exports` or an ES module's named export). */
export interface MarshalPlugin {
  register(api: MarshalPluginApi): void | Promise<void>;
}

/** Where a project declares its plugins. */
export interface PluginDeclaration {
  file: string;
  line: number | undefined;
  plugins: string[];
}

/** Command names the core owns: a plugin may not take them. */
export const CORE_COMMANDS: readonly string[] = ['run', 'check', 'exec', 'init', 'inventory', 'settings', 'report'];

const commands = new Map<string, { command: PluginCommand; plugin: string }>();
const inventoryOwners = new Map<string, string>();
const loaded = new Set<string>();

/** Commands registered by plugins, in registration order. */
export function pluginCommands(): PluginCommand[] {
  return [...commands.values()].map((c) => c.command);
}

function lineOfKey(text: string, key: string): number | undefined {
  const at = text.search(new RegExp(`"${key}"\\s*:`));
  return at < 0 ? undefined : text.slice(0, at).split('\n').length;
}

/** The nearest package.json at or above `startDir` that has a `marshal` field, if any. */
export function findPluginDeclaration(startDir: string): PluginDeclaration | undefined {
  for (let dir = resolve(startDir); ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const text = readFileSync(file, 'utf8');
      let pkg: { marshal?: unknown };
      try {
        pkg = JSON.parse(text) as { marshal?: unknown };
      } catch (e) {
        throw new UsageError(`not valid JSON: ${(e as Error).message}`, { file });
      }
      if (pkg.marshal !== undefined) {
        const line = lineOfKey(text, 'plugins') ?? lineOfKey(text, 'marshal');
        const plugins = (pkg.marshal as { plugins?: unknown } | null)?.plugins ?? [];
        if (!Array.isArray(plugins) || !plugins.every((p) => typeof p === 'string' && p !== '')) {
          throw new UsageError('`marshal.plugins` must be a list of package names, e.g. "marshal": { "plugins": ["@acme/marshal-cmdb"] }', { file, ...(line ? { line } : {}) });
        }
        return { file, line, plugins: plugins as string[] };
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

function apiFor(decl: PluginDeclaration, plugin: string): MarshalPluginApi {
  const where = { file: decl.file, ...(decl.line ? { line: decl.line } : {}) };
  return {
    projectDir: dirname(decl.file),
    declaredIn: decl.file,
    get runner() {
      return ownModule('marshal/runner') as typeof import('./runner-api');
    },
    registerInventoryPlugin(name, loader) {
      const owner = inventoryOwners.get(name);
      if (owner !== undefined && owner !== plugin) throw new UsageError(`plugin '${plugin}' registers inventory plugin '${name}', which '${owner}' already registered`, where);
      inventoryOwners.set(name, plugin);
      registerInventoryPlugin(name, loader);
    },
    registerCommand(command) {
      const name = command.command.trim().split(/\s+/)[0] ?? '';
      const taken = CORE_COMMANDS.includes(name) ? 'marshal itself' : commands.get(name)?.plugin;
      if (taken !== undefined && taken !== plugin) throw new UsageError(`plugin '${plugin}' adds command '${name}', which ${taken === 'marshal itself' ? taken : `'${taken}'`} already has`, where);
      commands.set(name, { command, plugin });
    },
  };
}

/** Resolves `plugin` from the declaring project and runs its `register(api)`; every failure names the package.json. */
async function loadOne(decl: PluginDeclaration, plugin: string): Promise<void> {
  const where = { file: decl.file, ...(decl.line ? { line: decl.line } : {}) };
  let path: string;
  let mod: Partial<MarshalPlugin> & { default?: Partial<MarshalPlugin> };
  try {
    path = createRequire(decl.file).resolve(plugin);
    if (loaded.has(path)) return;
    mod = createRequire(decl.file)(path) as typeof mod;
  } catch (e) {
    throw new UsageError(`Marshal plugin '${plugin}' cannot be loaded: ${(e as Error).message.split('\n')[0]} (install it in ${dirname(decl.file)}, or remove it from "marshal.plugins")`, where);
  }
  const register = mod.register ?? mod.default?.register;
  if (typeof register !== 'function') throw new UsageError(`Marshal plugin '${plugin}' (${path}) does not export a register(api) function`, where);
  loaded.add(path);
  try {
    await register(apiFor(decl, plugin));
  } catch (e) {
    if (isUsageError(e)) throw e;
    throw new UsageError(`Marshal plugin '${plugin}' failed to register: ${(e as Error).message}`, where);
  }
}

/**
 * Loads the plugins the project around `startDir` declares (the CLI calls it with the
 * working directory). Each plugin loads once per process. Returns the declaration, if any.
 */
export async function loadPlugins(startDir: string = process.cwd()): Promise<PluginDeclaration | undefined> {
  const declaration = findPluginDeclaration(startDir);
  recordPluginSearch(declaration ? `plugins loaded from ${declaration.file}: ${declaration.plugins.length ? declaration.plugins.join(', ') : 'none'}` : `no package.json at or above ${resolve(startDir)} lists Marshal plugins`);
  for (const plugin of declaration?.plugins ?? []) await loadOne(declaration!, plugin);
  return declaration;
}
