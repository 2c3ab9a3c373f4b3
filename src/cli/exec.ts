/* eslint-disable @typescript-eslint/no-require-imports -- commands load their modules on demand */
/** `marshal exec <pattern> -i inv -- <command>`: flags in, library call, exit code out. */
import type { CommandModule } from 'yargs';
import { withSettings, splitList, vaultFromArgs, connectionFlagsOf, becomePasswordOf, maskError } from './options';
import { underInterrupts } from './interrupts';
import { UsageError } from '../errors';
import type { Masker } from '../util/mask';

type Args = Record<string, unknown> & { pattern: string; command?: string[] };

/** The words after `--` (yargs leaves them in `_`, after the command's name) make one command line. */
function commandLine(a: Args): string {
  const words = [...(a.command ?? []), ...((a._ as unknown[] | undefined) ?? []).slice(1)].map(String);
  if (words.length === 0) throw new UsageError('marshal exec: give the command after `--`, e.g. marshal exec all -i inventory.ini -- uptime');
  return words.join(' ');
}

export const execCommand: CommandModule<object, Args> = {
  command: 'exec <pattern> [command..]',
  describe: 'Run one shell command on the hosts a pattern selects; output grouped per host',
  builder: (y) =>
    withSettings(
      y
        .positional('pattern', { type: 'string', describe: "host pattern, e.g. 'all', 'web*', 'a:!b'", demandOption: true })
        .positional('command', { type: 'string', array: true, describe: 'the command line, after --' })
        .example('$0 exec all -i inventory.ini -- uptime', 'uptime of every host')
        .example("$0 exec 'web*' -i inv -b -- 'systemctl is-active nginx'", 'as root through sudo')
        .example('$0 exec all -i inv -vv --report-html uptime.html -- uptime', 'with durations and the commands sent, and a report page'),
      'exec',
    ) as never,
  handler: async (a) => {
    if (a.check) throw new UsageError('marshal exec: --check is refused: an arbitrary command cannot say what it would change; write a playbook step with a check, or run a read-only command');
    const command = commandLine(a);
    const { Masker: MaskerClass } = require('../util/mask') as typeof import('../util/mask');
    const masker = new MaskerClass();
    try {
      await execHandler(a, command, masker);
    } catch (err) {
      throw maskError(err, (t) => masker.mask(t));
    }
  },
};

async function execHandler(a: Args, command: string, masker: Masker): Promise<void> {
  const { execCommand: run } = require('../exec') as typeof import('../exec');
  const { parseExtraVars } = require('../config/extra-vars') as typeof import('../config/extra-vars');
  const becomePassword = await becomePasswordOf(a);
  if (becomePassword) masker.add(becomePassword);
  const vault = await vaultFromArgs(a, (v) => masker.add(v));
  await underInterrupts((signals) =>
    run({
      vault,
      pattern: a.pattern,
      command,
      inventory: splitList(a.inventory) ?? [],
      ...(a.limit ? { limit: String(a.limit) } : {}),
      forks: Number(a.forks),
      verbose: Number(a.verbose ?? 0),
      ...(a.report ? { report: String(a.report) } : {}),
      ...(a.reportHtml ? { reportHtml: String(a.reportHtml) } : {}),
      ...(a.become ? { become: a.becomeUser && a.becomeUser !== 'root' ? String(a.becomeUser) : true } : {}),
      ...(becomePassword !== undefined ? { becomePassword } : {}),
      extraVars: parseExtraVars(a.extraVars === undefined ? [] : [a.extraVars].flat().map(String), vault),
      // one command per host: a persistent session's start would be pure overhead (50 hosts: 1.55 s vs 1.45 s with a channel)
      session: 'exec',
      ...connectionFlagsOf(a),
      ...signals,
      masker,
    }),
  );
}
