/** Results: one discriminated union per step and host, and the run they add up to. */
import { constants } from 'node:os';
import type { Evidence, FailureKind } from '../errors';
import type { Risk } from '../dsl/types';
import type { GroupSummary } from './group-summary';

export interface CommandRecord {
  command: string;
  exitCode: number | null;
  durationMs: number;
  /** Which phase ran it. */
  phase: 'check' | 'run' | 'verify' | 'when' | 'across';
}

export interface Failure {
  kind: FailureKind;
  message: string;
  command?: string;
  exitCode?: number | null;
  /** The last lines of stderr (stdout when stderr is empty). */
  stderrTail?: string;
  expected?: unknown;
  seen?: unknown;
  /** What each problem was read from (command and line), as the step gave it. */
  evidence?: Evidence[];
  /** Where the step was defined. */
  definedAt?: string;
  /** When the step came from a library: the playbook line that used it. */
  usedAt?: string;
}

export interface Base {
  host: string;
  step: string;
  stepIndex: number;
  startedAt: string;
  durationMs: number;
  commands: CommandRecord[];
  notes: string[];
  warnings: string[];
  risk?: Risk;
  /** Unified diff of files written (under --diff). */
  diff?: string;
  /** One item of a loop step: the loop's name, the item's position and label (`step` is `<loop> (<label>)`). */
  item?: LoopItem;
}

export interface LoopItem {
  loop: string;
  index: number;
  label: string;
}

export type StepResult =
  | (Base & { status: 'ok' })
  | (Base & { status: 'changed'; /** under --check: would have changed */ predicted?: boolean })
  | (Base & { status: 'skipped'; reason: string })
  | (Base & { status: 'failed'; failure: Failure; ignored?: boolean })
  | (Base & { status: 'unreachable'; failure: Failure });

export type Status = StepResult['status'];

export interface HostStats {
  ok: number;
  changed: number;
  unreachable: number;
  failed: number;
  skipped: number;
  rescued: number;
  ignored: number;
}

export interface RunSummary {
  playbook: string;
  playbookFile?: string;
  checkMode: boolean;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  hosts: string[];
  /** Each target host's inventory groups ('all' first), for the HTML report's group filter. */
  groups: Record<string, string[]>;
  stats: Record<string, HostStats>;
  results: StepResult[];
  interrupted: boolean;
  /** Why the play stopped early (any_errors_fatal, max_fail_percentage, interrupt). */
  aborted?: string;
  /** Each group's outcome, when the playbook asks for it (`summaryBy`). */
  groupSummary?: GroupSummary;
  exitCode: number;
}

export function emptyStats(): HostStats {
  return { ok: 0, changed: 0, unreachable: 0, failed: 0, skipped: 0, rescued: 0, ignored: 0 };
}

/** Adds a result to per-host stats the way Ansible's recap counts. */
export function countResult(stats: HostStats, r: StepResult): void {
  switch (r.status) {
    case 'ok':
      stats.ok += 1;
      break;
    case 'changed':
      stats.ok += 1; // Ansible counts a changed task as ok too
      stats.changed += 1;
      break;
    case 'skipped':
      stats.skipped += 1;
      break;
    case 'failed':
      if (r.ignored) {
        stats.ok += 1;
        stats.ignored += 1;
      } else stats.failed += 1;
      break;
    case 'unreachable':
      stats.unreachable += 1;
      break;
  }
}

/** Exit codes, documented in the README: 0 ok, 1 usage, 2 failed step, 4 unreachable, 130 interrupted. */
export const EXIT = { ok: 0, usage: 1, failed: 2, unreachable: 4, interrupted: 130 } as const;

/** Why a run was interrupted: the signal that asked (Ctrl-C is SIGINT). */
export interface Interrupt {
  signal: NodeJS.Signals;
}

/** 128 + the signal's number, as shells report a process the signal ended: SIGINT 130, SIGTERM 143, SIGHUP 129. */
export function interruptExitCode(reason: unknown): number {
  const signal = typeof reason === 'object' && reason !== null && 'signal' in reason ? (reason as Interrupt).signal : 'SIGINT';
  return 128 + (constants.signals[signal] ?? constants.signals.SIGINT);
}

export function exitCodeFor(stats: Record<string, HostStats>, interrupted: boolean, reason?: unknown): number {
  if (interrupted) return interruptExitCode(reason);
  const all = Object.values(stats);
  if (all.some((s) => s.failed > 0)) return EXIT.failed;
  if (all.some((s) => s.unreachable > 0)) return EXIT.unreachable;
  return EXIT.ok;
}
