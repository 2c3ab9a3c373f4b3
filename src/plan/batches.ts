/** serial: split the play's hosts into rolling batches, as Ansible does. */
import { UsageError } from '../errors';

function size(spec: number | string, total: number): number {
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 1) throw new UsageError(`serial: ${spec} is not a positive whole number`);
    return spec;
  }
  const m = /^(\d+(?:\.\d+)?)%$/.exec(spec.trim());
  if (m) return Math.max(1, Math.floor((Number(m[1]) / 100) * total));
  if (/^\d+$/.test(spec.trim())) return size(Number(spec), total);
  throw new UsageError(`serial: "${spec}" is neither a number nor a percentage`);
}

/** The last entry of a list repeats until every host is in a batch (Ansible's rule). */
export function makeBatches(hosts: readonly string[], serial: number | string | ReadonlyArray<number | string> | undefined): string[][] {
  if (serial === undefined || hosts.length === 0) return [hosts.slice()];
  const specs = Array.isArray(serial) ? serial : [serial as number | string];
  if (specs.length === 0) return [hosts.slice()];
  const out: string[][] = [];
  let i = 0;
  let k = 0;
  while (i < hosts.length) {
    const n = size(specs[Math.min(k, specs.length - 1)]!, hosts.length);
    out.push(hosts.slice(i, i + n));
    i += n;
    k += 1;
  }
  return out;
}

/**
 * Batches of groups: hosts with the same key stay together (a source with its destination),
 * and serial counts groups. Group order follows the first host of each group.
 */
export function makeGroupedBatches(
  hosts: readonly string[],
  serial: number | string | ReadonlyArray<number | string> | undefined,
  keyOf: (host: string) => string,
): string[][] {
  const groups = new Map<string, string[]>();
  for (const h of hosts) {
    const k = keyOf(h);
    const list = groups.get(k) ?? [];
    list.push(h);
    groups.set(k, list);
  }
  const keys = [...groups.keys()];
  // hosts keep their inventory order inside a batch
  return makeBatches(keys, serial).map((batch) => {
    const wanted = new Set(batch);
    return hosts.filter((h) => wanted.has(keyOf(h)));
  });
}
