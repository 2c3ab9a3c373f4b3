/**
 * The linear strategy (Ansible's default) over rolling batches: each step runs on all its hosts
 * at once (bounded by forks), the next starts when they are done, and a failed host leaves the
 * play. What one step does on one host is the lifecycle's business (src/lifecycle).
 */
import { StepFailure } from '../errors';
import type { Step, Vars } from '../dsl/types';
import type { Connection } from '../connection/types';
import type { Plan } from '../plan/plan';
import { combineReporters, type Reporter, type StepStartEvent } from '../report/types';
import { runAcross } from '../lifecycle/across';
import { runHostStep } from '../lifecycle/host-step';
import type { HostState, StepEnv } from '../lifecycle/types';
import { EXIT, countResult, emptyStats, exitCodeFor, type HostStats, type RunSummary, type StepResult } from '../results/results';
import { forEachLimit } from '../util/async';
import { afterStep, failing, type Stop } from './policy';

export interface SchedulerOptions {
  check?: boolean;
  diff?: boolean;
  forks?: number;
  becomePassword?: string;
  connect: (host: string, vars: Vars) => Promise<Connection>;
  reporters?: Reporter[];
  /** Masks every result before anyone sees it; learns inline secret() values as commands use them. */
  mask: <T>(data: T) => T;
  addSecrets: (values: readonly string[]) => void;
  /** --step: asked before each step. */
  confirmStep?: (step: Step) => Promise<'yes' | 'no' | 'continue'>;
  /** First interrupt: start no new steps. Its reason says which signal (exit 128 + its number). */
  signal?: AbortSignal;
  /** Stop running commands now (second Ctrl-C, SIGTERM, SIGHUP). */
  hardSignal?: AbortSignal;
}

/** The run's mutable state: each host's progress, every result, the recap's counts. */
class RunState {
  readonly hosts = new Map<string, HostState>();
  readonly results: StepResult[] = [];
  readonly stats: Record<string, HostStats>;
  constructor(
    plan: Plan,
    private readonly reporter: Required<Reporter>,
    private readonly mask: <T>(d: T) => T,
  ) {
    for (const p of plan.host.values()) this.hosts.set(p.name, { ...p, registered: {} });
    this.stats = Object.fromEntries(plan.hosts.map((h) => [h, emptyStats()]));
  }
  emit = (r: StepResult): void => {
    const masked = this.mask(r);
    this.results.push(masked);
    countResult(this.stats[r.host]!, masked);
    this.reporter.result(masked);
    const st = this.hosts.get(r.host)!;
    if (r.status === 'unreachable') st.out = { step: r.step, kind: 'unreachable' };
    else if (r.status === 'failed' && !r.ignored) st.out = { step: r.step, kind: 'failed' };
  };
}

export async function runLinear(plan: Plan, o: SchedulerOptions): Promise<RunSummary> {
  const reporter = combineReporters(o.reporters ?? []);
  const state = new RunState(plan, reporter, o.mask);
  const checkMode = o.check ?? false;
  const startedAt = new Date();
  const env = stepEnv(plan, o, reporter);
  reporter.playStart({
    playbook: plan.playbook.name,
    ...(plan.playbookFile ? { playbookFile: plan.playbookFile } : {}),
    hosts: [...plan.hosts],
    steps: plan.steps.length,
    checkMode,
    batches: plan.batches.map((b) => [...b]),
  });
  const stopHard = hardStopper(o, env.running);
  let stop: Stop | undefined;
  try {
    for (let bi = 0; bi < plan.batches.length && !stop; bi++) {
      if (plan.batches.length > 1) reporter.batchStart([...plan.batches[bi]!], bi, plan.batches.length);
      stop = await runBatch(plan, plan.batches[bi]!, { o, env, state, reporter });
    }
  } finally {
    stopHard.dispose();
  }
  if (stop) reporter.message(stop.reason === 'interrupted' ? 'warn' : 'error', `play stopped: ${stop.reason}`);
  const summary = summarize(plan, state, startedAt, checkMode, stop, o.signal);
  await reporter.playEnd(summary);
  return summary;
}

