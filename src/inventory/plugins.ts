/**
 * Inventory plugins: a YAML file whose top level says `plugin: NAME` is handed to the loader
 * registered under NAME. Marshal ships `marshal_lab`, which reads the inventory `marshal lab up` wrote.
 */
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InventoryError } from '../errors';
import type { InventoryBuilder } from './builder';
import { labDirOutsideTmp } from '../lab/layout';

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

registerInventoryPlugin('marshal_lab', async (ctx) => {
  // MARSHAL_LAB_DIR moves the lab (`marshal lab up` honours it too), so the default inventory follows it
  const fromEnv = process.env.MARSHAL_LAB_DIR;
  const labDir = fromEnv ? resolve(fromEnv) : ctx.config.lab_dir;
  if (typeof labDir !== 'string' || !labDir) {
    const line = ctx.lineOf('lab_dir') ?? ctx.lineOf('plugin');
    throw new InventoryError('plugin marshal_lab needs `lab_dir: <path>` (relative to this file)', line === undefined ? { file: ctx.file } : { file: ctx.file, line });
  }
  // the same mapping `marshal lab up` applies to a default lab dir under /tmp
  const target = join(fromEnv ? labDir : labDirOutsideTmp(resolve(dirname(ctx.file), labDir)), 'inventory.yml');
  try {
    await access(target);
  } catch {
    const line = ctx.lineOf('lab_dir');
    throw new InventoryError(
      `the lab is not running: run \`marshal lab up\` (${target} does not exist)`,
      line === undefined ? { file: ctx.file } : { file: ctx.file, line },
    );
  }
  await ctx.loadFile(target);
});
