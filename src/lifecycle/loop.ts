/**
 * A step on one host, loop or not: a loop step evaluates its items, then runs each item's step
 * (its own when → check → run → verify and result), all of them even when one fails (Ansible's
 * semantics), and registers the list of per-item results.
 */
import { StepFailure, isConnectionError, isStepFailure } from '../errors';
import type { HostStep, LoopItemResult } from '../dsl/types';
import type { StepStartEvent } from '../report/types';
import { failedResult, resultBase } from '../results/records';
import type { StepResult } from '../results/results';
import { toFailure } from './failure';
import { hostContext, newRecorder, runHostStep } from './host-step';
import type { HostState, StepEnv } from './types';

/** Every result the step gave on the host: one, or one per loop item. */
export async function runStepOnHost(s: HostStep, ev: StepStartEvent, h: HostState, env: StepEnv): Promise<StepResult[]> {
  return s.loop ? runLoop(s, ev, h, env) : [await runHostStep(s, ev, h, env)];
}

/** The items of a loop on this host (read-only, so also under --check), or the result that says why there are none. */
async function itemsOf(s: HostStep, ev: StepStartEvent, h: HostState, env: StepEnv): Promise<readonly unknown[] | StepResult> {
  const started = Date.now();
  const rec = newRecorder('check');
  const ctl = new AbortController();
  env.running.add(ctl);
  try {
    const given = s.loop!.items;
    const items = typeof given === 'function' ? await given(hostContext(env, h, rec, ctl.signal, s.become)) : given;
    if (!Array.isArray(items)) throw new StepFailure('error', `loop "${s.name}": \`items\` gave ${items === null ? 'null' : typeof items}, not a list`);
    if (items.length > 0) return items;
    return { ...resultBase(h.name, s, ev.index, started, rec), status: 'skipped', reason: 'no items' };
  } catch (err) {
    // under --check the items may come from a change that was only predicted (as a check's input may)
    if (env.checkMode && h.predicted && isStepFailure(err)) {
      rec.notes.push(`items could not be read (${err.message}); an earlier step would change this host first`);
      return { ...resultBase(h.name, s, ev.index, started, rec), status: 'skipped', reason: 'check mode: the items depend on an earlier predicted change' };
    }
    return failedResult(resultBase(h.name, s, ev.index, started, rec), s, toFailure(err, s.definedAt, rec.lastCommand), isConnectionError(err));
  } finally {
    env.running.delete(ctl);
  }
}

async function runLoop(s: HostStep, ev: StepStartEvent, h: HostState, env: StepEnv): Promise<StepResult[]> {
  env.hostStart(h.name, ev);
  const items = await itemsOf(s, ev, h, env);
  if (!Array.isArray(items)) return [items as StepResult];
  // the notification reaches the host before any item changes it (removed again when none did)
  if (s.notify !== undefined && env.markPending && !env.checkMode) {
    const failed = await markFirst(s, ev, h, env);
    if (failed) return [failed];
  }
  const results: StepResult[] = [];
  const registered: LoopItemResult<unknown>[] = [];
  for (const [index, item] of items.entries()) {
    let made: { step: HostStep; label: string };
    try {
      made = s.loop!.each(item, index);
    } catch (err) {
      // a bad item (the operation refused its options) fails that item, not the others
      const name = `${s.name} (#${index + 1})`;
      const r = failedResult(resultBase(h.name, { ...s, name }, ev.index, Date.now(), newRecorder('run')), s, toFailure(err, s.definedAt, undefined));
      results.push({ ...r, item: { loop: s.name, index, label: `#${index + 1}` } });
      registered.push({ item, label: `#${index + 1}`, status: 'failed' });
      continue;
    }
    let value: unknown;
    const r = await runHostStep(made.step, ev, h, env, (v) => (value = v));
    results.push({ ...r, item: { loop: s.name, index, label: made.label } });
    registered.push({ item, label: made.label, status: r.status, ...(value !== undefined ? { value } : {}) });
    // the host is gone or the run is being stopped: the other items cannot run
    if (r.status === 'unreachable' || (r.status === 'failed' && ['interrupted', 'connection-lost'].includes(r.failure.kind))) break;
  }
  if (s.register) h.registered[s.register] = registered;
  return results;
}

/** Writes the loop's handler markers; a failure to write them fails the step. */
async function markFirst(s: HostStep, ev: StepStartEvent, h: HostState, env: StepEnv): Promise<StepResult | undefined> {
  const started = Date.now();
  const rec = newRecorder('run');
  const ctl = new AbortController();
  try {
    await env.markPending!(h, s, hostContext(env, h, rec, ctl.signal, s.become));
    return undefined;
  } catch (err) {
    return failedResult(resultBase(h.name, s, ev.index, started, rec), s, toFailure(err, s.definedAt, rec.lastCommand), isConnectionError(err));
  }
}

/** The step's result on the host as one (for handlers): failed if an item failed, else changed if one changed. */
export function overall(results: readonly StepResult[]): StepResult {
  return (
    results.find((r) => r.status === 'unreachable' || (r.status === 'failed' && !r.ignored)) ??
    results.find((r) => r.status === 'changed') ??
    results[0]!
  );
}
