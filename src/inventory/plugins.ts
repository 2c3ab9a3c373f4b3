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
