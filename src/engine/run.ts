/**
 * The engine: linear strategy over rolling batches. Each step runs on all its hosts at once
 * (bounded by forks); the next step starts when they are done. A failed host leaves the play.
 */
import { dirname, join } from 'node:path';
import { ConnectionError, StepFailure, UsageError, type FailureKind } from '../errors';
import { isUnchanged } from '../dsl/step';
import type { AcrossStep, HostContext, HostGroupView, HostStep, Playbook, Step, Vars } from '../dsl/types';
import type { Connection, ExecOptions } from '../connection/types';
import type { Inventory } from '../inventory/types';
import { selectHosts } from '../inventory/index';
import { findTemplatesDir } from '../template/index';
import { Masker } from '../report/mask';
import { combineReporters, type Reporter, type StepStartEvent } from '../report/types';
import { createHostContext, tail, type StepRecorder } from './context';
import { makeBatches, makeGroupedBatches } from './batches';
import { forEachLimit, sleep } from './pool';
import { selectSteps, type StepFilter } from './select';
import { EXIT, countResult, emptyStats, exitCodeFor, type Failure, type HostStats, type RunSummary, type StepResult } from './results';

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
  /** Validates a host's connection vars up front (throws UsageError), so a bad port fails before anything runs. */
  checkHost?: (host: string, vars: Vars) => void;
  reporters?: Reporter[];
  /** --step: asked before each step. */
  confirmStep?: (step: Step) => Promise<'yes' | 'no' | 'continue'>;
  /** First Ctrl-C: start no new steps. */
  signal?: AbortSignal;
  /** Second Ctrl-C: stop running commands now. */
  hardSignal?: AbortSignal;
  /** Masker shared with reporters that write outside the engine (the CLI's error output). */
  masker?: Masker;
}

interface HostState {
  name: string;
  address: string;
  vars: Vars;
  groups: string[];
  registered: Record<string, unknown>;
  /** Under --check: an earlier step was predicted to change this host. */
  predicted?: boolean;
  /** Why the host left the play (step name and kind), or undefined while it is in. */
  out?: { step: string; kind: 'failed' | 'unreachable' };
}

function mergeVars(...layers: (Vars | undefined)[]): Vars {
  const out: Vars = {};
  for (const l of layers) if (l) Object.assign(out, l);
  return out;
}

function toFailure(err: unknown, definedAt: string | undefined, lastCommand: string | undefined): Failure {
  if (err instanceof StepFailure) {
    const f: Failure = { kind: err.kind, message: err.message };
    const cmd = err.command ?? (err.kind === 'verify' ? lastCommand : undefined);
    if (cmd !== undefined) f.command = cmd;
    if (err.kind === 'verify' && cmd && !err.message.includes(cmd)) f.message = `${err.message} (${cmd})`;
    if (err.exitCode !== undefined) f.exitCode = err.exitCode;
    if (err.stderr) f.stderrTail = tail(err.stderr);
    if ('expected' in err && err.expected !== undefined) f.expected = err.expected;
    if ('seen' in err && err.seen !== undefined) f.seen = err.seen;
    if (definedAt) f.definedAt = definedAt;
    return f;
  }
  const e = err instanceof Error ? err : new Error(String(err));
  // the first stack frame in the user's code locates a throw in a playbook
  const frame = e.stack?.split('\n').find((l) => /\.(ts|js):\d+/.test(l) && !/node_modules|[\\/](src|dist)[\\/](engine|dsl|connection)[\\/]/.test(l));
  const where = frame ? /\(?([^()\s]+:\d+):\d+\)?\s*$/.exec(frame.trim())?.[1] : undefined;
  const f: Failure = { kind: 'error', message: `${e.message}${where ? ` (at ${where})` : ''}` };
  if (definedAt) f.definedAt = definedAt;
  return f;
}

function isConnectionFailure(err: unknown): err is StepFailure {
  return err instanceof ConnectionError || (err instanceof StepFailure && ['unreachable', 'auth', 'hostkey'].includes(err.kind));
}

