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
import { overall, runStepOnHost } from '../lifecycle/loop';
import type { HostState, StepEnv } from '../lifecycle/types';
import { EXIT, countResult, emptyStats, exitCodeFor, type HostStats, type RunSummary, type StepResult } from '../results/results';
import { summarizeGroups, type GroupSummary } from '../results/group-summary';
import { groupLabel } from '../dsl/group';
import { forEachLimit } from '../util/async';
import { afterStep, failing, type Stop } from './policy';
import { Blocks, endingBlocks } from './blocks';
import { Handlers } from './handlers';

export interface SchedulerOptions {
  check?: boolean;
  diff?: boolean;
  forks?: number;
  becomePassword?: string;
  connect: (host: string, vars: Vars) => Promise<Connection>;
  /** Drops a host's connection and opens a new one (h.reconnect()). */
  reconnect?: (host: string, vars: Vars) => Promise<Connection>;
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
    readonly mask: <T>(d: T) => T,
  ) {
    for (const p of plan.host.values()) this.hosts.set(p.name, { ...p, registered: {} });
    this.stats = Object.fromEntries(plan.hosts.map((h) => [h, emptyStats()]));
  }
  readonly blocks = new Blocks();
  /** Records a result of step `s`; a failure takes the host out of the play, unless its block holds it for the rescue. */
  emit = (r: StepResult, s?: Step): void => {
    const masked = this.mask(r);
    this.results.push(masked);
    countResult(this.stats[r.host]!, masked);
    this.reporter.result(masked);
    const st = this.hosts.get(r.host)!;
    if (r.status === 'unreachable') st.out = { step: r.step, kind: 'unreachable' };
    else if (r.status === 'failed' && !r.ignored && !(s && this.blocks.hold(s, r))) st.out = { step: r.step, kind: 'failed' };
  };
}

export async function runLinear(plan: Plan, o: SchedulerOptions): Promise<RunSummary> {
  const reporter = combineReporters(o.reporters ?? []);
  const state = new RunState(plan, reporter, o.mask);
  const checkMode = o.check ?? false;
  const startedAt = new Date();
  const env = stepEnv(plan, o, reporter);
  const handlers = new Handlers(plan.playbook, env);
  env.markPending = handlers.mark;
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
      stop = await runBatch(plan, plan.batches[bi]!, { o, env, state, reporter, handlers });
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
    ...(o.reconnect ? { reconnect: o.reconnect } : {}),
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
  handlers: Handlers;
  /** --step answered "continue": ask no more. */
  continueAll?: boolean;
}

/** Asks --step's question; false when the user said no. */
async function confirmed(s: Step, b: BatchRun): Promise<boolean> {
  if (!b.o.confirmStep || b.continueAll) return true;
  const answer = await b.o.confirmStep(s);
  if (answer === 'continue') b.continueAll = true;
  return answer !== 'no';
}

async function runBatch(plan: Plan, batch: readonly string[], b: BatchRun): Promise<Stop | undefined> {
  const hostsOf = () => batch.map((n) => b.state.hosts.get(n)!);
  if (b.handlers.any) await forEachLimit(hostsOf(), b.o.forks ?? 100, async (h) => void (await b.handlers.load(h)));
  for (let i = 0; i < plan.steps.length; i++) {
    const s = plan.steps[i]!;
    if (b.o.signal?.aborted) return { reason: 'interrupted' };
    const outBefore = new Set(batch.filter((n) => b.state.hosts.get(n)!.out));
    const before = b.state.results.length;
    const selected = plan.stepHosts.get(s);
    const active = batch.filter((n) => !b.state.hosts.get(n)!.out && (!selected || selected.has(n)) && b.state.blocks.eligible(s, n));
    if (s.kind === 'host' && s.meta === 'flush-handlers') await flushHandlers(plan, hostsOf(), b);
    else if (active.length > 0 && (await confirmed(s, b))) await runStep(plan, s, batch, active, b);
    for (const ended of endingBlocks(plan.steps, i)) b.state.blocks.finish(ended, hostsOf(), b.state.stats);
    const newlyOut = batch.filter((n) => b.state.hosts.get(n)!.out && !outBefore.has(n));
    const failedInBatch = batch.filter((n) => b.state.hosts.get(n)!.out).length;
    const stop = afterStep(plan.playbook, s.name, failing(b.state.results.slice(before)), newlyOut, failedInBatch, batch.length);
    if (stop) return stop;
  }
  if (batch.every((n) => b.state.hosts.get(n)!.out)) return { reason: 'every host of the batch failed' };
  // handlers run at the end of the batch, as Ansible's do at the end of the play; not after an interrupt
  if (!b.o.signal?.aborted) await flushHandlers(plan, hostsOf(), b);
  return undefined;
}

/** Runs each notified handler, in declaration order, on the hosts where it is pending. */
async function flushHandlers(plan: Plan, hosts: readonly HostState[], b: BatchRun): Promise<void> {
  for (const handler of plan.playbook.handlers) {
    const due = b.handlers.due(handler.name, hosts);
    if (due.length === 0 || b.o.signal?.aborted) continue;
    const ev: StepStartEvent = { name: handler.name, index: -1, hosts: due.map((h) => h.name), handler: true };
    b.reporter.stepStart(ev);
    await forEachLimit(due, b.o.forks ?? 100, async (h) => {
      const rs = await runStepOnHost(handler, ev, h, b.env);
      for (const r of rs) b.state.emit(r, handler);
      const r = overall(rs);
      if (r.status !== 'failed' && r.status !== 'unreachable') await b.handlers.done(handler.name, h);
    });
    b.reporter.stepEnd(ev);
  }
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
    await runAcross({ s, ev, env, forks, emit: (r) => state.emit(r, s) }, members);
  } else if (s.runOnce) {
    const first = host(active[0]!);
    const rs = await runStepOnHost(s, ev, first, env);
    for (const r of rs) state.emit(r, s);
    await b.handlers.after(s, overall(rs), first);
    for (const other of active.slice(1)) {
      if (s.register && s.register in first.registered) host(other).registered[s.register] = first.registered[s.register];
      for (const r of rs) state.emit({ ...r, host: other }, s);
    }
  } else {
    await forEachLimit(active, forks, async (n) => {
      const rs = await runStepOnHost(s, ev, host(n), env);
      for (const r of rs) state.emit(r, s);
      await b.handlers.after(s, overall(rs), host(n));
    });
  }
  reporter.stepEnd(ev);
}

function groupSummaryOf(plan: Plan, results: StepResult[], stopped: boolean): GroupSummary {
  const { by, describe } = plan.playbook.summaryBy!;
  const steps = plan.playbook.steps;
  return summarizeGroups({
    by: groupLabel(by),
    hosts: plan.hosts.map((name) => ({ name, key: by({ name, vars: plan.host.get(name)?.vars ?? {} }) })),
    results,
    tagsOf: (name) => steps.find((s) => s.name === name)?.tags ?? [],
    lastStep: plan.steps.at(-1)?.name,
    stopped,
    ...(describe ? { describe } : {}),
  });
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
    ...(plan.playbook.summaryBy ? { groupSummary: state.mask(groupSummaryOf(plan, state.results, interrupted || stop !== undefined)) } : {}),
    exitCode: stop?.usage && !interrupted ? EXIT.usage : exitCodeFor(state.stats, interrupted, signal?.reason),
  };
}
