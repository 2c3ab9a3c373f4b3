/** Did a run do the whole workload? Read from each contender's own summary output. */

export interface Outcome {
  /** Host-steps that finished ok. */
  ok: number;
  /** Host-steps (or hosts, when unreachable) that did not. */
  failures: number;
}

/** Marshal and Ansible print the same recap line per host: `name : ok=N changed=N unreachable=N failed=N ...`. */
export function recapOutcome(stdout: string, hosts: number, steps: number): Outcome {
  let ok = 0;
  let failures = 0;
  let seen = 0;
  for (const m of stdout.matchAll(/^(\S+)\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)/gm)) {
    seen++;
    ok += Number(m[2]);
    failures += Number(m[4]) + Number(m[5]);
  }
  // A host missing from the recap, or steps that never ran, count as failures too.
  failures += Math.max(0, hosts - seen) * steps;
  failures = Math.max(failures, hosts * steps - ok);
  return { ok, failures };
}

/** How a run of a contender went, read from the summary its invocation says it prints. */
export function outcomeOf(inv: { summary?: 'floor' }, stdout: string, hosts: number, steps: number): Outcome {
  return inv.summary === 'floor' ? floorOutcome(stdout, hosts, steps) : recapOutcome(stdout, hosts, steps);
}

/** The floor prints `floor: N hosts x S steps, F failures, ...`. */
export function floorOutcome(stdout: string, hosts: number, steps: number): Outcome {
  const m = /floor: (\d+) hosts x (\d+) steps, (\d+) failures/.exec(stdout);
  if (!m) return { ok: 0, failures: hosts * steps };
  const failures = Number(m[3]);
  return { ok: Number(m[1]) * Number(m[2]) - failures, failures };
}
