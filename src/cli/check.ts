/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/** `marshal check`: type-check a playbook and what it imports, then load and validate it. */
import { relative } from 'node:path';
import type { CommandModule } from 'yargs';
import { withSettings, splitList, maskError, vaultFromArgs } from './options';

type Args = Record<string, unknown> & { playbook: string };

function rel(f: string): string {
  const r = relative(process.cwd(), f);
  return r.startsWith('..') ? f : r;
}

export const checkCommand: CommandModule<object, Args> = {
  command: 'check <playbook>',
  describe: 'Type-check a playbook (and what it imports) and validate it; touches no host',
  builder: (y) => withSettings(y.positional('playbook', { type: 'string', demandOption: true }), 'check') as never,
  handler: async (a) => {
    const { typecheckPlaybook, loadPlaybook } = (require('../load/index') as typeof import('../load/index'));
    const { listTasks, listHosts, plan } = (require('../runner') as typeof import('../runner'));
    const diags = typecheckPlaybook(a.playbook);
    if (diags.length > 0) {
      for (const d of diags) {
        process.stderr.write(`${d.file ? `${rel(d.file)}:${d.line}:${d.column}: ` : ''}error TS${d.code}: ${d.message}\n`);
      }
      process.stderr.write(`\n${diags.length} type error(s); nothing was run\n`);
      process.exitCode = 1;
      return;
    }
    const inventory = splitList(a.inventory);
    if (inventory) {
      const { Masker } = (require('../util/mask') as typeof import('../util/mask'));
      const masker = new Masker();
      const vault = await vaultFromArgs(a, (v) => masker.add(v));
      const p = await plan({ playbookFile: a.playbook, inventory, vault, ...(a.limit ? { limit: String(a.limit) } : {}), ...(splitList(a.tags) ? { tags: splitList(a.tags)! } : {}) }).catch((err: unknown) => {
        throw maskError(err, (t) => masker.mask(t));
      });
      if (a.listHosts) process.stdout.write(listHosts(p));
      if (a.listTasks) process.stdout.write(listTasks(p));
      process.stdout.write(`${rel(a.playbook)}: ok (${p.steps.length} steps, ${p.hosts.length} hosts)\n`);
    } else {
      const pb = await loadPlaybook(a.playbook);
      process.stdout.write(`${rel(a.playbook)}: ok (${pb.steps.length} steps)\n`);
    }
  },
};
