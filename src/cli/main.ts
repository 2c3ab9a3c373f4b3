/** The `marshal` command. Parses flags, calls the library, maps errors to exit codes. No logic. */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { runCommand } from './run';
import { checkCommand } from './check';
import { inventoryCommand } from './inventory';
import { settingsCommand } from './settings';
import { reportCommand } from './report';
import { execCommand } from './exec';
import { initCommand } from './init';
import { yargsCommand } from './plugins';
import { CORE_COMMANDS, loadPlugins, pluginCommands } from '../plugins';
import { MarshalError, isMarshalError, UsageError } from '../errors';
import { VERSION } from '../version';
// provides 'marshal' and 'marshal/runner' to the playbooks and plugins this CLI loads (src/load/evaluate.ts)
import '../runner-api';

function report(err: unknown): void {
  if (isMarshalError(err)) {
    process.stderr.write(`ERROR! ${err.located}\n`);
    process.exitCode = 1;
    return;
  }
  const e = err as Error;
  process.stderr.write(`ERROR! ${e?.message ?? String(err)}\n`);
  if (process.env.MARSHAL_DEBUG) process.stderr.write(`${e?.stack ?? ''}\n`);
  process.exitCode = 1;
}

/**
 * A reader that goes away (`marshal run ... | head`) must not kill a run half-way through a
 * host's change: console output stops, the run, its log and its report go on.
 */
function survivePipeClose(stream: NodeJS.WriteStream): void {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    // EIO: the terminal went away (SIGHUP); the run still stops its commands and writes its report
    if (err.code !== 'EPIPE' && err.code !== 'EIO' && err.code !== 'ERR_STREAM_DESTROYED') throw err;
  });
}

export async function main(argv = hideBin(process.argv)): Promise<void> {
  survivePipeClose(process.stdout);
  survivePipeClose(process.stderr);
  try {
    // the project's plugins (package.json "marshal.plugins") add inventory plugins and commands
    await loadPlugins(process.cwd());
    const y = yargs(argv).scriptName('marshal').command(runCommand).command(checkCommand).command(execCommand).command(initCommand).command(inventoryCommand).command(settingsCommand).command(reportCommand);
    for (const c of pluginCommands()) y.command(yargsCommand(c));
    await y
      .demandCommand(1, `say what to do: ${[...CORE_COMMANDS, ...pluginCommands().map((c) => c.command.split(' ')[0])].join(', ')}`)
      .strict()
      .version(VERSION)
      .help()
      .fail((msg, err) => {
        throw err ?? new UsageError(msg);
      })
      .parseAsync();
  } catch (err) {
    report(err);
  }
}

void main();
