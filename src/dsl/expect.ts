/** Assertions for verify: they fail the step with what was expected and what was seen. */
import { StepFailure, type Evidence } from '../errors';

function show(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (v === undefined) return 'nothing';
  return JSON.stringify(v);
}

function list(e: Evidence | readonly Evidence[] | undefined): Evidence[] {
  if (e === undefined) return [];
  return Array.isArray(e) ? [...(e as readonly Evidence[])] : [e as Evidence];
}

/** `command: "line"`, the form every problem names its evidence in. */
export function describeEvidence(e: Evidence): string {
  return e.line === undefined ? e.command : `${e.command}: ${JSON.stringify(e.line)}`;
}

function withEvidence(message: string, evidence: Evidence[]): string {
  return evidence.length === 0 ? message : `${message} (${evidence.map(describeEvidence).join('; ')})`;
}

/**
 * Fails the step unless `seen` equals `expected` (deep equality for plain data). `evidence` names
 * the command and output line `seen` came from; it goes into the message.
 */
export function expectEqual<T>(seen: T, expected: T, what?: string, evidence?: Evidence | readonly Evidence[]): void {
  if (JSON.stringify(seen) === JSON.stringify(expected)) return;
  const ev = list(evidence);
  throw new StepFailure('verify', withEvidence(`${what ? `${what}: ` : ''}expected ${show(expected)}, saw ${show(seen)}`, ev), {
    expected,
    seen,
    evidence: ev,
  });
}

/** Fails the step unless `cond`; `seen` is reported beside the expectation, `evidence` after it. */
export function expectThat(cond: boolean, expected: string, seen?: unknown, evidence?: Evidence | readonly Evidence[]): asserts cond {
  if (cond) return;
  const ev = list(evidence);
  throw new StepFailure('verify', withEvidence(`expected ${expected}${seen === undefined ? '' : `, saw ${show(seen)}`}`, ev), {
    expected,
    seen,
    evidence: ev,
  });
}

/**
 * Fails the step with a message of your own. `evidence` is recorded but not added to the message:
 * a message covering several problems names each one's evidence itself (describeEvidence).
 */
export function fail(message: string, details: { expected?: unknown; seen?: unknown; evidence?: Evidence | readonly Evidence[] } = {}): never {
  const { evidence, ...rest } = details;
  throw new StepFailure('verify', message, { ...rest, evidence: list(evidence) });
}
