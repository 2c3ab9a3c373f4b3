/** playbook(): flattens and validates the step list, so a broken playbook fails before any host is touched. */
import { PlaybookError } from '../errors';
import { callerLocation } from '../util/stack';
import type { BlockPosition, HostStep, Playbook, PlaybookOptions, Step, StepList, Vars } from './types';
import { isBlock } from './block';
import { isStandardSchema } from './schema';

function notAStep(path: string, item: unknown): PlaybookError {
  return new PlaybookError(`steps${path} is not a step (got ${item === null ? 'null' : typeof item}); build steps with step(), across() or block()`);
}

/**
 * Steps in order; a block's steps, rescue and always follow each other, each step told where it
 * sits (blocks nest: a position knows the block it is in).
 */
function flatten<V extends object>(list: StepList<V>, out: Step<V>[], path: string, at?: BlockPosition, names = new Map<string, string>()): Step<V>[] {
  list.forEach((item, i) => {
    const here = `${path}[${i}]`;
    if (Array.isArray(item)) flatten(item as StepList<V>, out, here, at, names);
    else if (isBlock(item)) {
      const first = names.get(item.name);
      if (first !== undefined) throw new PlaybookError(`duplicate block name "${item.name}" (first defined at ${first}); block names must be unique`, locate(item.definedAt));
      names.set(item.name, item.definedAt ?? '?');
      const hasRescue = item.rescue.length > 0;
      for (const section of ['steps', 'rescue', 'always'] as const) {
        const pos: BlockPosition = { name: item.name, section, hasRescue, ...(at ? { parent: at } : {}) };
        flatten(item[section] as StepList<V>, out, `${here}.${section}`, pos, names);
      }
    } else if (item && typeof item === 'object' && ((item as Step<V>).kind === 'host' || (item as Step<V>).kind === 'across')) {
      out.push(at ? (Object.freeze({ ...(item as Step<V>), block: at }) as Step<V>) : (item as Step<V>));
    } else throw notAStep(here, item);
  });
  return out;
}

/** Handlers: host steps with unique names, and every notify names one of them. */
function checkHandlers<V extends object>(name: string, steps: readonly Step<V>[], handlers: readonly HostStep<V>[], at: string | undefined): void {
  const names = new Set<string>();
  for (const h of handlers) {
    if (!h || h.kind !== 'host') throw new PlaybookError(`playbook "${name}": handlers must be host steps made with step()`, locate(at));
    if (names.has(h.name) || steps.some((s) => s.name === h.name)) {
      throw new PlaybookError(`playbook "${name}": handler "${h.name}" has the name of another step or handler`, locate(h.definedAt));
    }
    names.add(h.name);
  }
  for (const s of steps) {
    if (s.kind !== 'host' || s.notify === undefined) continue;
    for (const n of typeof s.notify === 'string' ? [s.notify] : s.notify) {
      if (!names.has(n)) throw new PlaybookError(`step "${s.name}" notifies "${n}", which is not a handler of playbook "${name}" (handlers: ${[...names].join(', ') || 'none'})`, locate(s.definedAt));
    }
  }
}

function locate(at: string | undefined): { file?: string; line?: number } {
  const m = at ? /^(.*):(\d+)$/.exec(at) : null;
  return m ? { file: m[1]!, line: Number(m[2]) } : {};
}

/** `requires` as a list (every host) or by group; `all` in the record is every host too. */
function requirements(name: string, req: PlaybookOptions<any>['requires'], at: string | undefined) {
  if (req === undefined || Array.isArray(req)) return { requires: (req ?? []) as readonly string[] };
  const { all, ...byGroup } = req as Record<string, readonly string[]>;
  for (const [group, vars] of Object.entries(req as Record<string, unknown>)) {
    if (!Array.isArray(vars)) throw new PlaybookError(`playbook "${name}": requires.${group} must be a list of var names`, locate(at));
  }
  return { requires: all ?? [], requiresIn: byGroup };
}

export function playbook<V extends object = Vars>(opts: PlaybookOptions<V>): Playbook<V> {
  const at = callerLocation().definedAt;
  if (!opts || typeof opts !== 'object') throw new PlaybookError('playbook() needs an options object', locate(at));
  if (typeof opts.name !== 'string' || !opts.name.trim()) throw new PlaybookError('playbook needs a non-empty `name`', locate(at));
  if (typeof opts.hosts !== 'string' || !opts.hosts.trim()) {
    throw new PlaybookError(`playbook "${opts.name}": \`hosts\` must be a host pattern such as 'all'`, locate(at));
  }
  if (!Array.isArray(opts.steps)) throw new PlaybookError(`playbook "${opts.name}": \`steps\` must be an array`, locate(at));
  const steps = flatten(opts.steps as StepList<Vars>, [], '') as unknown as Step<V>[];
  if (steps.length === 0) throw new PlaybookError(`playbook "${opts.name}" has no steps`, locate(at));
  if (opts.schema !== undefined && !isStandardSchema(opts.schema)) {
    throw new PlaybookError(`playbook "${opts.name}": \`schema\` must be a Standard Schema (zod, valibot, arktype...)`, locate(at));
  }
  if (opts.handlers !== undefined && !Array.isArray(opts.handlers)) throw new PlaybookError(`playbook "${opts.name}": \`handlers\` must be a list of steps`, locate(at));
  const handlers = (opts.handlers ?? []) as readonly HostStep<V>[];
  checkHandlers(opts.name, steps, handlers, at);
  const seen = new Map<string, Step<V>>();
  for (const s of steps) {
    const prev = seen.get(s.name);
    if (prev) {
      throw new PlaybookError(
        `duplicate step name "${s.name}" (first defined at ${prev.definedAt ?? '?'}); step names must be unique so --start-at-task, reports and logs are unambiguous`,
        locate(s.definedAt),
      );
    }
    seen.set(s.name, s);
  }
  if (opts.maxFailPercentage !== undefined && !(opts.maxFailPercentage >= 0 && opts.maxFailPercentage <= 100)) {
    throw new PlaybookError(`playbook "${opts.name}": maxFailPercentage must be between 0 and 100`, locate(at));
  }
  if (opts.summaryBy !== undefined && typeof opts.summaryBy?.by !== 'function') {
    throw new PlaybookError(`playbook "${opts.name}": summaryBy needs \`by\`, a grouping such as byVar('rack')`, locate(at));
  }
  const pb: Playbook<V> = {
    kind: 'marshal.playbook',
    name: opts.name,
    hosts: opts.hosts,
    defaults: opts.defaults ?? {},
    vars: opts.vars ?? {},
    ...requirements(opts.name, opts.requires, at),
    secrets: opts.secrets ?? [],
    steps,
    handlers,
    anyErrorsFatal: opts.anyErrorsFatal ?? false,
    ...(opts.schema !== undefined ? { schema: opts.schema } : {}),
    ...(opts.serial !== undefined ? { serial: opts.serial } : {}),
    ...(opts.batchBy !== undefined ? { batchBy: opts.batchBy } : {}),
    ...(opts.maxFailPercentage !== undefined ? { maxFailPercentage: opts.maxFailPercentage } : {}),
    ...(opts.summaryBy !== undefined ? { summaryBy: opts.summaryBy } : {}),
    ...(opts.become !== undefined ? { become: opts.become } : {}),
    ...(opts.templates !== undefined ? { templates: opts.templates } : {}),
    ...(at !== undefined ? { definedAt: at } : {}),
  };
  return Object.freeze(pb);
}

export function isPlaybook(v: unknown): v is Playbook {
  return typeof v === 'object' && v !== null && (v as Playbook).kind === 'marshal.playbook';
}
