/** What the engine tells reporters. Data flows one way: the engine never reads from them. */
import type { RunSummary, StepResult } from '../results/results';
import type { Risk } from '../dsl/types';

export interface PlayStartEvent {
  playbook: string;
  playbookFile?: string;
  hosts: string[];
  steps: number;
  checkMode: boolean;
  batches: string[][];
}

export interface StepStartEvent {
  name: string;
  index: number;
  hosts: string[];
  risk?: Risk;
  across?: boolean;
  /** A handler run (notified by earlier steps), not a step of the list. */
  handler?: boolean;
}

export interface Reporter {
  playStart?(e: PlayStartEvent): void;
  batchStart?(batch: string[], index: number, total: number): void;
  stepStart?(e: StepStartEvent): void;
  /** A host began the step (for live progress). */
  hostStart?(host: string, step: StepStartEvent): void;
  result?(r: StepResult): void;
  stepEnd?(e: StepStartEvent): void;
  /** Free-form run-level message (interrupt received, abort reasons; 'debug': retries and settling, shown at -vv). */
  message?(level: 'debug' | 'info' | 'warn' | 'error', text: string): void;
  playEnd?(summary: RunSummary): void | Promise<void>;
}

/**
 * A reporter's output failed (a full disk, a lost file): that reporter stops, the message
 * goes to the others, and the run, its exit code and the other reporters go on.
 */
export class ReporterFailure extends Error {
  override name = 'ReporterFailure';
  constructor(
    readonly level: 'warn' | 'error',
    message: string,
  ) {
    super(message);
  }
}

/** Fans events out to several reporters; one that throws is dropped, never the run. */
export function combineReporters(list: Reporter[]): Required<Reporter> {
  const live = [...list];
  const drop = (r: Reporter, err: unknown): void => {
    const i = live.indexOf(r);
    if (i < 0) return;
    live.splice(i, 1);
    const f = err instanceof ReporterFailure ? err : new ReporterFailure('error', `a reporter failed and stopped: ${(err as Error)?.message ?? String(err)}`);
    each((x) => x.message?.(f.level, f.message));
  };
  const each = (call: (r: Reporter) => void): void => {
    for (const r of [...live]) {
      try {
        call(r);
      } catch (err) {
        drop(r, err);
      }
    }
  };
  return {
    playStart: (e) => each((r) => r.playStart?.(e)),
    batchStart: (b, i, t) => each((r) => r.batchStart?.(b, i, t)),
    stepStart: (e) => each((r) => r.stepStart?.(e)),
    hostStart: (h, s) => each((r) => r.hostStart?.(h, s)),
    result: (x) => each((r) => r.result?.(x)),
    stepEnd: (e) => each((r) => r.stepEnd?.(e)),
    message: (l, t) => each((r) => r.message?.(l, t)),
    playEnd: async (s) => {
      for (const r of [...live]) {
        try {
          await r.playEnd?.(s);
        } catch (err) {
          drop(r, err);
        }
      }
    },
  };
}
