/** block(): steps with a rescue and an always, as Ansible's block/rescue/always. */
import { PlaybookError } from '../errors';
import { callerLocation } from '../util/stack';
import type { Block, StepList, Vars } from './types';

export interface BlockOptions<V extends object = Vars> {
  name: string;
  steps: StepList<V>;
  /** Runs on a host where a step of `steps` failed; when it succeeds the host is `rescued` and goes on. */
  rescue?: StepList<V>;
  /** Runs on every host that entered the block, whether its steps failed or not. */
  always?: StepList<V>;
}

export function block<V extends object = Vars>(opts: BlockOptions<V>): Block<V> {
  const at = callerLocation().definedAt;
  const m = at ? /^(.*):(\d+)$/.exec(at) : null;
  const where = m ? { file: m[1]!, line: Number(m[2]) } : {};
  if (!opts || typeof opts.name !== 'string' || opts.name.trim() === '') throw new PlaybookError('a block needs a non-empty `name`', where);
  for (const part of ['steps', 'rescue', 'always'] as const) {
    if (opts[part] !== undefined && !Array.isArray(opts[part])) throw new PlaybookError(`block "${opts.name}": \`${part}\` must be a list of steps`, where);
  }
  return Object.freeze({
    kind: 'block' as const,
    name: opts.name,
    steps: opts.steps,
    rescue: opts.rescue ?? [],
    always: opts.always ?? [],
    ...(at !== undefined ? { definedAt: at } : {}),
  });
}

export function isBlock(v: unknown): v is Block<any> {
  return typeof v === 'object' && v !== null && (v as Block).kind === 'block';
}
