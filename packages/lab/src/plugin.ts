/**
 * The lab as a Marshal plugin (docs/plugins.md): a project that lists `@marshal/lab` in its
 * package.json's `marshal.plugins` gets the `marshal_lab` inventory plugin and the `lab` and
 * `demo` commands. Kept light: every `marshal` start of such a project loads this file.
 */
import { access } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { InventoryError } from 'marshal';
import type { InventoryPluginLoader, MarshalPluginApi } from 'marshal/runner';
import { labDirOutsideTmp } from './layout';
import { labCommand } from './cli-lab';
import { demoCommand } from './cli-demo';

/** `plugin: marshal_lab` + `lab_dir: <path>`: the inventory `marshal lab up` wrote in that lab dir. */
export const labInventoryPlugin: InventoryPluginLoader = async (ctx) => {
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
    throw new InventoryError(`the lab is not running: run \`marshal lab up\` (${target} does not exist)`, line === undefined ? { file: ctx.file } : { file: ctx.file, line });
  }
  await ctx.loadFile(target);
};

export function register(api: MarshalPluginApi): void {
  api.registerInventoryPlugin('marshal_lab', labInventoryPlugin);
  api.registerCommand(labCommand);
  api.registerCommand(demoCommand(api));
}
