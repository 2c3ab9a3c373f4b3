/** A step over groups of hosts (e.g. each source/destination pair), run once per group. */
import { StepFailure, isConnectionError } from '../errors';
import { isUnchanged } from '../dsl/step';
import { groupLabel } from '../dsl/group';
import type { AcrossStep, HostContext, HostGroupView } from '../dsl/types';
import type { StepStartEvent } from '../report/types';
import { failedResult, noneGathered, resultBase } from '../results/records';
import type { Failure, StepResult } from '../results/results';
import { forEachLimit } from '../util/async';
import type { StepRecorder } from './context';
import { toFailure } from './failure';
import { hostContext, newRecorder } from './host-step';
import type { HostState, StepEnv } from './types';

export interface AcrossRun {
  s: AcrossStep;
  ev: StepStartEvent;
  env: StepEnv;
  forks: number;
  /** Records a result (and takes a failed host out of the play). */
  emit(r: StepResult): void;
}

/** Hosts by group key; a live host without a key fails the step (it cannot be matched). */
function groupMembers(a: AcrossRun, members: readonly HostState[]): Map<string, HostState[]> {
  const groups = new Map<string, HostState[]>();
  for (const h of members) {
    const key = a.s.across === 'all' ? 'all' : a.s.across(h);
    if (key === undefined) {
      if (!h.out) {
        const label = groupLabel(a.s.across);
        const message = label === 'groups' ? `host has no group key for "${a.s.name}"` : `host has no \`${label}\` var, so it cannot be grouped with its partners for "${a.s.name}"`;
        a.emit(failedResult(resultBase(h.name, a.s, a.ev.index, Date.now(), noneGathered()), a.s, { kind: 'error', message }));
      }
      continue;
    }
    groups.set(key, [...(groups.get(key) ?? []), h]);
  }
  return groups;
}

function groupView(key: string, ctxs: HostContext[]): HostGroupView {
  return {
    key,
    hosts: ctxs,
    one(groupName) {
      const found = ctxs.filter((c) => c.groups.includes(groupName));
      if (found.length !== 1) {
        throw new StepFailure('error', `group "${key}" has ${found.length} hosts in "${groupName}" (${found.map((c) => c.name).join(', ') || 'none'}); expected exactly one`);
      }
      return found[0]!;
    },
  };
}

/** run then verify over the group; under --check the run is skipped (it is not read-only). */
async function runGroup(a: AcrossRun, view: HostGroupView): Promise<'ok' | 'changed' | 'skipped'> {
  let status: 'ok' | 'changed' | 'skipped' = 'ok';
  if (a.s.run && a.env.checkMode) status = 'skipped';
  else if (a.s.run) status = isUnchanged(await a.s.run(view)) ? 'ok' : 'changed';
  if (a.s.verify && status !== 'skipped') {
    if ((await a.s.verify(view)) === false) throw new StepFailure('verify', 'verify returned false');
  }
  return status;
}

async function acrossGroup(a: AcrossRun, key: string, group: HostState[]): Promise<void> {
  const live = group.filter((h) => !h.out);
  if (live.length === 0) return;
  const started = Date.now();
  const gone = group.filter((h) => h.out);
  if (gone.length > 0) {
    // nothing changes on half of a group: the others stop here too
    const why = gone.map((g) => `${g.name} ${g.out!.kind === 'unreachable' ? 'was unreachable' : 'failed'} at "${g.out!.step}"`).join('; ');
    for (const h of live) a.emit(failedResult(resultBase(h.name, a.s, a.ev.index, started, noneGathered()), a.s, { kind: 'verify', message: `not continuing without its partner: ${why}` }));
    return;
  }
  const recs = new Map<string, StepRecorder>(live.map((h) => [h.name, newRecorder('across')]));
  const ctl = new AbortController();
  const view = groupView(key, live.map((h) => hostContext(a.env, h, recs.get(h.name)!, ctl.signal)));
  for (const h of live) a.env.hostStart(h.name, a.ev);
  let status: 'ok' | 'changed' | 'skipped' = 'ok';
  let failure: Failure | undefined;
  let unreachable = false;
  try {
    status = await runGroup(a, view);
  } catch (err) {
    const last = [...recs.values()].map((r) => r.lastCommand).filter(Boolean).pop();
    failure = toFailure(err, a.s.definedAt, last);
    unreachable = isConnectionError(err);
  }
  for (const h of live) {
    const base = resultBase(h.name, a.s, a.ev.index, started, recs.get(h.name)!);
    if (failure) {
      const peers = live.length > 1 ? ` [${live.map((x) => x.name).join(' ↔ ')}]` : '';
      a.emit(failedResult(base, a.s, { ...failure, message: `${failure.message}${peers}` }, unreachable));
    } else if (status === 'skipped') a.emit({ ...base, status: 'skipped', reason: 'check mode: across-step run is not executed' });
    else a.emit({ ...base, status });
  }
}

/** Runs the step once per group of `members`, groups in parallel (bounded by forks). */
export async function runAcross(a: AcrossRun, members: readonly HostState[]): Promise<void> {
  const groups = groupMembers(a, members);
  await forEachLimit([...groups.entries()], a.forks, ([key, group]) => acrossGroup(a, key, group));
}
