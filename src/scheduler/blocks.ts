/**
 * block/rescue/always on each host, as Ansible runs them: a failure in a block's steps sends that
 * host to the rescue instead of out of the play; `always` runs whether or not; when the block
 * ends, a host whose rescue succeeded goes on and is counted `rescued` (its failure is no longer
 * counted as failed), any other that failed in the block leaves the play.
 */
import type { BlockPosition, Step } from '../dsl/types';
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

  /** Marks a failure at the innermost block level it counts in (a failure in an `always` counts in the enclosing block). */
  private mark(host: string, from: BlockPosition | undefined, step: string): boolean {
    for (let p = from; p; p = p.parent) {
      if (p.section === 'always') continue;
      const st = this.of(host, p.name);
      if (p.section === 'steps') st.failedAt ??= step;
      else st.rescueFailed = true;
      return true;
    }
    return false;
  }

  /** A failed result in a block's steps or rescue is held until the block ends; true when held. */
  hold(s: Step, r: StepResult): boolean {
    if (!s.block || r.status !== 'failed' || r.ignored) return false;
    return this.mark(r.host, s.block, r.step);
  }

  /** Whether the step runs on this host as far as its blocks (the one it is in and those around it) are concerned. */
  eligible(s: Step, host: string): boolean {
    for (let p = s.block; p; p = p.parent) {
      const st = this.state.get(`${host}\0${p.name}`);
      if (p.section === 'steps' && st?.failedAt !== undefined) return false;
      if (p.section === 'rescue' && (st?.failedAt === undefined || st.rescueFailed)) return false;
    }
    return true;
  }

  /**
   * The block is over on these hosts: rescued ones go on; one that failed in it without a rescue
   * that held fails in the enclosing block (Ansible's nesting), or leaves the play when there is none.
   */
  finish(block: BlockPosition, hosts: readonly HostState[], stats: Record<string, HostStats>): void {
    for (const h of hosts) {
      const st = this.state.get(`${h.name}\0${block.name}`);
      this.state.delete(`${h.name}\0${block.name}`);
      if (st?.failedAt === undefined || h.out) continue;
      if (block.hasRescue && !st.rescueFailed) {
        stats[h.name]!.rescued += 1;
        stats[h.name]!.failed -= 1; // Ansible's recap: a rescued failure is not a failure
      } else if (!this.mark(h.name, block.parent, st.failedAt)) h.out = { step: st.failedAt, kind: 'failed' };
    }
  }
}

/** The blocks that end at `steps[i]` (it is their last selected step), innermost first. */
export function endingBlocks(steps: readonly Step[], i: number): BlockPosition[] {
  const next = new Set<string>();
  for (let p = steps[i + 1]?.block; p; p = p.parent) next.add(p.name);
  const out: BlockPosition[] = [];
  for (let p = steps[i]?.block; p; p = p.parent) if (!next.has(p.name)) out.push(p);
  return out;
}
