/** A host-step from start to result: context, timeout, the phases, and the failure it became. */
import { StepFailure, isStepFailure, isConnectionError } from '../errors';
import { becomeFor } from '../connection/spec';
import type { HostContext, HostStep } from '../dsl/types';
import type { StepStartEvent } from '../report/types';
import { failedResult, noneGathered, resultBase } from '../results/records';
import type { StepResult } from '../results/results';
import { settleWithin } from '../util/async';
import { createHostContext, type StepRecorder } from './context';
import { toFailure } from './failure';
import { lifecycle, type Outcome } from './phases';
import type { HostState, StepEnv } from './types';

/** How long a stopped step may take to wind down (TERM, 2 s grace, KILL, maybe a reconnect). */
const STOP_BUDGET_MS = 15_000;

export function newRecorder(phase: StepRecorder['phase']): StepRecorder {
  return { phase, ...noneGathered() };
}

/** The HostContext a step's functions get on one host. */
export function hostContext(env: StepEnv, h: HostState, rec: StepRecorder, signal: AbortSignal, stepBecome?: boolean | string): HostContext {
  const become = (b: boolean | string | undefined) => becomeFor(h.name, h.vars, b ?? env.playBecome, env.becomePassword);
  return createHostContext({
    name: h.name,
    address: h.address,
    vars: h.vars,
    groups: h.groups,
    registered: h.registered,
    factCache: (h.factCache ??= new Map()),
    checkMode: env.checkMode,
    diffMode: env.diffMode,
    templatesDir: env.templatesDir,
    connection: () => env.connect(h.name, h.vars),
    ...(env.reconnect ? { reconnect: () => env.reconnect!(h.name, h.vars) } : {}),
    become: become(stepBecome),
    becomeFor: become,
    signal,
    recorder: rec,
    addSecrets: (values) => env.addSecrets(values),
    log: {
      info: (m) => rec.notes.push(m),
      warn: (m) => rec.warnings.push(m),
      debug: (m) => env.debug(h.name, rec.phase, m),
    },
  });
}

/** Runs the phases under the step's timeout; a timed-out step ends once its commands are stopped. */
function underTimeout(s: HostStep, body: Promise<Outcome>, ctl: AbortController, rec: StepRecorder): { result: Promise<Outcome>; clear: () => void } {
  const timeout = s.timeout;
  if (!timeout || timeout <= 0) return { result: body, clear: () => undefined };
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const running = rec.lastCommand ? ` running: ${rec.lastCommand}` : '';
      const err = new StepFailure('timeout', `timed out after ${timeout}s${running}`, rec.lastCommand ? { command: rec.lastCommand } : {});
      ctl.abort(err);
      void settleWithin(body, STOP_BUDGET_MS).then(() => reject(err));
    }, timeout * 1000);
  });
  return { result: Promise.race([body, expired]), clear: () => clearTimeout(timer) };
}

export async function runHostStep(s: HostStep, ev: StepStartEvent, h: HostState, env: StepEnv, onValue?: (v: unknown) => void): Promise<StepResult> {
  env.hostStart(h.name, ev);
  const started = Date.now();
  const rec = newRecorder('when');
  const ctl = new AbortController();
  env.running.add(ctl);
  const ctx = hostContext(env, h, rec, ctl.signal, s.become);
  const body = lifecycle({ s, ctx, rec, h, env, signal: ctl.signal, ...(onValue ? { onValue } : {}) });
  const { result, clear } = underTimeout(s, body, ctl, rec);
  try {
    const outcome = await result;
    const base = resultBase(h.name, s, ev.index, started, rec);
    if (outcome.status === 'skipped') return { ...base, status: 'skipped', reason: outcome.reason };
    if (outcome.status === 'changed') return { ...base, status: 'changed', ...(env.checkMode ? { predicted: true } : {}) };
    return { ...base, status: 'ok' };
  } catch (err) {
    // a step stopped by its timeout or an interrupt fails for that reason, not with what its command said when killed
    const cause = ctl.signal.aborted && isStepFailure(ctl.signal.reason) ? ctl.signal.reason : err;
    const failure = toFailure(cause, s.definedAt, rec.lastCommand);
    if (failure.kind === 'connection-lost') failure.message = `connection lost during "${s.name}": ${failure.message}`;
    return failedResult(resultBase(h.name, s, ev.index, started, rec), s, failure, isConnectionError(cause));
  } finally {
    clear();
    env.running.delete(ctl);
    body.catch(() => undefined); // the losing side of the timeout race must not become unhandled
  }
}
