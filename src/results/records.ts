/** Step results are built here and only here: what every result carries, then its status. */
import type { Step } from '../dsl/types';
import type { CommandRecord, Failure, StepResult } from './results';

/** What a host-step gathered while it ran (commands, notes, diffs), for its result. */
export interface Gathered {
  commands: CommandRecord[];
  notes: string[];
  warnings: string[];
  diffs: string[];
}

type Base = Omit<Extract<StepResult, { status: 'ok' }>, 'status'>;

export function noneGathered(): Gathered {
  return { commands: [], notes: [], warnings: [], diffs: [] };
}

/** The part of a result every status shares. */
export function resultBase(host: string, s: Step, stepIndex: number, startedMs: number, g: Gathered): Base {
  return {
    host,
    step: s.name,
    stepIndex,
    startedAt: new Date(startedMs).toISOString(),
    durationMs: Date.now() - startedMs,
    commands: g.commands,
    notes: g.notes,
    warnings: g.warnings,
    ...(s.risk ? { risk: s.risk } : {}),
    ...(g.diffs.length ? { diff: g.diffs.join('') } : {}),
  };
}

/** A failure result; a connection failure makes the host unreachable, ignoreErrors marks it ignored. */
export function failedResult(base: Base, s: Step, failure: Failure, unreachable = false): StepResult {
  const located: Failure = { ...failure };
  if (s.definedAt && !located.definedAt) located.definedAt = s.definedAt;
  if (s.usedAt && !located.usedAt) located.usedAt = s.usedAt;
  if (unreachable) return { ...base, status: 'unreachable', failure: located };
  return { ...base, status: 'failed', failure: located, ...(s.ignoreErrors ? { ignored: true } : {}) };
}
