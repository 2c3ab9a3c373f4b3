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

/** Fans events out to several reporters. */
export function combineReporters(list: Reporter[]): Required<Reporter> {
  return {
    playStart: (e) => list.forEach((r) => r.playStart?.(e)),
    batchStart: (b, i, t) => list.forEach((r) => r.batchStart?.(b, i, t)),
    stepStart: (e) => list.forEach((r) => r.stepStart?.(e)),
    hostStart: (h, s) => list.forEach((r) => r.hostStart?.(h, s)),
    result: (x) => list.forEach((r) => r.result?.(x)),
    stepEnd: (e) => list.forEach((r) => r.stepEnd?.(e)),
    message: (l, t) => list.forEach((r) => r.message?.(l, t)),
    playEnd: async (s) => {
      for (const r of list) await r.playEnd?.(s);
    },
  };
}
