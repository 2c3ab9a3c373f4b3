/**
 * A summary per group of hosts (the playbook's `summaryBy`, e.g. byVar('rack')): where each group
 * stands after the run, so a rerun of a partly failed or interrupted rolling run can be read per group.
 */
import type { StepResult } from './results';

export type GroupStatus = 'ok' | 'failed' | 'unreachable' | 'incomplete' | 'not run';

/** One group's outcome: the JSON report's `groupSummary.groups[]` and a console line after the recap. */
export interface GroupOutcome {
  /** The grouping key's value (a host without one is a group of its own, keyed by its name). */
  readonly key: string;
  readonly hosts: readonly string[];
  /**
   * ok: no host failed and the play reached its end for the group; failed / unreachable: a host
   * of the group did; incomplete: the run stopped (interrupt, abort) before the group's last step;
   * not run: no host of the group got to any step (a later batch of an aborted rolling run).
   */
  readonly status: GroupStatus;
  /** Steps that changed something, summed over the group's hosts. */
  readonly changed: number;
  /** The first step at which a host of the group failed: 1-based in the play (0: a handler), its tags, each failing host's message. */
  readonly failedAt?: {
    readonly step: string;
    readonly number: number;
    readonly tags: readonly string[];
    readonly failures: readonly { readonly host: string; readonly message: string }[];
  };
  /** The outcome in words: the playbook's `summaryBy.describe`, else the default wording. */
  readonly text: string;
}

export interface GroupSummary {
  /** What the groups are keyed by (the GroupKey's label, e.g. the var's name). */
  readonly by: string;
  readonly groups: readonly GroupOutcome[];
}

export interface GroupSummaryInput {
  by: string;
  /** Target hosts in inventory order, each with its group key. */
  hosts: readonly { name: string; key: string | undefined }[];
  results: readonly StepResult[];
  /** The tags of the step with this name ([] for handlers). */
  tagsOf: (step: string) => readonly string[];
  /** The play's last step, which a host that went all the way has a result for. */
  lastStep: string | undefined;
  /** The run stopped before its end (interrupt, any_errors_fatal, max_fail_percentage). */
  stopped: boolean;
  describe?: (o: Omit<GroupOutcome, 'text'>) => string;
}

const isFailure = (r: StepResult) => (r.status === 'failed' && !r.ignored) || r.status === 'unreachable';

/** The default wording: `ok (3 changed)`, `failed at step 5 (name): host: message; ...`, `not run`. */
export function describeGroupOutcome(o: Omit<GroupOutcome, 'text'>): string {
  switch (o.status) {
    case 'ok':
      return `ok (${o.changed} changed)`;
    case 'failed':
    case 'unreachable': {
      const f = o.failedAt!;
      return `${o.status} at ${f.number > 0 ? `step ${f.number}` : 'a handler'} (${f.step}): ${f.failures.map((x) => `${x.host}: ${x.message}`).join('; ')}`;
    }
    case 'incomplete':
      return 'incomplete: the run stopped before the end of the play for this group (run it again to continue)';
    case 'not run':
      return 'not run (the run stopped before its batch)';
  }
}

function outcomeOf(key: string, hosts: string[], results: StepResult[], i: GroupSummaryInput): Omit<GroupOutcome, 'text'> {
  const changed = results.filter((r) => r.status === 'changed').length;
  const first = results.find(isFailure);
  if (first) {
    const at = results.filter((r) => isFailure(r) && r.step === first.step);
    const failures = at.map((r) => ({ host: r.host, message: (r as Extract<StepResult, { failure: unknown }>).failure.message }));
    const status = at.every((r) => r.status === 'unreachable') ? 'unreachable' : 'failed';
    return { key, hosts, status, changed, failedAt: { step: first.step, number: first.stepIndex + 1, tags: [...i.tagsOf(first.step)], failures } };
  }
  if (results.length === 0) return { key, hosts, status: 'not run', changed };
  const reachedEnd = i.lastStep === undefined || hosts.every((h) => results.some((r) => r.host === h && r.step === i.lastStep));
  return { key, hosts, status: i.stopped && !reachedEnd ? 'incomplete' : 'ok', changed };
}

/** Groups in the order their first host appears in the inventory. */
export function summarizeGroups(i: GroupSummaryInput): GroupSummary {
  const members = new Map<string, string[]>();
  for (const h of i.hosts) {
    const k = h.key ?? h.name;
    members.set(k, [...(members.get(k) ?? []), h.name]);
  }
  const groups = [...members].map(([key, hosts]) => {
    const o = outcomeOf(
      key,
      hosts,
      i.results.filter((r) => hosts.includes(r.host)),
      i,
    );
    return { ...o, text: (i.describe ?? describeGroupOutcome)(o) };
  });
  return { by: i.by, groups };
}
