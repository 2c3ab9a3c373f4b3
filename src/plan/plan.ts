/**
 * The plan: everything a run decides before it touches a host, computed once. --list-hosts,
 * --list-tasks, `marshal check` and `marshal run` all read the same plan.
 */
import { dirname, join } from 'node:path';
import { UsageError } from '../errors';
import type { Playbook, Step, Vars } from '../dsl/types';
import type { Inventory } from '../inventory/types';
import { applyLimit, selectHosts } from '../inventory/index';
import { findTemplatesDir } from '../template/index';
import { makeBatches, makeGroupedBatches } from './batches';
import { selectSteps, type StepFilter } from './select';
import { groupingsOf, shardHosts, type Shard } from './shard';

export interface PlanInput extends StepFilter {
  playbook: Playbook<any>;
  /** The playbook's file (templates are found beside it). */
  playbookFile?: string;
  inventory: Inventory;
  /** --limit pattern, applied on top of the playbook's hosts. */
  limit?: string;
  /** -e: the highest-precedence vars. */
  extraVars?: Vars;
  /** --shard K/N: after --limit, before batches; groups of hosts that run together stay whole. */
  shard?: Shard;
}

/** One target host as the run sees it: merged vars, groups, the address connected to. */
export interface PlannedHost {
  readonly name: string;
  readonly address: string;
  /** defaults < inventory (group, then host) < playbook vars < -e. */
  readonly vars: Vars;
  readonly groups: readonly string[];
}

export interface Plan {
  readonly playbook: Playbook<any>;
  readonly playbookFile?: string;
  readonly inventory: Inventory;
  /** Target hosts, in inventory order (this shard's, under --shard). */
  readonly hosts: readonly string[];
  readonly shard?: Shard;
  readonly steps: readonly Step[];
  readonly host: ReadonlyMap<string, PlannedHost>;
  /** Steps that narrow the play's hosts with their own pattern: the hosts each one runs on. */
  readonly stepHosts: ReadonlyMap<Step, ReadonlySet<string>>;
  /** Rolling batches (serial, batchBy); one batch of every host without serial. */
  readonly batches: readonly (readonly string[])[];
  readonly templatesDir: string | undefined;
}

function mergeVars(...layers: (Vars | undefined)[]): Vars {
  const out: Vars = {};
  for (const l of layers) if (l) Object.assign(out, l);
  return out;
}

/** The playbook's hosts, then --limit (Ansible's patterns, `@file` with one name per line). */
function targetHosts(i: PlanInput): string[] {
  return applyLimit(i.inventory, selectHosts(i.inventory, i.playbook.hosts), i.limit);
}

/** Step host patterns are resolved up front, so a typo fails before anything runs. */
function resolveStepHosts(inv: Inventory, steps: readonly Step[]): Map<Step, Set<string>> {
  const out = new Map<Step, Set<string>>();
  for (const s of steps) {
    if (!s.hosts) continue;
    try {
      out.set(s, new Set(selectHosts(inv, s.hosts)));
    } catch (err) {
      throw new UsageError(`step "${s.name}" (${s.definedAt ?? '?'}): ${(err as Error).message}`);
    }
  }
  return out;
}

function plannedHost(i: PlanInput, name: string): PlannedHost {
  const h = i.inventory.hosts.get(name)!;
  const vars = mergeVars(i.playbook.defaults, h.vars, i.playbook.vars, i.extraVars);
  return { name, address: typeof vars.ansible_host === 'string' ? vars.ansible_host : name, vars, groups: h.groups };
}

function batchesOf(pb: Playbook<any>, hosts: readonly string[], host: ReadonlyMap<string, PlannedHost>): string[][] {
  const keyOf = pb.batchBy;
  if (!keyOf) return makeBatches(hosts, pb.serial);
  // a host without the key is a group of its own
  return makeGroupedBatches(hosts, pb.serial, (n) => keyOf(host.get(n)!) ?? `\0${n}`);
}

function templatesDirOf(i: PlanInput): string | undefined {
  const pb = i.playbook;
  const playbookDir = dirname(i.playbookFile ?? pb.definedAt?.replace(/:\d+$/, '') ?? join(process.cwd(), 'x'));
  return pb.templates ? join(playbookDir, pb.templates) : findTemplatesDir(playbookDir);
}

/** Resolves hosts, steps, vars and batches. Bad patterns are usage errors (exit 1). */
export function planRun(i: PlanInput): Plan {
  const steps = selectSteps(i.playbook.steps, i);
  let hosts = targetHosts(i);
  if (i.shard) hosts = shardHosts(hosts, i.shard, (n) => plannedHost(i, n), groupingsOf(i.playbook.batchBy, steps));
  const host = new Map(hosts.map((n) => [n, plannedHost(i, n)]));
  return {
    playbook: i.playbook,
    ...(i.playbookFile ? { playbookFile: i.playbookFile } : {}),
    ...(i.shard ? { shard: i.shard } : {}),
    inventory: i.inventory,
    hosts,
    steps,
    host,
    stepHosts: resolveStepHosts(i.inventory, steps),
    batches: hosts.length === 0 ? [] : batchesOf(i.playbook, hosts, host),
    templatesDir: templatesDirOf(i),
  };
}
