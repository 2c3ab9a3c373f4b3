/**
 * reboot(): Ansible's `reboot`. Reboots the host, waits until it answers again with a new boot id
 * (the connection is dropped and re-established through h.reconnect()), and verifies the boot id
 * changed. A reboot is a risky step: it is labelled `risk: 'reboot'` and refuses to run unless
 * the run opted in (`-e allow_reboot=yes` by default), before anything changed.
 */
import { StepFailure, isStepFailure } from '../errors';
import { sh, type Command } from '../dsl/command';
import { expectThat } from '../dsl/expect';
import type { HostContext, HostStep, Vars } from '../dsl/types';
import { bootId } from '../facts/system';
import { sleep } from '../util/async';
import { checkKeys, opError, opStep, type OpOptions } from './common';

export interface RebootOptions<V extends object = Vars> extends OpOptions<V> {
  /** Seconds to wait for the host to answer with a new boot id (default 600, like Ansible's reboot_timeout). */
  rebootTimeout?: number;
  /** The var that opts in to the reboot (default `allow_reboot`): the step refuses unless it is yes/true/1/on. */
  optIn?: string;
  /** Why: logged by the host's shutdown (`systemctl reboot --message`) and shown in the step name. */
  reason?: string;
}

/** Seconds between the reboot command returning and the reboot starting, so the command's exit status reaches us. */
const REBOOT_DELAY_S = 1;
/** Pause between boot id reads while the host has not gone down yet. */
const POLL_MS = 1000;

const TRUTHY = ['yes', 'true', '1', 'on'];

/** True when the var is true or a yes-like string (the way `-e fw_reset=yes` opts in). */
export function optedIn(vars: Readonly<Vars>, name: string): boolean {
  const v = vars[name];
  return v === true || v === 1 || (typeof v === 'string' && TRUTHY.includes(v.trim().toLowerCase()));
}

/** Why this host may not be rebooted now, or undefined when it may. */
export function rebootRefusal(name: string, vars: Readonly<Vars>, optIn: string): string | undefined {
  if (optedIn(vars, optIn)) return undefined;
  const seen = vars[optIn] === undefined ? 'not set' : `is ${JSON.stringify(vars[optIn])}`;
  return `refusing to reboot ${name}: a reboot needs the explicit opt-in -e ${optIn}=yes (${optIn} ${seen}); nothing was changed`;
}

/**
 * The command that reboots: detached and delayed, so it exits 0 before the host drops the
 * connection; systemctl first, `shutdown -r` where systemd is missing.
 */
export function rebootCommand(reason?: string): Command {
  const msg = reason ?? 'Reboot initiated by Marshal';
  const inner = `sleep ${REBOOT_DELAY_S}; systemctl reboot --message=${sh`${msg}`.text} || shutdown -r now ${sh`${msg}`.text}`;
  return sh`nohup sh -c ${inner} >/dev/null 2>&1 </dev/null &`;
}

/** Reboots `h` and waits for a new boot id; returns the ids and the seconds it took. */
export async function rebootAndWait(h: HostContext, timeoutS: number, reason?: string): Promise<{ before: string; after: string; seconds: number }> {
  const before = await h.fact(bootId);
  const started = Date.now();
  try {
    await h.run(rebootCommand(reason));
  } catch (err) {
    // the host may drop the connection before the exit status arrives: that is the reboot, not a failure
    if (!isStepFailure(err) || err.kind !== 'connection-lost') throw err;
  }
  const deadline = started + timeoutS * 1000;
  for (;;) {
    await sleep(POLL_MS);
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    await h.reconnect({ timeout: left });
    try {
      const after = await h.fact(bootId);
      if (after !== before) {
        h.facts.invalidate();
        return { before, after, seconds: Math.round((Date.now() - started) / 100) / 10 };
      }
    } catch (err) {
      if (!isStepFailure(err) || err.kind !== 'connection-lost') throw err; // the host went down while we read: wait for it again
    }
    if (Date.now() >= deadline) {
      throw new StepFailure('error', `${h.name} still has boot id ${before} after ${timeoutS}s: the reboot did not happen`, { expected: 'a new boot id', seen: before });
    }
  }
}

/**
 * Reboots the host and waits until it answers with a new boot id (at most `rebootTimeout`
 * seconds), then verifies the boot id changed. Runs every time it is reached (use `when` to
 * reboot only when needed); under --check it is a predicted change; without the opt-in var it
 * fails at its check, before anything changed. Every cached fact of the host is forgotten.
 */
export function reboot<V extends object = Vars>(opts: RebootOptions<V> = {}): HostStep<V> {
  const o = checkKeys('reboot()', opts, ['rebootTimeout', 'optIn', 'reason'], []);
  const timeoutS = o.rebootTimeout ?? 600;
  if (typeof timeoutS !== 'number' || !Number.isFinite(timeoutS) || timeoutS <= 0) throw opError('reboot()', `\`rebootTimeout\` must be a positive number of seconds, got ${JSON.stringify(timeoutS)}`);
  const optIn = o.optIn ?? 'allow_reboot';
  if (typeof optIn !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(optIn)) throw opError('reboot()', `\`optIn\` must be a var name such as 'allow_reboot', got ${JSON.stringify(optIn)}`);
  const reason = o.reason === undefined ? undefined : String(o.reason);
  if (reason !== undefined && (reason.length > 200 || /[\n\0]/.test(reason))) throw opError('reboot()', '`reason` must be one line of at most 200 characters');
  const before = new Map<string, string>();
  return opStep<V>({ risk: 'reboot', ...o }, `reboot${reason ? ` (${reason})` : ''}`, {
    check: (h) => {
      const refusal = rebootRefusal(h.name, h.vars as Vars, optIn);
      if (refusal && !h.checkMode) throw new StepFailure('error', refusal);
      if (refusal) h.note(`would be refused: no -e ${optIn}=yes`);
      return false;
    },
    run: async (h) => {
      const r = await rebootAndWait(h as HostContext, timeoutS, reason);
      before.set(h.name, r.before);
      h.note(`rebooted in ${r.seconds}s: boot id ${r.before} → ${r.after}`);
      return r;
    },
    verify: async (h) => {
      const now = await h.facts.refresh(bootId);
      expectThat(now !== before.get(h.name), 'a new boot id in /proc/sys/kernel/random/boot_id', now);
    },
  });
}
