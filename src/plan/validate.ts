/** What must hold before a plan runs: hosts to run on, required vars, usable connection vars. */
import { UsageError, isUsageError } from '../errors';
import type { Vars } from '../dsl/types';
import type { Plan } from './plan';

export interface ValidateOptions {
  /** Validates a host's connection vars (throws UsageError), so a bad port fails before anything runs. */
  checkHost?: (host: string, vars: Vars) => void;
  /** Masks secrets in the messages (a bad value may be a password). */
  mask?: (text: string) => string;
  limit?: string;
}

function isMissing(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}

/** Throws one UsageError listing every problem, so a user fixes them in one go. */
export function validatePlan(plan: Plan, o: ValidateOptions = {}): void {
  const pb = plan.playbook;
  if (plan.hosts.length === 0) {
    const shard = plan.shard ? ` in --shard ${plan.shard.index}/${plan.shard.count} (fewer groups of hosts than shards: use a smaller N)` : '';
    throw new UsageError(`no hosts matched: playbook hosts "${pb.hosts}"${o.limit ? ` with --limit "${o.limit}"` : ''}${shard}`);
  }
  const missing: string[] = [];
  for (const h of plan.host.values()) {
    const byGroup = h.groups.flatMap((g) => (pb.requiresIn?.[g] ?? []).map((v) => [v, ` (required in group ${g})`] as const));
    const reqs = new Map([...byGroup, ...pb.requires.map((v) => [v, ''] as const)]);
    for (const [req, why] of reqs) if (isMissing(h.vars[req])) missing.push(`${h.name}: ${req}${why}`);
  }
  if (missing.length > 0) {
    throw new UsageError(`required vars missing (set them in the inventory or with -e):\n  ${missing.join('\n  ')}`);
  }
  if (!o.checkHost) return;
  const mask = o.mask ?? ((t: string) => t);
  const bad: string[] = [];
  for (const h of plan.host.values()) {
    try {
      o.checkHost(h.name, h.vars);
    } catch (err) {
      if (!(isUsageError(err))) throw err;
      bad.push(mask(err.message));
    }
  }
  if (bad.length > 0) throw new UsageError(`bad connection vars in the inventory:\n  ${bad.join('\n  ')}`);
}
