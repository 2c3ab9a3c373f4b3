/** Turning whatever a step threw into the Failure its result records. */
import { isStepFailure, type StepFailure } from '../errors';
import type { Failure } from '../results/results';
import { userFrame } from '../util/stack';
import { tail } from './context';

/**
 * The rule for a verify failure's command: its own, else its evidence (which names the commands in
 * the message already), else, only when it carries neither, the last command the step ran.
 */
function fromStepFailure(err: StepFailure, lastCommand: string | undefined): Failure {
  const f: Failure = { kind: err.kind, message: err.message };
  const guess = err.kind === 'verify' && !err.evidence?.length ? lastCommand : undefined;
  const cmd = err.command ?? guess;
  if (cmd !== undefined) f.command = cmd;
  if (err.kind === 'verify' && cmd && !err.message.includes(cmd)) f.message = `${err.message} (${cmd})`;
  if (err.evidence?.length) f.evidence = err.evidence.map((e) => ({ ...e }));
  if (err.exitCode !== undefined) f.exitCode = err.exitCode;
  if (err.stderr) f.stderrTail = tail(err.stderr);
  if (err.expected !== undefined) f.expected = err.expected;
  if (err.seen !== undefined) f.seen = err.seen;
  return f;
}

/** A StepFailure keeps its kind and evidence; any other throw is located at the user's code. */
export function toFailure(err: unknown, definedAt: string | undefined, lastCommand: string | undefined): Failure {
  let f: Failure;
  if (isStepFailure(err)) f = fromStepFailure(err, lastCommand);
  else {
    const e = err instanceof Error ? err : new Error(String(err));
    const where = userFrame(e);
    f = { kind: 'error', message: `${e.message}${where ? ` (at ${where})` : ''}` };
  }
  if (definedAt) f.definedAt = definedAt;
  return f;
}
