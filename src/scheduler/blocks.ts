/**
 * block/rescue/always on each host, as Ansible runs them: a failure in a block's steps sends that
 * host to the rescue instead of out of the play; `always` runs whether or not; when the block
 * ends, a host whose rescue succeeded goes on and is counted `rescued` (its failure is no longer
 * counted as failed), any other that failed in the block leaves the play.
 */
import type { Step } from '../dsl/types';
import type { HostState } from '../lifecycle/types';
import type { HostStats, StepResult } from '../results/results';

interface HostInBlock {
  failedAt?: string;
  rescueFailed?: boolean;
}

export class Blocks {
  /** `${host}\0${block}` → how the host is doing in that block. */
  private readonly state = new Map<string, HostInBlock>();

  private of(host: string, block: string): HostInBlock {
    const key = `${host}\0${block}`;
    let s = this.state.get(key);
    if (!s) this.state.set(key, (s = {}));
    return s;
  }

  /** A failed result in a block's steps or rescue is held until the block ends; true when held. */
  hold(s: Step, r: StepResult): boolean {
    if (!s.block || s.block.section === 'always' || r.status !== 'failed' || r.ignored) return false;
    const st = this.of(r.host, s.block.name);
    if (s.block.section === 'steps') st.failedAt = r.step;
    else st.rescueFailed = true;
    return true;
  }

  /** Whether the step runs on this host as far as its block is concerned. */
  eligible(s: Step, host: string): boolean {
    if (!s.block) return true;
    const st = this.state.get(`${host}\0${s.block.name}`);
    if (s.block.section === 'steps') return st?.failedAt === undefined;
    if (s.block.section === 'rescue') return st?.failedAt !== undefined && !st.rescueFailed;
    return true;
  }

  /** The block is over on these hosts: rescued ones go on, the others that failed in it leave the play. */
  finish(block: string, hasRescue: boolean, hosts: readonly HostState[], stats: Record<string, HostStats>): void {
    for (const h of hosts) {
      const st = this.state.get(`${h.name}\0${block}`);
      this.state.delete(`${h.name}\0${block}`);
      if (st?.failedAt === undefined || h.out) continue;
      if (hasRescue && !st.rescueFailed) {
        stats[h.name]!.rescued += 1;
        stats[h.name]!.failed -= 1; // Ansible's recap: a rescued failure is not a failure
      } else h.out = { step: st.failedAt, kind: 'failed' };
    }
  }
}

/** True when `steps[i]` is the last selected step of its block. */
export function endsBlock(steps: readonly Step[], i: number): boolean {
  const b = steps[i]?.block;
  return b !== undefined && steps[i + 1]?.block?.name !== b.name;
}
