/**
 * Facts, pyinfra's split: a read-only command plus a pure parser. The parser is tested on
 * verbatim tool output; the command is what the engine runs on the host.
 */
import type { Command } from './command';

export interface Fact<T, A extends unknown[] = []> {
  readonly name: string;
  /** The read-only command that gathers the fact. */
  command(...args: A): Command;
  /** Pure: stdout (and the exit code) in, the fact's value out. Throws when output is not understood. */
  parse(stdout: string, exitCode: number, stderr: string): T;
  /**
   * Exit codes that are answers rather than failures (e.g. `ovs-vsctl br-exists` exits 2
   * for "no"). Default: only 0.
   */
  readonly okExitCodes?: readonly number[];
}

export function defineFact<T, A extends unknown[] = []>(def: {
  name: string;
  command: (...args: A) => Command;
  parse: (stdout: string, exitCode: number, stderr: string) => T;
  okExitCodes?: readonly number[];
}): Fact<T, A> {
  return Object.freeze({ ...def });
}

