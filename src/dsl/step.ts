/** step() and across(): validate a step's shape where it is written, and remember where. */
import { PlaybookError } from '../errors';
import { callerLocation, type CallerLocation } from '../util/stack';
import type { AcrossStep, AcrossStepOptions, HostStep, HostStepOptions, RegisterKey, Unchanged, Vars } from './types';

/** At the step() call; for a step made by a library, also the playbook line that used it. */
function located(message: string, here: CallerLocation): PlaybookError {
  const m = here.definedAt ? /^(.*):(\d+)$/.exec(here.definedAt) : null;
  const text = here.usedAt ? `${message} (used at ${here.usedAt})` : message;
  return new PlaybookError(text, m ? { file: m[1]!, line: Number(m[2]) } : {});
}

function whereDefined(given: string | undefined): CallerLocation {
  return given !== undefined ? { definedAt: given } : callerLocation();
}

const COMMON_KEYS = ['name', 'hosts', 'tags', 'timeout', 'risk', 'ignoreErrors'];
const HOST_KEYS = new Set([
  ...COMMON_KEYS,
  'when', 'check', 'run', 'verify', 'settle', 'readOnly', 'retries', 'delay', 'until', 'become', 'runOnce', 'register', 'notify',
]);
const ACROSS_KEYS = new Set([...COMMON_KEYS, 'across', 'run', 'verify']);

function validateCommon(opts: Record<string, unknown>, at: CallerLocation, allowed: Set<string>): void {
  if (typeof opts.name !== 'string' || opts.name.trim() === '') throw located('a step needs a non-empty `name`', at);
  const label = `step "${opts.name}"`;
  for (const key of Object.keys(opts)) {
    // an Ansible habit: `loop:` on a task
    if (key === 'loop' || key === 'items') throw located(`${label}: a step over a list is loop({ name, items, run: (h, item) => ... }), not step({ ${key} })`, at);
    if (!allowed.has(key)) throw located(`${label}: unknown option \`${key}\` (allowed: ${[...allowed].join(', ')})`, at);
  }
  for (const fn of ['when', 'check', 'run', 'verify', 'until']) {
    if (opts[fn] !== undefined && typeof opts[fn] !== 'function') throw located(`${label}: \`${fn}\` must be a function`, at);
  }
  for (const num of ['timeout', 'retries', 'delay', 'settle']) {
    const v = opts[num];
    if (v !== undefined && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw located(`${label}: \`${num}\` must be a non-negative number, got ${JSON.stringify(v)}`, at);
    }
  }
  if (opts.tags !== undefined && (!Array.isArray(opts.tags) || opts.tags.some((t) => typeof t !== 'string'))) {
    throw located(`${label}: \`tags\` must be an array of strings`, at);
  }
  if (opts.risk !== undefined && (typeof opts.risk !== 'string' || !/^[a-z][a-z0-9-]*$/.test(opts.risk))) {
    throw located(`${label}: \`risk\` must be a lower-case label such as 'firmware' or 'reboot', got ${JSON.stringify(opts.risk)}`, at);
  }
  if (opts.run === undefined && opts.verify === undefined) {
    throw located(`${label}: a step needs \`run\` or \`verify\` (or both)`, at);
  }
}

/** A typed register name: `step({ register: version, ... })`, then `h.get(version)` has run's type. */
export function register<T>(name: string): RegisterKey<T> {
  if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) {
    throw located(`register(): the name must be an identifier such as 'version', got ${JSON.stringify(name)}`, callerLocation());
  }
  return Object.freeze({ kind: 'marshal.register' as const, name });
}

export function isRegisterKey(v: unknown): v is RegisterKey<unknown> {
  return typeof v === 'object' && v !== null && (v as RegisterKey<unknown>).kind === 'marshal.register' && typeof (v as RegisterKey<unknown>).name === 'string';
}

/** The register option as a name: a RegisterKey is stored by its name. */
export function registerName(label: string, r: unknown, at: CallerLocation): string | undefined {
  if (r === undefined || (typeof r === 'string' && r !== '')) return r;
  if (isRegisterKey(r)) return r.name;
  throw located(`${label}: \`register\` must be a name or a register('name') key, got ${JSON.stringify(r)}`, at);
}

/** A step run on each host: check → run → verify. */
export function step<V extends object = Vars, R = unknown>(opts: HostStepOptions<V, R>): HostStep<V, R> {
  const at = whereDefined(opts.definedAt);
  validateCommon(opts as unknown as Record<string, unknown>, at, new Set([...HOST_KEYS, 'definedAt', 'usedAt']));
  if (opts.check !== undefined && opts.run === undefined) {
    throw located(`step "${opts.name}": \`check\` without \`run\` has nothing to skip; use \`verify\` for an assertion`, at);
  }
  if (opts.until !== undefined && opts.run === undefined) throw located(`step "${opts.name}": \`until\` needs \`run\``, at);
  const notify = opts.notify === undefined ? [] : typeof opts.notify === 'string' ? [opts.notify] : opts.notify;
  if (!Array.isArray(notify) || notify.some((n) => typeof n !== 'string' || n === '')) {
    throw located(`step "${opts.name}": \`notify\` must be a handler name or a list of them`, at);
  }
  if (notify.length > 0 && opts.run === undefined) throw located(`step "${opts.name}": \`notify\` needs \`run\` (only a change notifies)`, at);
  const reg = registerName(`step "${opts.name}"`, opts.register, at);
  const { register: _given, ...rest } = opts;
  return Object.freeze({ ...rest, kind: 'host' as const, ...(reg !== undefined ? { register: reg } : {}), ...at });
}

/** A step run once per group of hosts (e.g. a source and its destination) after all reached it. */
export function across<V extends object = Vars>(opts: AcrossStepOptions<V>): AcrossStep<V> {
  const at = whereDefined(opts.definedAt);
  validateCommon(opts as unknown as Record<string, unknown>, at, new Set([...ACROSS_KEYS, 'definedAt', 'usedAt']));
  const a = opts.across as unknown;
  if (a !== 'all' && typeof a !== 'function') {
    throw located(`step "${opts.name}": \`across\` must be 'all' or a grouping such as byVar('pair')`, at);
  }
  return Object.freeze({ ...opts, kind: 'across' as const, ...at });
}

/** Return from `run` when nothing needed doing: the step is `ok` instead of `changed`. */
export function unchanged<T = undefined>(value?: T): Unchanged<T> {
  return { __marshalUnchanged: true, value };
}

export function isUnchanged(v: unknown): v is Unchanged {
  return typeof v === 'object' && v !== null && (v as Unchanged).__marshalUnchanged === true;
}
