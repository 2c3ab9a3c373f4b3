/** One step on one host, phase by phase: when → check → run (with retries) → verify (with settle). */
import { StepFailure, isStepFailure, isConnectionError } from '../errors';
import { isUnchanged } from '../dsl/step';
import type { HostContext, HostStep } from '../dsl/types';
import { sleep } from '../util/async';
import type { StepRecorder } from './context';
import type { HostState, StepEnv } from './types';

export type Outcome = { status: 'ok' | 'changed' } | { status: 'skipped'; reason: string };

/** Seconds between attempts when a step sets `retries` but no `delay` (Ansible's default). */
const DEFAULT_RETRY_DELAY_S = 5;
/** How often verify is re-tried while a step `settle`s. */
const SETTLE_POLL_MS = 200;

export interface PhaseInput {
  s: HostStep;
  ctx: HostContext;
  rec: StepRecorder;
  h: HostState;
  env: StepEnv;
  signal: AbortSignal;
  /** Receives run's value (a loop item's, for the loop's register). */
  onValue?: (value: unknown) => void;
}

/**
 * The check: true means the desired state already holds. Under --check an earlier predicted
 * change may not have happened yet, so a check that reads its result can fail; the honest
 * prediction is then that this step would run too.
 */
async function holdsAlready(p: PhaseInput): Promise<boolean | Outcome> {
  p.rec.phase = 'check';
  try {
    return await p.s.check!(p.ctx);
  } catch (err) {
    if (p.env.checkMode && p.h.predicted && isStepFailure(err) && (err.kind === 'command' || err.kind === 'verify')) {
      p.rec.notes.push(`check could not run (${err.message}); an earlier step would change this host first`);
      return { status: 'changed' };
    }
    throw err;
  }
}

/**
 * An assertion (verify only, read-only) runs under --check too; there, after an earlier predicted
 * change, it may assert what that change would make (a reboot's new cmdline): not a failure then.
 */
async function assertion(p: PhaseInput): Promise<Outcome> {
  const afterPrediction = p.env.checkMode && p.h.predicted === true;
  try {
    // after a predicted change nothing will settle: one read, not `settle` seconds of waiting
    await verifyWithSettle(p, !afterPrediction);
    return { status: 'ok' };
  } catch (err) {
    if (afterPrediction && isStepFailure(err) && (err.kind === 'command' || err.kind === 'verify')) {
      p.rec.notes.push(`not asserted under --check (${err.message}): an earlier step would change this host first`);
      return { status: 'skipped', reason: 'check mode: the assertion depends on an earlier predicted change' };
    }
    throw err;
  }
}

export async function lifecycle(p: PhaseInput): Promise<Outcome> {
  const { s, ctx, rec, h, env } = p;
  if (s.when) {
    rec.phase = 'when';
    if (!(await s.when(ctx))) return { status: 'skipped', reason: 'condition (when) is false' };
  }
  if (s.check) {
    const held = await holdsAlready(p);
    if (held === true) return { status: 'ok' };
    if (typeof held === 'object') return held;
  }
  if (!s.run) return assertion(p);
  if (env.checkMode && !s.readOnly) {
    if (!s.check) return { status: 'skipped', reason: 'check mode: the step has no check to predict with' };
    h.predicted = true;
    return { status: 'changed' };
  }
  // the notification reaches the host before the change: a run that dies in between still runs the handler next time
  if (s.notify !== undefined && env.markPending) await env.markPending(h, s, ctx);
  const value = await runWithRetries(p);
  const registered = isUnchanged(value) ? value.value : value;
  if (s.register) h.registered[s.register] = registered;
  p.onValue?.(registered);
  if (s.verify && !env.checkMode) await verifyWithSettle(p);
  return isUnchanged(value) || s.readOnly ? { status: 'ok' } : { status: 'changed' };
}

/** Failures no retry can mend: the host is gone, or the step was stopped. */
function final(err: unknown): boolean {
  return isConnectionError(err) || (isStepFailure(err) && ['timeout', 'interrupted', 'connection-lost'].includes(err.kind));
}

async function runWithRetries(p: PhaseInput): Promise<unknown> {
  const { s, ctx, rec, env, h, signal } = p;
  rec.phase = 'run';
  const attempts = (s.retries ?? 0) + 1;
  const delayS = s.delay ?? DEFAULT_RETRY_DELAY_S;
  for (let attempt = 1; ; attempt++) {
    let why: string;
    try {
      const value = await s.run!(ctx);
      if (!s.until || (await s.until(isUnchanged(value) ? value.value : value, ctx))) return value;
      if (attempt >= attempts) throw new StepFailure('verify', `"until" still false after ${attempts} attempt(s)`);
      why = '"until" is still false';
    } catch (err) {
      if (attempt >= attempts || final(err)) {
        if (attempts > 1 && isStepFailure(err) && !err.message.startsWith('"until"')) err.message = `${err.message} (after ${attempts} attempts)`;
        throw err;
      }
      why = err instanceof Error ? err.message : String(err);
    }
    env.debug(h.name, s.name, `attempt ${attempt} of ${attempts} did not succeed (${why}); retrying in ${delayS}s`);
    await sleep(delayS * 1000, signal);
  }
}

async function verifyWithSettle(p: PhaseInput, settle = true): Promise<void> {
  const { s, ctx, rec, env, h, signal } = p;
  rec.phase = 'verify';
  const deadline = Date.now() + (settle ? (s.settle ?? 0) : 0) * 1000;
  for (let tries = 1; ; tries++) {
    try {
      const ok = await s.verify!(ctx);
      if (ok === false) throw new StepFailure('verify', 'verify returned false');
      return;
    } catch (err) {
      const retryable = isStepFailure(err) && (err.kind === 'verify' || err.kind === 'command');
      if (!retryable || Date.now() >= deadline) throw err;
      if (tries === 1) env.debug(h.name, s.name, `verify does not hold yet (${err.message}); re-checking for up to ${s.settle}s while it settles`);
      await sleep(SETTLE_POLL_MS, signal);
    }
  }
}
