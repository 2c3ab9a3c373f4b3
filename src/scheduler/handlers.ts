/**
 * Handlers: a step that changed something on a host notifies handlers by name; each runs once
 * per host at the end of the batch (or at a flushHandlers() step), in declaration order, only on
 * hosts where a notifier changed. Beyond Ansible, the notification is written on the host
 * (~/.marshal/pending-handlers) before the notifying change is made and removed once the handler
 * ran, so a run that dies in between (Ctrl-C, a crash, a failed host) runs it next time.
 */
import { createHash } from 'node:crypto';
import { raw } from '../dsl/command';
import type { HostContext, HostStep, Playbook } from '../dsl/types';
import type { HostState, StepEnv } from '../lifecycle/types';
import type { StepResult } from '../results/results';

/** The one directory of notification markers, in the connecting user's home. */
const DIR = '"$HOME/.marshal/pending-handlers"';

function notified(s: HostStep): readonly string[] {
  return s.notify === undefined ? [] : typeof s.notify === 'string' ? [s.notify] : s.notify;
}

export class Handlers {
  /** Handler name → marker file name: hex only, so it is safe in a command line as it is. */
  private readonly ids = new Map<string, string>();
  /** Host → handlers pending on it (from this run or an earlier one). */
  private readonly pending = new Map<string, Set<string>>();
  /** Host → handlers a step marked just now that were not pending before (cleared if it changed nothing). */
  private readonly fresh = new Map<string, Set<string>>();

  constructor(
    private readonly pb: Playbook<any>,
    private readonly env: StepEnv,
  ) {
    for (const h of pb.handlers) this.ids.set(h.name, createHash('sha256').update(`${pb.name}\0${h.name}`).digest('hex').slice(0, 20));
  }

  get any(): boolean {
    return this.pb.handlers.length > 0;
  }

  private set(map: Map<string, Set<string>>, host: string): Set<string> {
    let s = map.get(host);
    if (!s) map.set(host, (s = new Set()));
    return s;
  }

  private files(names: Iterable<string>): string {
    return [...names].map((n) => `${DIR}/${this.ids.get(n)!}`).join(' ');
  }

  /** Reads what an earlier run left pending on the host (read-only; a host that cannot be reached fails at its first step). */
  async load(h: HostState): Promise<string[]> {
    if (!this.any) return [];
    try {
      const conn = await this.env.connect(h.name, h.vars);
      const res = await conn.exec(`cd ${DIR} 2>/dev/null && ls -1 2>/dev/null; true`);
      const byId = new Map([...this.ids].map(([name, id]) => [id, name]));
      const found = res.stdout.split('\n').map((l) => byId.get(l.trim())).filter((n): n is string => n !== undefined);
      for (const n of found) this.set(this.pending, h.name).add(n);
      return found;
    } catch {
      return [];
    }
  }

  /** Before a notifying step's run: the markers go on the host first (recorded as the step's command). */
  mark = async (h: HostState, s: HostStep, ctx: HostContext): Promise<void> => {
    const names = notified(s).filter((n) => !this.pending.get(h.name)?.has(n));
    if (names.length === 0) return;
    await ctx.run(raw(`mkdir -p ${DIR} && touch ${this.files(names)}`));
    for (const n of names) this.set(this.fresh, h.name).add(n);
  };

  /** After a step on a host: a change notifies; nothing changed takes back the markers it wrote. */
  async after(s: HostStep, r: StepResult, h: HostState): Promise<void> {
    const names = notified(s);
    if (names.length === 0) return;
    const fresh = this.fresh.get(h.name);
    this.fresh.delete(h.name);
    if (r.status === 'changed') for (const n of names) this.set(this.pending, h.name).add(n);
    else if ((r.status === 'ok' || r.status === 'skipped') && fresh?.size) await this.clear(h, fresh);
  }

  /** Hosts of `hosts` on which `handler` is pending. */
  due(handler: string, hosts: readonly HostState[]): HostState[] {
    return hosts.filter((h) => !h.out && this.pending.get(h.name)?.has(handler));
  }

  /** A handler ran on the host: it is no longer pending (its marker is removed, except under --check). */
  async done(handler: string, h: HostState): Promise<void> {
    this.pending.get(h.name)?.delete(handler);
    if (!this.env.checkMode) await this.clear(h, [handler]);
  }

  private async clear(h: HostState, names: Iterable<string>): Promise<void> {
    try {
      const conn = await this.env.connect(h.name, h.vars);
      await conn.exec(`rm -f ${this.files(names)}`);
    } catch {
      // the marker stays: the handler runs once more next time, which is the safe side
    }
  }
}
