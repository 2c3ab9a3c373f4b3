/** Assertions for verify: they fail the step with what was expected and what was seen. */
import { StepFailure } from '../errors';

function show(v: unknown): string {
  if (typeof v === 'string') return v === '' ? '""' : v;
  if (v === undefined) return 'nothing';
  return JSON.stringify(v);
}

/** Fails the step unless `seen` equals `expected` (deep equality for plain data). */
export function expectEqual<T>(seen: T, expected: T, what?: string): void {
  if (JSON.stringify(seen) === JSON.stringify(expected)) return;
  throw new StepFailure('verify', `${what ? `${what}: ` : ''}expected ${show(expected)}, saw ${show(seen)}`, {
    expected,
    seen,
  });
}

/** Fails the step unless `cond`; `seen` is reported beside the expectation. */
export function expectThat(cond: boolean, expected: string, seen?: unknown): asserts cond {
  if (cond) return;
  throw new StepFailure('verify', `expected ${expected}${seen === undefined ? '' : `, saw ${show(seen)}`}`, {
    expected,
    seen,
  });
}

/** Fails the step with a message of your own. */
export function fail(message: string, details: { expected?: unknown; seen?: unknown } = {}): never {
  throw new StepFailure('verify', message, details);
}
