/**
 * One remote command's life, shared by exec channels (ssh.ts) and persistent sessions
 * (session.ts): it settles once; a timeout, an abort or the run's end stops it once (the kill
 * first, then the failure); and the connection's InFlight set holds it until it has settled, so
 * closing a connection waits for the kill.
 */
import { StepFailure, type FailureKind } from '../errors';
import type { InFlight } from './in-flight';
import type { ExecResult } from './types';
import { maskSecrets, type CapturedOutput } from './wrap';

export interface LifeOptions {
  /** The host, as messages name it. */
  name: string;
  timeoutMs?: number;
  signal?: AbortSignal;
  inFlight: InFlight;
  /** Masked out of every failure's message (the output is masked by its capture). */
  secrets: (string | undefined)[];
  /** The output so far, for a failure's details. */
  partial(): CapturedOutput;
  /**
   * Stops the command on the host; resolves once its process group is gone (or the kill gave up).
   * Undefined when there is nothing to kill yet: the command then fails at once.
   */
  kill(): Promise<void> | undefined;
  resolve(result: ExecResult): void;
  reject(err: unknown): void;
}

export interface CommandLife {
  /** Why a stop is under way, if one is: the command's own ending no longer counts. */
  readonly stopping: FailureKind | undefined;
  /** True while neither settled nor stopping: the command's own ending still decides. */
  readonly open: boolean;
  /** Settles with the result, unless settled or stopping already. */
  succeed(result: ExecResult): void;
  fail(kind: FailureKind, message: string, extra?: { exitCode?: number | null }): void;
  /** Stops once (kill, then fail with `kind`); the promise ends when the command is gone. */
  stop(kind: FailureKind, message: string): Promise<void>;
  /** A stop that ends its own way: `work` (e.g. reaping after a lost connection) gives the message. */
  stopWith(kind: FailureKind, work: Promise<string>): Promise<void>;
  /** More work the stop must wait for (a channel that opened after the stop began: kill it too). */
  alsoWait(work: Promise<void>): void;
  /** Ends this life (timer, listeners, tracking) and lets `other` settle the command instead. */
  handOff(other: () => Promise<ExecResult>): void;
}

export function commandLife(o: LifeOptions): CommandLife {
  let settled = false;
  let stopping: FailureKind | undefined;
  let stopped: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const done = (): void => {
    settled = true;
    if (timer) clearTimeout(timer);
    o.signal?.removeEventListener('abort', onAbort);
    untrack();
  };
  const fail = (kind: FailureKind, message: string, extra: { exitCode?: number | null } = {}): void => {
    if (settled) return;
    done();
    o.reject(new StepFailure(kind, maskSecrets(message, o.secrets), { ...o.partial(), ...extra }));
  };
  const stopWith = (kind: FailureKind, work: Promise<string>): Promise<void> => {
    stopping = kind;
    // settles whatever `work` does: a command left unsettled would hang its step
    stopped = work.then(
      (message) => fail(kind, message),
      (err: unknown) => fail(kind, `${o.name}: ${err instanceof Error ? err.message : String(err)}`),
    );
    return stopped;
  };
  const stop = (kind: FailureKind, message: string): Promise<void> => {
    if (stopping) return stopped;
    if (settled) return Promise.resolve();
    stopping = kind; // before the kill starts: the command's own ending no longer counts
    const killing = o.kill();
    if (!killing) fail(kind, message);
    else stopped = killing.then(() => fail(kind, message), () => fail(kind, message));
    return stopped;
  };
  const untrack = o.inFlight.track(() => stop('interrupted', `${o.name}: stopped: the run is ending`));
  const onAbort = (): void => void stop('interrupted', `${o.name}: interrupted`);
  if (o.timeoutMs !== undefined) timer = setTimeout(() => void stop('timeout', `${o.name}: timed out after ${o.timeoutMs} ms`), o.timeoutMs);
  o.signal?.addEventListener('abort', onAbort, { once: true });
  return {
    get stopping() {
      return stopping;
    },
    get open() {
      return !settled && stopping === undefined;
    },
    succeed(result) {
      if (settled || stopping) return; // a stop under way decides: its kill may have cut the output
      done();
      o.resolve(result);
    },
    fail,
    stop,
    stopWith,
    alsoWait(work) {
      stopped = Promise.all([stopped, work]).then(() => undefined);
    },
    handOff(other) {
      if (settled) return;
      done();
      other().then(o.resolve, o.reject);
    },
  };
}
