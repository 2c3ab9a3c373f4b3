/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/** `marshal inventory`, like ansible-inventory: --list, --graph [group], --host H. */
import type { CommandModule } from 'yargs';
import { UsageError } from '../errors';
import { withSettings, splitList, maskError, vaultFromArgs } from './options';

type Args = Record<string, unknown>;

export const inventoryCommand: CommandModule<object, Args> = {
  command: 'inventory [group]',
  describe: 'Show an inventory as Marshal sees it (same output as ansible-inventory)',
  builder: (y) =>
    withSettings(
      y
        .positional('group', { type: 'string', describe: 'group for --graph (default all)' })
        .option('list', { type: 'boolean', describe: 'all hosts, groups and vars as JSON' })
        .option('graph', { type: 'boolean', describe: 'the group tree' })
        .option('host', { type: 'string', describe: 'one host\'s vars as JSON' })
        .option('vars', { type: 'boolean', describe: 'with --graph: show vars' }),
      'inventory',
    ) as never,
  handler: async (a) => {
    const { loadInventory, toAnsibleList, toGraph, hostVars } = (require('../inventory/index') as typeof import('../inventory/index'));
    const sources = splitList(a.inventory);
    if (!sources) throw new UsageError('no inventory given: pass -i <file or directory>');
    const modes = [a.list, a.graph, a.host !== undefined].filter(Boolean).length;
    if (modes !== 1) throw new UsageError('pass exactly one of --list, --graph or --host HOST');
    const { Masker } = (require('../util/mask') as typeof import('../util/mask'));
    // vaulted values are shown masked, never decrypted (docs/inventory.md, Vault)
    const masker = new Masker();
    const out = async (): Promise<string> => {
      const inv = await loadInventory(sources, { vault: await vaultFromArgs(a, (v) => masker.add(v)) });
      if (a.list) return JSON.stringify(toAnsibleList(inv), null, 4);
      if (a.graph) return toGraph(inv, (a.group as string | undefined) ?? 'all', { vars: Boolean(a.vars) });
      return JSON.stringify(hostVars(inv, String(a.host)), null, 4);
    };
    const text = await out().catch((err: unknown) => {
      throw maskError(err, (t) => masker.mask(t));
    });
    process.stdout.write(masker.mask(text) + '\n');
  },
};
