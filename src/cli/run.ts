/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/** `marshal run`: flags in, library call, exit code out. */
import type { CommandModule } from 'yargs';
import { withSettings, splitList, maskError, vaultFromArgs, connectionFlagsOf, becomePasswordOf } from './options';
import { askLine } from './prompt';
import { underInterrupts } from './interrupts';
import type { Masker } from '../util/mask';

type Args = Record<string, unknown> & { playbook: string };

export const runCommand: CommandModule<object, Args> = {
  command: 'run <playbook>',
  describe: 'Run a TypeScript playbook over an inventory',
  builder: (y) => withSettings(y.positional('playbook', { type: 'string', describe: 'playbook module (.ts)', demandOption: true }), 'run') as never,
  handler: async (a) => {
    const { Masker: MaskerClass } = (require('../util/mask') as typeof import('../util/mask'));
    // one masker from the first input read: vaulted values are learnt as they are decrypted
    const masker = new MaskerClass();
    try {
      await runHandler(a, masker);
    } catch (err) {
      throw maskError(err, (t) => masker.mask(t));
    }
  },
};

async function runHandler(a: Args, masker: Masker): Promise<void> {
  // loaded here, not at start-up: `marshal --help` and other commands stay fast
  const { listHosts, listTasks, plan, runPlaybookFiles } = (require('../runner') as typeof import('../runner'));
  const { parseExtraVars } = (require('../config/extra-vars') as typeof import('../config/extra-vars'));
  const inventory = splitList(a.inventory) ?? [];
  const vault = await vaultFromArgs(a, (v) => masker.add(v));
  const common = {
    vault,
    playbookFile: a.playbook,
    inventory,
    ...(a.limit ? { limit: String(a.limit) } : {}),
    ...(a.shard !== undefined ? { shard: String(a.shard) } : {}),
    ...(splitList(a.tags) ? { tags: splitList(a.tags)! } : {}),
    ...(splitList(a.skipTags ?? a['skip-tags']) ? { skipTags: splitList(a.skipTags ?? a['skip-tags'])! } : {}),
    ...(a.startAtTask ? { startAtTask: String(a.startAtTask) } : {}),
  };
  if (a.listTasks || a.listHosts) {
    const p = await plan(common);
    if (a.listHosts) process.stdout.write(listHosts(p));
    if (a.listTasks) process.stdout.write(listTasks(p));
    return;
  }
  // -e values keep their commas (k=a,b): not split like --tags
  const extra = parseExtraVars(a.extraVars === undefined ? [] : [a.extraVars].flat().map(String), vault);
  const becomePassword = await becomePasswordOf(a);
  if (becomePassword) masker.add(becomePassword);

  await underInterrupts((signals) =>
    runPlaybookFiles({
      ...common,
      check: Boolean(a.check),
      diff: Boolean(a.diff),
      forks: Number(a.forks),
      extraVars: extra,
      verbose: Number(a.verbose ?? 0),
      ...(a.logFile ? { logFile: String(a.logFile) } : {}),
      ...(a.report ? { report: String(a.report) } : {}),
      ...(a.reportHtml ? { reportHtml: String(a.reportHtml) } : {}),
      ...(becomePassword !== undefined ? { becomePassword } : {}),
      ...connectionFlagsOf(a),
      ...(a.color !== undefined ? { color: Boolean(a.color) } : {}),
      ...(a.step
        ? {
            confirmStep: async (s) => {
              const ans = (await askLine(`Perform step: ${s.name} (N)o/(y)es/(c)ontinue: `)).toLowerCase();
              return ans.startsWith('y') ? 'yes' : ans.startsWith('c') ? 'continue' : 'no';
            },
          }
        : {}),
      ...signals,
      masker,
    }),
  );
}
