/** Which steps run: --tags / --skip-tags (with Ansible's always/never) and --start-at-task. */
import { UsageError } from '../errors';
import type { Step } from '../dsl/types';
import { compileGlob } from '../util/glob';

export interface StepFilter {
  tags?: readonly string[];
  skipTags?: readonly string[];
  startAt?: string;
}


export function stepSelected(step: Step, f: StepFilter): boolean {
  const tags = step.tags ?? [];
  const wanted = f.tags && f.tags.length > 0 && !f.tags.includes('all') ? f.tags : undefined;
  if (f.skipTags?.some((t) => tags.includes(t))) return false;
  if (tags.includes('never') && !(wanted && tags.some((t) => wanted.includes(t) && t !== 'never'))) return false;
  if (!wanted) return true;
  if (tags.includes('always') && !f.skipTags?.includes('always')) return true;
  if (wanted.includes('tagged')) return tags.length > 0;
  if (wanted.includes('untagged') && tags.length === 0) return true;
  return tags.some((t) => wanted.includes(t));
}

/** Index of the first step to run; --start-at-task matches a name exactly or as a glob. */
export function startIndex(steps: readonly Step[], startAt: string | undefined): number {
  if (!startAt) return 0;
  const exact = steps.findIndex((s) => s.name === startAt);
  if (exact >= 0) return exact;
  const matches = compileGlob(startAt, { classes: false });
  const i = steps.findIndex((s) => matches(s.name));
  if (i < 0) throw new UsageError(`--start-at-task: no step named "${startAt}"`);
  return i;
}

export function selectSteps(steps: readonly Step[], f: StepFilter): Step[] {
  const from = startIndex(steps, f.startAt);
  return steps.slice(from).filter((s) => stepSelected(s, f));
}
