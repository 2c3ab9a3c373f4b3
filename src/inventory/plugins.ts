/**
 * Inventory plugins: a YAML file whose top level says `plugin: NAME` is handed to the loader
 * registered under NAME. The core registers none: Marshal plugins add them (src/plugins.ts, docs/plugins.md).
 */
import type { InventoryBuilder } from './builder';

export interface InventoryPluginContext {
  /** The plugin config file (absolute). */
  file: string;
  /** Its top-level mapping, `plugin` included. */
  config: Record<string, unknown>;
  /** 1-based line of a top-level key in `file`, for errors. */
  lineOf(key: string): number | undefined;
  /** The inventory being built: add groups, hosts, vars. */
  builder: InventoryBuilder;
  /** Reads another inventory file (INI/YAML/plugin) into the same inventory. */
  loadFile(path: string): Promise<void>;
}

export type InventoryPluginLoader = (ctx: InventoryPluginContext) => Promise<void> | void;

const registry = new Map<string, InventoryPluginLoader>();

export function registerInventoryPlugin(name: string, loader: InventoryPluginLoader): void {
  registry.set(name, loader);
}

export function getInventoryPlugin(name: string): InventoryPluginLoader | undefined {
  return registry.get(name);
}

export function inventoryPluginNames(): string[] {
  return [...registry.keys()].sort();
}

const HOW = 'declare plugins in the project\'s package.json: "marshal": { "plugins": ["<package>"] } (docs/plugins.md)';
let searchNote = 'no Marshal plugins were loaded (the CLI loads them; from code, call loadPlugins())';

/** Where Marshal plugins were looked for: src/plugins.ts tells when it loads them (the inventory never imports it). */
export function recordPluginSearch(note: string): void {
  searchNote = note;
}

/** The error text for `plugin: NAME` when no plugin registered NAME. */
export function unknownInventoryPluginMessage(name: string): string {
  const known = inventoryPluginNames();
  return `unknown inventory plugin '${name}' (known: ${known.length ? known.join(', ') : 'none'}); ${searchNote}; ${HOW}`;
}
