/** A playbook's vars schema applied to every host's merged vars, before any host is touched. */
import { UsageError } from '../errors';
import { issuePath, type StandardSchemaIssue, type StandardSchemaV1 } from '../dsl/schema';
import type { Vars } from '../dsl/types';
import type { Plan, PlannedHost } from './plan';

/** The value an issue is about, for "saw ...": what the inventory or -e gave. */
function seenAt(vars: Vars, issue: StandardSchemaIssue): unknown {
  let v: unknown = vars;
  for (const p of issue.path ?? []) {
    const key = typeof p === 'object' && p !== null && 'key' in p ? p.key : p;
    v = typeof v === 'object' && v !== null ? (v as Record<PropertyKey, unknown>)[key as PropertyKey] : undefined;
  }
  return v;
}

function describeSeen(v: unknown): string {
  return v === undefined ? 'nothing (not set)' : JSON.stringify(v);
}

/**
 * Validates and coerces each host's vars with the schema: its output (coerced values, defaults)
 * is laid over the host's vars, which keep what the schema does not describe (ansible_host...).
 * Throws one UsageError listing every host, var, what was expected and what was seen.
 */
export async function applySchema(plan: Plan, mask: (text: string) => string = (t) => t): Promise<Plan> {
  const schema = plan.playbook.schema as StandardSchemaV1<unknown, Vars> | undefined;
  if (!schema) return plan;
  const problems: string[] = [];
  const host = new Map<string, PlannedHost>();
  for (const h of plan.host.values()) {
    const result = await schema['~standard'].validate(h.vars);
    if (result.issues) {
      for (const i of result.issues) problems.push(mask(`${h.name}: ${issuePath(i) || '(vars)'}: ${i.message}; saw ${describeSeen(seenAt(h.vars, i))}`));
    } else host.set(h.name, { ...h, vars: { ...h.vars, ...result.value } });
  }
  if (problems.length > 0) throw new UsageError(`vars do not match the playbook's schema (set them in the inventory or with -e):\n  ${problems.join('\n  ')}`);
  return { ...plan, host };
}