export async function runPlaybook(opts: EngineOptions): Promise<RunSummary> {
  const pb = opts.playbook;
  const inv = opts.inventory;
  const reporter = combineReporters(opts.reporters ?? []);
  const masker = opts.masker ?? new Masker();
  const checkMode = opts.check ?? false;
  const forks = opts.forks ?? 100;
  const startedAt = new Date();

  // Host selection: playbook pattern, then --limit. Errors here are usage errors (exit 1).
  let targets = selectHosts(inv, pb.hosts);
  if (opts.limit) {
    const limited = new Set(selectHosts(inv, opts.limit));
    targets = targets.filter((h) => limited.has(h));
  }
  if (targets.length === 0) {
    throw new UsageError(`no hosts matched: playbook hosts "${pb.hosts}"${opts.limit ? ` with --limit "${opts.limit}"` : ''}`);
  }
  const steps = selectSteps(pb.steps, opts);

  const hosts = new Map<string, HostState>();
  for (const name of targets) {
    const h = inv.hosts.get(name)!;
    const vars = mergeVars(pb.defaults, h.vars, pb.vars, opts.extraVars);
    masker.addVars(vars, pb.secrets);
    hosts.set(name, {
      name,
      address: typeof vars.ansible_host === 'string' ? vars.ansible_host : name,
      vars,
      groups: h.groups,
      registered: {},
    });
  }
  if (opts.becomePassword) masker.add(opts.becomePassword);
  const missing: string[] = [];
  for (const h of hosts.values()) {
    for (const req of pb.requires) if (h.vars[req] === undefined || h.vars[req] === null || h.vars[req] === '') missing.push(`${h.name}: ${req}`);
  }
  if (missing.length > 0) {
    throw new UsageError(`required vars missing (set them in the inventory or with -e):\n  ${missing.join('\n  ')}`);
  }
  // Bad connection vars are bad input (exit 1, nothing run), not a step failure on one host.
  if (opts.checkHost) {
    const bad: string[] = [];
    for (const h of hosts.values()) {
      try {
        opts.checkHost(h.name, h.vars);
      } catch (err) {
        if (!(err instanceof UsageError)) throw err;
        bad.push(masker.mask(err.message));
      }
    }
    if (bad.length > 0) throw new UsageError(`bad connection vars in the inventory:\n  ${bad.join('\n  ')}`);
  }

  // Step host patterns are resolved once, up front, so a typo fails before anything runs.
  const stepHosts = new Map<Step, Set<string>>();
  for (const s of steps) {
    if (!s.hosts) continue;
    try {
      stepHosts.set(s, new Set(selectHosts(inv, s.hosts)));
    } catch (err) {
      throw new UsageError(`step "${s.name}" (${s.definedAt ?? '?'}): ${(err as Error).message}`);
    }
  }

  const playbookDir = dirname(opts.playbookFile ?? pb.definedAt?.replace(/:\d+$/, '') ?? join(process.cwd(), 'x'));
  const templatesDir = pb.templates ? join(playbookDir, pb.templates) : findTemplatesDir(playbookDir);

  const stats: Record<string, HostStats> = Object.fromEntries(targets.map((h) => [h, emptyStats()]));
  const results: StepResult[] = [];
  const batchKey = pb.batchBy;
  const batches = batchKey
    ? makeGroupedBatches(targets, pb.serial, (n) => {
        const h = hosts.get(n)!;
        // a host without the key is its own group
        return batchKey === 'pair' ? (h.vars.pair === undefined ? `\0${n}` : String(h.vars.pair)) : batchKey({ name: n, vars: h.vars });
      })
    : makeBatches(targets, pb.serial);
  let aborted: string | undefined;
  let usageFailure = false;

  const emit = (r: StepResult) => {
    const masked = masker.maskDeep(r);
    results.push(masked);
    countResult(stats[r.host]!, masked);
    reporter.result(masked);
    const st = hosts.get(r.host)!;
    if (r.status === 'unreachable') st.out = { step: r.step, kind: 'unreachable' };
    else if (r.status === 'failed' && !r.ignored) st.out = { step: r.step, kind: 'failed' };
  };

  const becomeFor = (h: HostState, b: boolean | string | undefined): ExecOptions['become'] | undefined => {
    const want = b ?? pb.become ?? (h.vars.ansible_become === true || h.vars.ansible_become === 'true' ? true : undefined);
    if (!want) return undefined;
    const user = typeof want === 'string' ? want : typeof h.vars.ansible_become_user === 'string' ? h.vars.ansible_become_user : 'root';
    const password = opts.becomePassword ?? (typeof h.vars.ansible_become_password === 'string' ? h.vars.ansible_become_password : undefined);
    return password !== undefined ? { user, password, method: 'sudo' } : { user, method: 'sudo' };
  };

  reporter.playStart({
    playbook: pb.name,
    ...(opts.playbookFile ? { playbookFile: opts.playbookFile } : {}),
    hosts: targets,
    steps: steps.length,
    checkMode,
    batches,
  });

  const stopRequested = () => opts.signal?.aborted === true;
  // One listener on the second-Ctrl-C signal aborts every running host-step.
  const running = new Set<AbortController>();
  const onHard = () => {
    for (const c of running) c.abort(new StepFailure('interrupted', 'interrupted by a second Ctrl-C'));
  };
  opts.hardSignal?.addEventListener('abort', onHard, { once: true });

  batchLoop: for (let bi = 0; bi < batches.length; bi++) {
    const batch = batches[bi]!;
    if (batches.length > 1) reporter.batchStart(batch, bi, batches.length);
    let continueAll = false;
    for (let si = 0; si < steps.length; si++) {
      const s = steps[si]!;
      if (stopRequested()) {
        aborted = 'interrupted';
        break batchLoop;
      }
      const selected = stepHosts.get(s);
      const active = batch.filter((n) => !hosts.get(n)!.out && (!selected || selected.has(n)));
      if (active.length === 0) continue;
      if (opts.confirmStep && !continueAll) {
        const answer = await opts.confirmStep(s);
        if (answer === 'no') continue;
        if (answer === 'continue') continueAll = true;
      }
      const ev: StepStartEvent = { name: s.name, index: pb.steps.indexOf(s), hosts: active, ...(s.risk ? { risk: s.risk } : {}), ...(s.kind === 'across' ? { across: true } : {}) };
      reporter.stepStart(ev);
      const resultsBefore = results.length;
      if (s.kind === 'across') {
        const members = batch.filter((n) => !selected || selected.has(n));
        await runAcross(s, ev, members);
      } else if (s.runOnce) {
        const first = active[0]!;
        const r = await runHostStep(s, ev, hosts.get(first)!);
        emit(r);
        const shared = hosts.get(first)!.registered;
        for (const other of active.slice(1)) {
          if (s.register && s.register in shared) hosts.get(other)!.registered[s.register] = shared[s.register];
          emit({ ...r, host: other });
        }
      } else {
        await forEachLimit(active, forks, async (n) => emit(await runHostStep(s, ev, hosts.get(n)!)));
      }
      reporter.stepEnd(ev);
      const failedNow = results.slice(resultsBefore).filter((r) => r.status === 'unreachable' || (r.status === 'failed' && !r.ignored));
      // a template that does not render is bad input, like a broken playbook: stop everywhere, exit 1
      const badTemplate = failedNow.find((r) => 'failure' in r && r.failure.kind === 'template');
      if (badTemplate && 'failure' in badTemplate) {
        aborted = `template error on ${badTemplate.host} in "${s.name}": ${badTemplate.failure.message}`;
        usageFailure = true;
        break batchLoop;
      }
      if (pb.anyErrorsFatal && failedNow.length > 0) {
        aborted = `any_errors_fatal: ${failedNow[0]!.host} failed "${s.name}"`;
        break batchLoop;
      }
      if (pb.maxFailPercentage !== undefined) {
        const failed = batch.filter((n) => hosts.get(n)!.out).length;
        if ((failed / batch.length) * 100 > pb.maxFailPercentage) {
          aborted = `max_fail_percentage ${pb.maxFailPercentage}% exceeded: ${failed} of ${batch.length} hosts in the batch failed`;
          break batchLoop;
        }
      }
    }
    if (batch.every((n) => hosts.get(n)!.out)) {
      aborted = 'every host of the batch failed';
      break;
    }
  }
  opts.hardSignal?.removeEventListener('abort', onHard);
  if (aborted) reporter.message(aborted === 'interrupted' ? 'warn' : 'error', `play stopped: ${aborted}`);

  const finishedAt = new Date();
  const interrupted = opts.signal?.aborted === true;
  const summary: RunSummary = {
    playbook: pb.name,
    ...(opts.playbookFile ? { playbookFile: opts.playbookFile } : {}),
    checkMode,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    durationMs: finishedAt.getTime() - startedAt.getTime(),
    hosts: targets,
    stats,
    results,
    interrupted,
    ...(aborted ? { aborted } : {}),
    exitCode: usageFailure && !interrupted ? EXIT.usage : exitCodeFor(stats, interrupted),
  };
  await reporter.playEnd(summary);
  return summary;

  // ---- one step on one host: when → check → run → verify ----
  async function runHostStep(s: HostStep, ev: StepStartEvent, h: HostState): Promise<StepResult> {
    reporter.hostStart(h.name, ev);
    const started = Date.now();
    const rec: StepRecorder = { phase: 'when', commands: [], notes: [], warnings: [], diffs: [] };
    const ctl = new AbortController();
    running.add(ctl);
    const ctx = makeContext(h, rec, ctl.signal, s.become);
    const base = () => ({
      host: h.name,
      step: s.name,
      stepIndex: ev.index,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      commands: rec.commands,
      notes: rec.notes,
      warnings: rec.warnings,
      ...(s.risk ? { risk: s.risk } : {}),
      ...(rec.diffs.length ? { diff: rec.diffs.join('') } : {}),
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = s.timeout;
    const body = lifecycle(s, ctx, rec, h, ctl.signal);
    const guarded =
      timeout && timeout > 0
        ? Promise.race([
            body,
            new Promise<never>((_, reject) => {
              timer = setTimeout(() => {
                const err = new StepFailure('timeout', `timed out after ${timeout}s${rec.lastCommand ? ` running: ${rec.lastCommand}` : ''}`, rec.lastCommand ? { command: rec.lastCommand } : {});
                ctl.abort(err);
                reject(err);
              }, timeout * 1000);
            }),
          ])
        : body;
    try {
      const outcome = await guarded;
      if (outcome.status === 'skipped') return { ...base(), status: 'skipped', reason: outcome.reason };
      if (outcome.status === 'changed') return { ...base(), status: 'changed', ...(checkMode ? { predicted: true } : {}) };
      return { ...base(), status: 'ok' };
    } catch (err) {
      const failure = toFailure(ctl.signal.aborted && !(err instanceof StepFailure) ? ctl.signal.reason : err, s.definedAt, rec.lastCommand);
      if (isConnectionFailure(err)) return { ...base(), status: 'unreachable', failure };
      if (failure.kind === 'connection-lost') failure.message = `connection lost during "${s.name}": ${failure.message}`;
      return { ...base(), status: 'failed', failure, ...(s.ignoreErrors ? { ignored: true } : {}) };
    } finally {
      if (timer) clearTimeout(timer);
      running.delete(ctl);
      body.catch(() => undefined); // the losing side of the timeout race must not become unhandled
    }
  }

  async function lifecycle(
    s: HostStep,
    ctx: HostContext,
    rec: StepRecorder,
    h: HostState,
    signal: AbortSignal,
  ): Promise<{ status: 'ok' | 'changed' } | { status: 'skipped'; reason: string }> {
    if (s.when) {
      rec.phase = 'when';
      if (!(await s.when(ctx))) return { status: 'skipped', reason: 'condition (when) is false' };
    }
    if (s.check) {
      rec.phase = 'check';
      try {
        if (await s.check(ctx)) return { status: 'ok' };
      } catch (err) {
        // Under --check, an earlier predicted change may not have happened yet, so a check that
        // reads its result can fail; the honest prediction is that this step would run too.
        if (checkMode && h.predicted && err instanceof StepFailure && (err.kind === 'command' || err.kind === 'verify')) {
          rec.notes.push(`check could not run (${err.message}); an earlier step would change this host first`);
          return { status: 'changed' };
        }
        throw err;
      }
    }
    if (!s.run) {
      // an assertion: verify only, read-only, so it runs under --check too
      rec.phase = 'verify';
      await verifyWithSettle(s, ctx, rec, signal);
      return { status: 'ok' };
    }
    if (checkMode && !s.readOnly) {
      if (s.check) {
        h.predicted = true;
        return { status: 'changed' };
      }
      return { status: 'skipped', reason: 'check mode: the step has no check to predict with' };
    }
    rec.phase = 'run';
    const attempts = (s.retries ?? 0) + 1;
    let value: unknown;
    for (let attempt = 1; ; attempt++) {
      try {
        value = await s.run(ctx);
        if (!s.until || (await s.until(isUnchanged(value) ? value.value : value, ctx))) break;
        if (attempt >= attempts) throw new StepFailure('verify', `"until" still false after ${attempts} attempt(s)`);
      } catch (err) {
        if (attempt >= attempts || isConnectionFailure(err) || (err instanceof StepFailure && ['timeout', 'interrupted', 'connection-lost'].includes(err.kind))) {
          if (attempts > 1 && err instanceof StepFailure && !err.message.startsWith('"until"')) err.message = `${err.message} (after ${attempts} attempts)`;
          throw err;
        }
      }
      ctx.log.debug(`attempt ${attempt} of ${attempts} did not succeed; retrying in ${s.delay ?? 5}s`);
      await sleep((s.delay ?? 5) * 1000, signal);
    }
    if (s.register) h.registered[s.register] = isUnchanged(value) ? value.value : value;
    if (s.verify && !checkMode) {
      rec.phase = 'verify';
      await verifyWithSettle(s, ctx, rec, signal);
    }
    if (isUnchanged(value) || s.readOnly) return { status: 'ok' };
    return { status: 'changed' };
  }

  async function verifyWithSettle(s: HostStep, ctx: HostContext, rec: StepRecorder, signal: AbortSignal): Promise<void> {
    const deadline = Date.now() + (s.settle ?? 0) * 1000;
    for (;;) {
      try {
        const ok = await s.verify!(ctx);
        if (ok === false) throw new StepFailure('verify', 'verify returned false');
        return;
      } catch (err) {
        const retryable = err instanceof StepFailure && (err.kind === 'verify' || err.kind === 'command');
        if (!retryable || Date.now() >= deadline) throw err;
        await sleep(200, signal);
      }
    }
  }

  function makeContext(h: HostState, rec: StepRecorder, signal: AbortSignal, become: boolean | string | undefined): HostContext {
    return createHostContext({
      name: h.name,
      address: h.address,
      vars: h.vars,
      groups: h.groups,
      registered: h.registered,
      checkMode,
      diffMode: opts.diff ?? false,
      templatesDir,
      connection: () => opts.connect(h.name, h.vars),
      become: becomeFor(h, become),
      becomeFor: (b) => becomeFor(h, b),
      signal,
      recorder: rec,
      // an inline secret('...') is known only once a command uses it; results are masked after the step
      addSecrets: (values) => values.forEach((v) => masker.add(v)),
      log: {
        info: (m) => rec.notes.push(m),
        warn: (m) => rec.warnings.push(m),
        debug: () => undefined,
      },
    });
  }

  // ---- a step over groups of hosts (e.g. each source/destination pair) ----
  async function runAcross(s: AcrossStep, ev: StepStartEvent, members: string[]): Promise<void> {
    const groups = new Map<string, HostState[]>();
    for (const n of members) {
      const h = hosts.get(n)!;
      let key: string | undefined;
      if (s.across === 'all') key = 'all';
      else if (s.across === 'pair') key = h.vars.pair === undefined || h.vars.pair === null ? undefined : String(h.vars.pair);
      else key = s.across(makeContext(h, { phase: 'across', commands: [], notes: [], warnings: [], diffs: [] }, new AbortController().signal, undefined));
      if (key === undefined) {
        if (!h.out) {
          emit(failResult(s, ev, h, Date.now(), { kind: 'error', message: `host has no \`pair\` var, so it cannot be matched with its partner for "${s.name}"` }, []));
        }
        continue;
      }
      const list = groups.get(key) ?? [];
      list.push(h);
      groups.set(key, list);
    }
    await forEachLimit([...groups.entries()], forks, async ([key, group]) => {
      const live = group.filter((h) => !h.out);
      if (live.length === 0) return;
      const started = Date.now();
      const gone = group.filter((h) => h.out);
      if (gone.length > 0) {
        const why = gone.map((g) => `${g.name} ${g.out!.kind === 'unreachable' ? 'was unreachable' : 'failed'} at "${g.out!.step}"`).join('; ');
        for (const h of live) emit(failResult(s, ev, h, started, { kind: 'verify', message: `not continuing without its partner: ${why}` }, []));
        return;
      }
      const recs = new Map(live.map((h) => [h.name, { phase: 'across', commands: [], notes: [], warnings: [], diffs: [] } as StepRecorder]));
      const ctl = new AbortController();
      const ctxs = live.map((h) => makeContext(h, recs.get(h.name)!, ctl.signal, undefined));
      const view: HostGroupView = {
        key,
        hosts: ctxs,
        one(groupName) {
          const found = ctxs.filter((c) => c.groups.includes(groupName));
          if (found.length !== 1) {
            throw new StepFailure('error', `group "${key}" has ${found.length} hosts in "${groupName}" (${found.map((c) => c.name).join(', ') || 'none'}); expected exactly one`);
          }
          return found[0]!;
        },
      };
      for (const h of live) reporter.hostStart(h.name, ev);
      let status: 'ok' | 'changed' | 'skipped' = 'ok';
      let failure: Failure | undefined;
      let unreachable = false;
      try {
        if (s.run && checkMode) status = 'skipped';
        else if (s.run) {
          const v = await s.run(view);
          status = isUnchanged(v) ? 'ok' : 'changed';
        }
        if (s.verify && status !== 'skipped') {
          const ok = await s.verify(view);
          if (ok === false) throw new StepFailure('verify', 'verify returned false');
        }
      } catch (err) {
        const last = [...recs.values()].map((r) => r.lastCommand).filter(Boolean).pop();
        failure = toFailure(err, s.definedAt, last);
        unreachable = isConnectionFailure(err);
      }
      for (const h of live) {
        const rec = recs.get(h.name)!;
        const b = { host: h.name, step: s.name, stepIndex: ev.index, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, commands: rec.commands, notes: rec.notes, warnings: rec.warnings, ...(s.risk ? { risk: s.risk } : {}) };
        if (failure) {
          const withPeers: Failure = { ...failure, message: live.length > 1 ? `${failure.message} [${live.map((x) => x.name).join(' ↔ ')}]` : failure.message };
          emit(unreachable ? { ...b, status: 'unreachable', failure: withPeers } : { ...b, status: 'failed', failure: withPeers, ...(s.ignoreErrors ? { ignored: true } : {}) });
        } else if (status === 'skipped') emit({ ...b, status: 'skipped', reason: 'check mode: across-step run is not executed' });
        else emit({ ...b, status });
      }
    });
  }

  function failResult(s: Step, ev: StepStartEvent, h: HostState, started: number, f: { kind: FailureKind; message: string }, commands: StepResult['commands']): StepResult {
    return {
      host: h.name,
      step: s.name,
      stepIndex: ev.index,
      startedAt: new Date(started).toISOString(),
      durationMs: Date.now() - started,
      commands,
      notes: [],
      warnings: [],
      status: 'failed',
      failure: { ...f, ...(s.definedAt ? { definedAt: s.definedAt } : {}) },
      ...(s.ignoreErrors ? { ignored: true } : {}),
    };
  }
}
