/**
 * loop(): Ansible's `loop` with `loop_control.label`. The items may be known only at run time (a
 * function of the host); each item gets its own when → check → run → verify and its own result
 * `<name> (<label>)`; a failed item fails the step on that host after the other items ran.
 */
import { PlaybookError } from '../errors';
import { callerLocation, type CallerLocation } from '../util/stack';
import { registerName, step } from './step';
import type { HostContext, HostStep, HostStepOptions, LoopItemResult, LoopSpec, RegisterKey, StepCommon, Unchanged, Vars } from './types';

/** loop()'s options: step()'s, with the item as the functions' second argument; `timeout` and `retries` count per item. */
export interface LoopOptions<V extends object = Vars, I = unknown, R = unknown> extends StepCommon<V> {
  /** The items: a list, or a function of the host evaluated when the step starts (read-only: it also runs under --check). */
  items: readonly I[] | ((h: HostContext<V>) => readonly I[] | Promise<readonly I[]>);
  /** How an item is shown in output and reports (loop_control.label); default: the item itself, or the operation's name with `each`. */
  label?: (item: I, index: number) => string;
  /** Skip this item on this host unless it returns true (evaluated per item, as Ansible's `when` in a loop). */
  when?: (h: HostContext<V>, item: I) => boolean | Promise<boolean>;
  /** Read-only: does the desired state already hold for this item? */
  check?: (h: HostContext<V>, item: I) => boolean | Promise<boolean>;
  /** Makes the change for this item; its value is the item's `value` in what the step registers. */
  run?: (h: HostContext<V>, item: I) => R | Unchanged<R> | Promise<R | Unchanged<R>>;
  /** Read-only: holds now for this item? */
  verify?: (h: HostContext<V>, item: I) => void | boolean | Promise<void | boolean>;
  /** Instead of check/run/verify: the step each item runs, e.g. `(site) => ops.directory({ path: site.root })`. */
  each?: (item: I, index: number) => HostStep<V>;
  settle?: number;
  readOnly?: boolean;
  retries?: number;
  delay?: number;
  until?(value: R, h: HostContext<V>, item: I): boolean | Promise<boolean>;
  become?: boolean | string;
  runOnce?: boolean;
  /** Registers the list of per-item results (item, label, status, value), Ansible's `results`. */
  register?: string | RegisterKey<LoopItemResult<I, R>[]>;
  /** Handlers to run when any item changed something. */
  notify?: string | readonly string[];
}

const LOOP_KEYS = new Set([
  'name', 'hosts', 'tags', 'timeout', 'risk', 'ignoreErrors', 'items', 'label', 'when', 'check', 'run', 'verify', 'each',
  'settle', 'readOnly', 'retries', 'delay', 'until', 'become', 'runOnce', 'register', 'notify', 'definedAt', 'usedAt',
]);
const PER_ITEM = ['when', 'check', 'run', 'verify', 'until'] as const;

function located(message: string, at: CallerLocation): PlaybookError {
  const m = at.definedAt ? /^(.*):(\d+)$/.exec(at.definedAt) : null;
  return new PlaybookError(at.usedAt ? `${message} (used at ${at.usedAt})` : message, m ? { file: m[1]!, line: Number(m[2]) } : {});
}

