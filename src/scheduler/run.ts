/**
 * runPlaybook: a playbook and an inventory in, a run summary out. It composes the layers:
 * plan (hosts, steps, vars, batches) → validation → the linear scheduler → results.
 */
import type { Playbook, Step, Vars } from '../dsl/types';
import type { Connection } from '../connection/types';
import type { Inventory } from '../inventory/types';
import { Masker } from '../util/mask';
import type { Reporter } from '../report/types';
import { planRun, type Plan } from '../plan/plan';
import type { StepFilter } from '../plan/select';
import { validatePlan } from '../plan/validate';
import { applySchema } from '../plan/schema';
import { runLinear } from './linear';
import type { RunSummary } from '../results/results';

export interface EngineOptions extends StepFilter {
  playbook: Playbook<any>;
  playbookFile?: string;
  inventory: Inventory;
  /** --limit pattern, applied on top of the playbook's hosts. */
  limit?: string;
  check?: boolean;
  diff?: boolean;
  forks?: number;
  extraVars?: Vars;
  becomePassword?: string;
  /** Opens (or reuses) the connection of a host; rejects with ConnectionError when it cannot. */
  connect: (host: string, vars: Vars) => Promise<Connection>;
  /** Drops a host's connection and opens a new one (h.reconnect(), after a reboot); absent: h.reconnect() fails. */
  reconnect?: (host: string, vars: Vars) => Promise<Connection>;
  /** Validates a host's connection vars up front (throws UsageError), so a bad port fails before anything runs. */
  checkHost?: (host: string, vars: Vars) => void;
  reporters?: Reporter[];
  /** --step: asked before each step. */
  confirmStep?: (step: Step) => Promise<'yes' | 'no' | 'continue'>;
  /** First interrupt: start no new steps. */
  signal?: AbortSignal;
  /** Stop running commands now (second Ctrl-C, SIGTERM, SIGHUP). */
  hardSignal?: AbortSignal;
  /** Masker shared with reporters that write outside the engine (the CLI's error output). */
  masker?: Masker;
  /** A plan already made from these options (the CLI plans once); made here when absent. */
  plan?: Plan;
}

/** Every secret value of the run's vars reaches the masker before any output is written. */
function learnSecrets(masker: Masker, plan: Plan, becomePassword: string | undefined): void {
  for (const h of plan.host.values()) masker.addVars(h.vars, plan.playbook.secrets);
  for (const s of plan.inventory.secrets ?? []) masker.add(s);
  if (becomePassword) masker.add(becomePassword);
}

export async function runPlaybook(opts: EngineOptions): Promise<RunSummary> {
  const masker = opts.masker ?? new Masker();
  const plan = await applySchema(opts.plan ?? planRun(opts), (t) => masker.mask(t));
  learnSecrets(masker, plan, opts.becomePassword);
  validatePlan(plan, { ...(opts.checkHost ? { checkHost: opts.checkHost } : {}), mask: (t) => masker.mask(t), ...(opts.limit ? { limit: opts.limit } : {}) });
  return runLinear(plan, {
    ...(opts.check !== undefined ? { check: opts.check } : {}),
    ...(opts.diff !== undefined ? { diff: opts.diff } : {}),
    ...(opts.forks !== undefined ? { forks: opts.forks } : {}),
    ...(opts.becomePassword !== undefined ? { becomePassword: opts.becomePassword } : {}),
    connect: opts.connect,
    ...(opts.reconnect ? { reconnect: opts.reconnect } : {}),
    ...(opts.reporters ? { reporters: opts.reporters } : {}),
    mask: (d) => masker.maskDeep(d),
    addSecrets: (values) => values.forEach((v) => masker.add(v)),
    ...(opts.confirmStep ? { confirmStep: opts.confirmStep } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
    ...(opts.hardSignal ? { hardSignal: opts.hardSignal } : {}),
  });
}
