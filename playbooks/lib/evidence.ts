/**
 * Facts with their evidence: the value, the command that gave it and its output, so a problem
 * can name the command and the line it read instead of the engine guessing from the last command.
 */
import { StepFailure, type Evidence, type Fact, type HostContext } from 'marshal';

export interface Observed<T> {
  readonly value: T;
  readonly command: string;
  readonly stdout: string;
}

/** Gathers a fact as h.fact does (same command, exit codes and parser) and keeps its output. */
export async function observe<T, A extends unknown[]>(h: HostContext<object>, fact: Fact<T, A>, ...args: A): Promise<Observed<T>> {
  const cmd = fact.command(...args);
  const res = await h.run(cmd, { okExitCodes: fact.okExitCodes ?? [0] });
  try {
    return { value: fact.parse(res.stdout, res.exitCode ?? -1, res.stderr), command: cmd.text, stdout: res.stdout };
  } catch (err) {
    throw new StepFailure('error', `could not parse the output of ${cmd.text}: ${(err as Error).message}`, { command: cmd.text, stdout: res.stdout, cause: err });
  }
}

/**
 * The evidence for a value: its command and the first output line matching `line` (a pattern, or
 * text the line contains); without `line`, the first non-empty line. No match: the command alone.
 */
export function evidenceOf(o: Observed<unknown>, line?: RegExp | string): Evidence {
  const all = o.stdout.split('\n').map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const hit = line === undefined ? all[0] : all.find((l) => (typeof line === 'string' ? l.includes(line) : line.test(l)));
  return hit === undefined ? { command: o.command } : { command: o.command, line: hit };
}
