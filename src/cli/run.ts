/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/** `marshal run`: flags in, library call, exit code out. */
import { readFileSync } from 'node:fs';
import type { CommandModule } from 'yargs';
import { withSettings, splitList } from './options';
import { askHidden, askLine, closePrompts } from './prompt';
import type { HostKeyPolicy } from '../connection/types';
import { UsageError } from '../errors';

type Args = Record<string, unknown> & { playbook: string };

export const runCommand: CommandModule<object, Args> = {
  command: 'run <playbook>',
  describe: 'Run a TypeScript playbook over an inventory',
  builder: (y) => withSettings(y.positional('playbook', { type: 'string', describe: 'playbook module (.ts)', demandOption: true }), 'run') as never,
  handler: async (a) => {
    // loaded here, not at start-up: `marshal --help` and other commands stay fast
    const { listHosts, listTasks, plan, runPlaybookFiles } = (require('../runner') as typeof import('../runner'));
    const { parseExtraVars } = (require('../config/extra-vars') as typeof import('../config/extra-vars'));
    const { Masker } = (require('../report/mask') as typeof import('../report/mask'));
    const inventory = splitList(a.inventory) ?? [];
    const common = {
      playbookFile: a.playbook,
      inventory,
      ...(a.limit ? { limit: String(a.limit) } : {}),
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
    const extra = parseExtraVars(a.extraVars === undefined ? [] : [a.extraVars].flat().map(String));
    let becomePassword: string | undefined;
    if (a.becomePasswordFile) {
      try {
        becomePassword = readFileSync(String(a.becomePasswordFile), 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        throw new UsageError(`--become-password-file: ${(err as Error).message}`);
      }
    } else if (a.askBecomePass) {
      becomePassword = await askHidden('BECOME password: ');
    }
    const masker = new Masker();
    if (becomePassword) masker.add(becomePassword);

    // First Ctrl-C: no new steps; running ones finish. Second: stop them now. Third: exit.
    const soft = new AbortController();
    const hard = new AbortController();
    let interrupts = 0;
    const onSigint = () => {
      interrupts += 1;
      if (interrupts === 1) {
        process.stderr.write('\n[interrupted] no new steps will start; running steps finish (Ctrl-C again to stop them now)\n');
        soft.abort();
      } else if (interrupts === 2) {
        process.stderr.write('\n[interrupted] stopping running commands\n');
        hard.abort();
      } else process.exit(130);
    };
    process.on('SIGINT', onSigint);
    try {
      const summary = await runPlaybookFiles({
        ...common,
        check: Boolean(a.check),
        diff: Boolean(a.diff),
        forks: Number(a.forks),
        extraVars: extra,
        verbose: Number(a.verbose ?? 0),
        ...(a.logFile ? { logFile: String(a.logFile) } : {}),
        ...(a.report ? { report: String(a.report) } : {}),
        ...(becomePassword !== undefined ? { becomePassword } : {}),
        ...(a.hostKeyChecking ? { hostKeyChecking: a.hostKeyChecking as HostKeyPolicy } : {}),
        ...(a.connectTimeout !== undefined ? { connectTimeout: Number(a.connectTimeout) } : {}),
        ...(a.privateKey ? { privateKey: String(a.privateKey) } : {}),
        ...(a.maxOutput !== undefined ? { maxOutput: String(a.maxOutput) } : {}),
        ...(a.user ? { user: String(a.user) } : {}),
        ...(a.color !== undefined ? { color: Boolean(a.color) } : {}),
        ...(a.step
          ? {
              confirmStep: async (s) => {
                const ans = (await askLine(`Perform step: ${s.name} (N)o/(y)es/(c)ontinue: `)).toLowerCase();
                return ans.startsWith('y') ? 'yes' : ans.startsWith('c') ? 'continue' : 'no';
              },
            }
          : {}),
        signal: soft.signal,
        hardSignal: hard.signal,
        masker,
      });
      process.exitCode = summary.exitCode;
    } finally {
      closePrompts();
      process.off('SIGINT', onSigint);
    }
  },
};