function stepEnv(plan: Plan, o: SchedulerOptions, reporter: Required<Reporter>): StepEnv {
  return {
    checkMode: o.check ?? false,
    diffMode: o.diff ?? false,
    templatesDir: plan.templatesDir,
    playBecome: plan.playbook.become,
    becomePassword: o.becomePassword,
    connect: o.connect,
    addSecrets: o.addSecrets,
    hostStart: (h, ev) => reporter.hostStart(h, ev),
    debug: (host, step, message) => reporter.message('debug', `[${host}] ${step}: ${message}`),
    running: new Set(),
  };
}

/** One listener on the hard-stop signal aborts every running host-step. */
function hardStopper(o: SchedulerOptions, running: Set<AbortController>): { dispose(): void } {
  const onHard = () => {
    const signal = (o.signal?.reason as { signal?: string } | undefined)?.signal;
    const why = signal === undefined || signal === 'SIGINT' ? 'interrupted by a second Ctrl-C' : `interrupted by ${signal}`;
    for (const c of running) c.abort(new StepFailure('interrupted', why));
  };
  o.hardSignal?.addEventListener('abort', onHard, { once: true });
  return { dispose: () => o.hardSignal?.removeEventListener('abort', onHard) };
}

interface BatchRun {
  o: SchedulerOptions;
  env: StepEnv;
  state: RunState;
  reporter: Required<Reporter>;
}

async function runBatch(plan: Plan, batch: readonly string[], b: BatchRun): Promise<Stop | undefined> {
  let continueAll = false;
  for (const s of plan.steps) {
    if (b.o.signal?.aborted) return { reason: 'interrupted' };
    const selected = plan.stepHosts.get(s);
    const active = batch.filter((n) => !b.state.hosts.get(n)!.out && (!selected || selected.has(n)));
    if (active.length === 0) continue;
    if (b.o.confirmStep && !continueAll) {
      const answer = await b.o.confirmStep(s);
      if (answer === 'no') continue;
      if (answer === 'continue') continueAll = true;
    }
    const before = b.state.results.length;
    await runStep(plan, s, batch, active, b);
    const failedNow = failing(b.state.results.slice(before));
    const failedInBatch = batch.filter((n) => b.state.hosts.get(n)!.out).length;
    const stop = afterStep(plan.playbook, s.name, failedNow, failedInBatch, batch.length);
    if (stop) return stop;
  }
  if (batch.every((n) => b.state.hosts.get(n)!.out)) return { reason: 'every host of the batch failed' };
  return undefined;
}

async function runStep(plan: Plan, s: Step, batch: readonly string[], active: string[], b: BatchRun): Promise<void> {
  const { state, env, reporter } = b;
  const forks = b.o.forks ?? 100;
  const ev: StepStartEvent = { name: s.name, index: plan.playbook.steps.indexOf(s), hosts: active, ...(s.risk ? { risk: s.risk } : {}), ...(s.kind === 'across' ? { across: true } : {}) };
  reporter.stepStart(ev);
  const host = (n: string) => state.hosts.get(n)!;
  if (s.kind === 'across') {
    const selected = plan.stepHosts.get(s);
    const members = batch.filter((n) => !selected || selected.has(n)).map(host);
    await runAcross({ s, ev, env, forks, emit: state.emit }, members);
  } else if (s.runOnce) {
    const first = host(active[0]!);
    const r = await runHostStep(s, ev, first, env);
    state.emit(r);
    for (const other of active.slice(1)) {
      if (s.register && s.register in first.registered) host(other).registered[s.register] = first.registered[s.register];
      state.emit({ ...r, host: other });
    }
  } else {
    await forEachLimit(active, forks, async (n) => state.emit(await runHostStep(s, ev, host(n), env)));
  }
  reporter.stepEnd(ev);
}

function summarize(plan: Plan, state: RunState, startedAt: Date, checkMode: boolean, stop: Stop | undefined, signal: AbortSignal | undefined): RunSummary {
  const finishedAt = new Date();
  const interrupted = signal?.aborted === true;
  return {
    playbook: plan.playbook.name,
    ...(plan.playbookFile ? { playbookFile: plan.playbookFile } : {}),
    checkMode,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    hosts: [...plan.hosts],
    groups: Object.fromEntries(plan.hosts.map((h) => [h, [...(plan.host.get(h)?.groups ?? [])]])),
    stats: state.stats,
    results: state.results,
    interrupted,
    ...(stop ? { aborted: stop.reason } : {}),
    exitCode: stop?.usage && !interrupted ? EXIT.usage : exitCodeFor(state.stats, interrupted, signal?.reason),
  };
}
