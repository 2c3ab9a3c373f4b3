/**
 * command(): Ansible's command/shell with `creates` / `removes`. The command line is built with
 * sh`` or argv([...]), so every value in it is quoted.
 */
import { MASK, argv, isCommand, quote, sh, type Command } from '../dsl/command';
import { expectThat } from '../dsl/expect';
import type { HostContext, HostStep, Vars } from '../dsl/types';
import { checkKeys, checkPath, opError, opStep, type OpOptions } from './common';

export interface CommandOptions<V extends object = Vars> extends OpOptions<V> {
  /** The command: sh`...` (values quoted) or an argv list (each word quoted). */
  cmd: Command | readonly string[];
  /** Skipped (ok) when this path exists: the command makes it. */
  creates?: string;
  /** Skipped (ok) when this path does not exist: the command removes it. */
  removes?: string;
  /** Directory to run in. */
  chdir?: string;
  /** Exit codes that count as success (default [0]). */
  okExitCodes?: readonly number[];
}

/**
 * Runs a command, unless `creates` exists or `removes` does not. Without either it runs every
 * time (changed) and under --check it is skipped: nothing tells what it would do. It may change
 * anything, so it forgets every cached fact of the host.
 */
export function command<V extends object = Vars>(opts: CommandOptions<V>): HostStep<V> {
  const o = checkKeys('command()', opts, ['cmd', 'creates', 'removes', 'chdir', 'okExitCodes'], ['cmd']);
  const cmd = isCommand(o.cmd) ? o.cmd : Array.isArray(o.cmd) && o.cmd.length > 0 && o.cmd.every((w) => typeof w === 'string') ? argv(o.cmd) : undefined;
  if (!cmd) throw opError('command()', '`cmd` must be a command built with sh`...` or a non-empty list of words');
  const creates = o.creates === undefined ? undefined : checkPath('command()', o.creates, 'creates');
  const removes = o.removes === undefined ? undefined : checkPath('command()', o.removes, 'removes');
  const chdir = o.chdir === undefined ? undefined : checkPath('command()', o.chdir, 'chdir');
  const ok = o.okExitCodes as readonly number[] | undefined;
  const line = chdir ? sh`cd -- ${chdir} && ${cmd}` : cmd;
  // done when `creates` exists or `removes` is gone: one test command
  const done = creates && removes ? sh`[ -e ${creates} ] || [ ! -e ${removes} ]` : creates ? sh`[ -e ${creates} ]` : removes ? sh`[ ! -e ${removes} ]` : undefined;
  const run = async (h: HostContext<V>) => {
    try {
      return await h.run(line, ok ? { okExitCodes: ok } : {});
    } finally {
      h.facts.invalidate();
    }
  };
  // a secret() in the command never reaches the step's name
  const shown = cmd.secrets.reduce((t, v) => t.split(quote(v)).join(MASK).split(v).join(MASK), cmd.text);
  const name = `command ${shown.length > 60 ? `${shown.slice(0, 57)}...` : shown}`;
  if (!done) return opStep<V>(o, name, { run });
  return opStep<V>(o, name, {
    check: (h) => h.test(done),
    run,
    verify: async (h) => {
      if (creates) expectThat(await h.test(sh`[ -e ${creates} ]`), `the command to create ${creates}`, 'it does not exist');
      if (removes) expectThat(await h.test(sh`[ ! -e ${removes} ]`), `the command to remove ${removes}`, 'it still exists');
    },
  });
}
