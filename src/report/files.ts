/** The pino JSON-lines log (one line per step result) and the atomic JSON report of the whole run. */
import { writeFileSync, renameSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type pino from 'pino';
import type { Reporter } from './types';
import type { RunSummary, StepResult } from '../results/results';

/** Writes a file so a reader never sees half of it: temp file in the same directory, then rename. */
export function writeFileAtomic(file: string, content: string): void {
  mkdirSync(dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, content);
  renameSync(tmp, file);
}

export class PinoLogReporter implements Reporter {
  private readonly logger: pino.Logger;
  private readonly dest: pino.DestinationStream & { flushSync?: () => void; end?: () => void };

  constructor(file: string) {
    mkdirSync(dirname(file), { recursive: true });
    // sync so the last lines are on disk when the process exits (Ctrl-C included)
    // pino loads only when a log file is asked for
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pinoFn = require('pino') as typeof pino;
    this.dest = pinoFn.destination({ dest: file, sync: true, mkdir: true });
    this.logger = pinoFn({ base: { pid: process.pid }, timestamp: pinoFn.stdTimeFunctions.isoTime }, this.dest);
  }

  playStart(e: Parameters<NonNullable<Reporter['playStart']>>[0]): void {
    this.logger.info({ event: 'play_start', playbook: e.playbook, hosts: e.hosts, steps: e.steps, check: e.checkMode }, 'play start');
  }

  result(r: StepResult): void {
    const entry: Record<string, unknown> = {
      event: 'step_result',
      host: r.host,
      step: r.step,
      status: r.status,
      duration_ms: r.durationMs,
      exit_code: r.status === 'failed' || r.status === 'unreachable' ? (r.failure.exitCode ?? null) : (r.commands.at(-1)?.exitCode ?? null),
    };
    if (r.status === 'failed' || r.status === 'unreachable') entry.failure = r.failure;
    if (r.status === 'skipped') entry.reason = r.reason;
    if (r.risk) entry.risk = r.risk;
    const level = r.status === 'failed' || r.status === 'unreachable' ? 'error' : 'info';
    this.logger[level](entry, `${r.host} ${r.step}: ${r.status}`);
  }

  message(level: 'debug' | 'info' | 'warn' | 'error', text: string): void {
    this.logger[level]({ event: 'message' }, text);
  }

  playEnd(s: RunSummary): void {
    this.logger.info({ event: 'play_end', stats: s.stats, exit_code: s.exitCode, duration_ms: s.durationMs, interrupted: s.interrupted }, 'play end');
    this.dest.flushSync?.();
  }
}

export class JsonReportReporter implements Reporter {
  constructor(private readonly file: string) {}
  playEnd(s: RunSummary): void {
    writeFileAtomic(this.file, JSON.stringify({ marshal: 1, ...s }, null, 2) + '\n');
  }
}