/** A short label for an item: strings and numbers as they are, anything else as compact JSON. */
export function defaultLabel(item: unknown): string {
  if (typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean') return String(item);
  let text: string;
  try {
    text = JSON.stringify(item) ?? String(item);
  } catch {
    text = String(item);
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

function validate(o: Record<string, unknown>, at: CallerLocation): void {
  if (typeof o.name !== 'string' || o.name.trim() === '') throw located('a loop needs a non-empty `name`', at);
  const label = `loop "${o.name}"`;
  for (const k of Object.keys(o)) if (!LOOP_KEYS.has(k)) throw located(`${label}: unknown option \`${k}\` (allowed: ${[...LOOP_KEYS].join(', ')})`, at);
  if (!Array.isArray(o.items) && typeof o.items !== 'function') throw located(`${label}: \`items\` must be a list or a function of the host returning one`, at);
  for (const fn of [...PER_ITEM, 'label', 'each']) {
    if (o[fn] !== undefined && typeof o[fn] !== 'function') throw located(`${label}: \`${fn}\` must be a function`, at);
  }
  if (o.each !== undefined && ['check', 'run', 'verify', 'until', 'settle', 'readOnly'].some((k) => o[k] !== undefined)) {
    throw located(`${label}: give \`each\` (a step per item) or check/run/verify, not both`, at);
  }
  if (o.each === undefined && o.run === undefined && o.verify === undefined) throw located(`${label}: a loop needs \`run\`, \`verify\` or \`each\``, at);
  if (o.notify !== undefined && o.run === undefined && o.each === undefined) throw located(`${label}: \`notify\` needs \`run\` or \`each\` (only a change notifies)`, at);
}

/** The item step of a loop with its own check/run/verify: the loop's functions bound to the item. */
function boundStep<V extends object, I, R>(o: LoopOptions<V, I, R>, item: I, name: string, where: CallerLocation): HostStep<V> {
  const { items: _i, label: _l, each: _e, register: _r, notify: _n, runOnce: _o, hosts: _h, tags: _t, when, check, run, verify, until, ...rest } = o;
  const opts: HostStepOptions<V, R> = { ...rest, name, ...where };
  if (when) opts.when = (h) => when(h, item);
  if (check) opts.check = (h) => check(h, item);
  if (run) opts.run = (h) => run(h, item);
  if (verify) opts.verify = (h) => verify(h, item);
  if (until) opts.until = (v, h) => until.call(o, v, h, item);
  return step(opts) as HostStep<V>;
}

/** The item step of a loop with `each`: the operation's step under the item's name, with the loop's when, timeout and become. */
function eachStep<V extends object, I>(o: LoopOptions<V, I>, item: I, index: number, where: CallerLocation): { step: HostStep<V>; opName: string } {
  const made = o.each!(item, index);
  if (!made || made.kind !== 'host' || made.loop || made.meta) {
    throw located(`loop "${o.name}": \`each\` must return a host step (an operation or step()), got ${made === null ? 'null' : typeof made}`, where);
  }
  const when = o.when;
  const own = made.when;
  const both = when && own ? async (h: HostContext<V>) => (await when(h, item)) && (await own(h)) : when ? (h: HostContext<V>) => when(h, item) : own;
  const { register: _r, notify: _n, runOnce: _o, hosts: _h, tags: _t, when: _w, ...rest } = made;
  const s: HostStep<V> = {
    ...rest,
    ...(both ? { when: both } : {}),
    ...(o.timeout !== undefined && made.timeout === undefined ? { timeout: o.timeout } : {}),
    ...(o.become !== undefined && made.become === undefined ? { become: o.become } : {}),
    ...(o.ignoreErrors ? { ignoreErrors: true } : {}),
    ...(o.risk && !made.risk ? { risk: o.risk } : {}),
    kind: 'host',
    name: made.name,
  };
  return { step: s, opName: made.name };
}

/** A step over a list: one check → run → verify and one result per item. */
export function loop<V extends object = Vars, I = unknown, R = unknown>(opts: LoopOptions<V, I, R>): HostStep<V, LoopItemResult<I, R>[]> {
  const at: CallerLocation = opts?.definedAt !== undefined ? { definedAt: opts.definedAt, ...(opts.usedAt ? { usedAt: opts.usedAt } : {}) } : callerLocation();
  if (!opts || typeof opts !== 'object') throw located('loop() needs an options object', at);
  validate(opts as unknown as Record<string, unknown>, at);
  const reg = registerName(`loop "${opts.name}"`, opts.register, at);
  const notify = opts.notify === undefined ? [] : typeof opts.notify === 'string' ? [opts.notify] : opts.notify;
  if (!Array.isArray(notify) || notify.some((n) => typeof n !== 'string' || n === '')) throw located(`loop "${opts.name}": \`notify\` must be a handler name or a list of them`, at);
  const spec: LoopSpec<V> = {
    items: opts.items as LoopSpec<V>['items'],
    each: (item: I, i: number) => {
      if (opts.each) {
        const { step: s, opName } = eachStep(opts, item, i, at);
        const label = opts.label ? String(opts.label(item, i)) : opName;
        return { step: Object.freeze({ ...s, name: `${opts.name} (${label})` }), label };
      }
      const label = opts.label ? String(opts.label(item, i)) : defaultLabel(item);
      return { step: boundStep(opts, item, `${opts.name} (${label})`, at), label };
    },
  };
  return Object.freeze({
    kind: 'host' as const,
    name: opts.name,
    loop: spec,
    ...(opts.hosts !== undefined ? { hosts: opts.hosts } : {}),
    ...(opts.tags !== undefined ? { tags: opts.tags } : {}),
    ...(opts.risk !== undefined ? { risk: opts.risk } : {}),
    ...(opts.ignoreErrors ? { ignoreErrors: true } : {}),
    ...(opts.become !== undefined ? { become: opts.become } : {}),
    ...(opts.runOnce ? { runOnce: true } : {}),
    ...(reg !== undefined ? { register: reg } : {}),
    ...(notify.length > 0 ? { notify } : {}),
    ...at,
  }) as HostStep<V, LoopItemResult<I, R>[]>;
}
