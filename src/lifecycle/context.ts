/** The HostContext a step's functions receive: commands, facts, templates, files, notes. */
import { StepFailure, isConnectionError, isFactParseError, isStepFailure } from '../errors';
import { sh, type Command } from '../dsl/command';
import type { Fact } from '../dsl/fact';
import type { FactCache, HostContext, Logger, RunOptions, Vars } from '../dsl/types';
import type { Connection, ExecOptions, ExecResult } from '../connection/types';
import { renderFile } from '../template/index';
import type { CommandRecord } from '../results/results';
import { tailBounded } from '../util/byte-tail';
import { sleep } from '../util/async';

export type Phase = CommandRecord['phase'];

/** Per-host, per-step mutable record the engine turns into a StepResult. */
export interface StepRecorder {
  phase: Phase;
  commands: CommandRecord[];
  notes: string[];
  warnings: string[];
  diffs: string[];
  /** Text of the last command run, for failure messages ("... (devlink dev eswitch show ...)"). */
  lastCommand?: string;
}

export interface ContextDeps {
  name: string;
  address: string;
  vars: Vars;
  groups: readonly string[];
  registered: Record<string, unknown>;
  /** The host's fact cache for the run (h.facts); a fresh one when not given. */
  factCache?: Map<string, unknown>;
  checkMode: boolean;
  diffMode: boolean;
  templatesDir: string | undefined;
  connection: () => Promise<Connection>;
  /** Drops the host's connection and opens a new one (one attempt); absent when the runner cannot. */
  reconnect?: () => Promise<Connection>;
  become: ExecOptions['become'] | undefined;
  becomeFor: (b: boolean | string | undefined) => ExecOptions['become'] | undefined;
  signal: AbortSignal;
  recorder: StepRecorder;
  log: Logger;
  /** Learns the values of secret() interpolations, so results mask them too (not only secret vars). */
  addSecrets?: (values: readonly string[]) => void;
}

/** h.get(): a registered value by step or key; nothing registered on this host fails the step, naming both. */
function registeredValue<T>(registered: Record<string, unknown>, from: { kind: string; name: string; register?: string }): T {
  const name = from?.kind === 'marshal.register' ? from.name : from?.kind === 'host' ? from.register : undefined;
  if (name === undefined) {
    const what = from?.kind === 'host' ? `step "${from.name}" has no \`register\`` : 'h.get() needs a step with `register` or a register(\'name\') key';
    throw new StepFailure('error', what);
  }
  if (!(name in registered)) {
    const by = from.kind === 'host' ? `step "${from.name}"` : `"${name}"`;
    throw new StepFailure('error', `nothing registered as "${name}" on this host: ${by} did not run here (skipped, not selected, failed, or its check held so run did not run)`);
  }
  return registered[name] as T;
}

/** The last lines of a command's output for a failure message: 5 lines, at most 4 KiB (one huge line is cut, its end kept). */
export function tail(text: string, lines = 5, maxBytes = 4096): string {
  return tailBounded(text, lines, maxBytes);
}

/** A unified diff of one file; `diff` is loaded only when a --diff run shows one. */
export function unifiedDiff(path: string, before: string | undefined, after: string): string {
  const { createTwoFilesPatch } = require('diff') as typeof import('diff');
  return createTwoFilesPatch(before === undefined ? '/dev/null' : path, path, before ?? '', after, undefined, undefined, { context: 3 });
}

function factCache(cache: Map<string, unknown>, gather: <T, A extends unknown[]>(f: Fact<T, A>, ...a: A) => Promise<T>): FactCache {
  const key = (f: Fact<unknown, never>, args: readonly unknown[]) => `${f.name}\0${JSON.stringify(args)}`;
  const refresh = async <T, A extends unknown[]>(f: Fact<T, A>, ...args: A): Promise<T> => {
    const value = await gather(f, ...args);
    cache.set(key(f as Fact<unknown, never>, args), value);
    return value;
  };
  return {
    async get<T, A extends unknown[]>(f: Fact<T, A>, ...args: A): Promise<T> {
      const k = key(f as Fact<unknown, never>, args);
      return cache.has(k) ? (cache.get(k) as T) : refresh(f, ...args);
    },
    refresh,
    invalidate(f?: Fact<unknown, never>, ...args: unknown[]) {
      if (!f) return cache.clear();
      if (args.length > 0) return void cache.delete(key(f, args));
      for (const k of [...cache.keys()]) if (k.startsWith(`${f.name}\0`)) cache.delete(k);
    },
  } as FactCache;
}

type Exec = (cmd: Command, opts?: RunOptions) => Promise<ExecResult>;

/** h.fact(): runs the fact's command and parses its output; either failure names the command. */
async function runFact<T, A extends unknown[]>(exec: Exec, fact: Fact<T, A>, args: A): Promise<T> {
  const cmd = fact.command(...args);
  const res = await exec(cmd);
  const ok = fact.okExitCodes ?? [0];
  if (res.exitCode === null || !ok.includes(res.exitCode)) {
    throw new StepFailure('command', `fact ${fact.name}: command exited ${res.exitCode ?? 'by signal'}: ${cmd.text}`, {
      command: cmd.text,
      exitCode: res.exitCode,
      stderr: tail(res.stderr || res.stdout),
    });
  }
  try {
    return fact.parse(res.stdout, res.exitCode, res.stderr);
  } catch (err) {
    const msg = isFactParseError(err) ? err.message : `${fact.name}: ${(err as Error).message}`;
    throw new StepFailure('error', `could not parse the output of ${cmd.text}: ${msg}`, {
      command: cmd.text,
      stdout: res.stdout,
      cause: err,
    });
  }
}

/** h.put(): writes `content` to `path` unless the file already holds exactly those bytes. */
async function putIfChanged(d: ContextDeps, path: string, content: string | Buffer, opts: { mode?: number; secret?: boolean }): Promise<{ changed: boolean }> {
  const conn = await d.connection();
  const wanted = typeof content === 'string' ? Buffer.from(content, 'utf8') : content;
  // Read the current file as bytes, capped just above the new content's size: a longer file differs anyway.
  const read = sh`cat -- ${path} 2>/dev/null`;
  const readOpts: ExecOptions = { signal: d.signal, maxOutputBytes: Math.max(wanted.length + 1, 1024) };
  if (d.become !== undefined) readOpts.become = d.become;
  const readStarted = Date.now();
  d.recorder.lastCommand = read.text;
  const current = await conn.exec(read.text, readOpts);
  d.recorder.commands.push({ command: read.text, exitCode: current.exitCode, durationMs: Date.now() - readStarted, phase: d.recorder.phase });
  const beforeBytes = current.exitCode === 0 && !current.truncated ? (current.stdoutBytes ?? Buffer.from(current.stdout, 'utf8')) : undefined;
  if (beforeBytes?.equals(wanted)) return { changed: false };
  if (d.diffMode) {
    const before = current.exitCode === 0 ? current.stdout : undefined;
    d.recorder.diffs.push(
      typeof content !== 'string' || opts.secret
        ? `${opts.secret ? 'secret' : 'binary'} file ${path}: ${before === undefined ? 'new' : 'differs'} (${wanted.length} bytes)\n`
        : unifiedDiff(path, before, content),
    );
  }
  if (d.checkMode) return { changed: true };
  const started = Date.now();
  const putOpts: { mode?: number; become?: ExecOptions['become'] } = {};
  if (opts.mode !== undefined) putOpts.mode = opts.mode;
  if (d.become !== undefined) putOpts.become = d.become;
  await conn.putFile(path, content, putOpts);
  d.recorder.commands.push({ command: `put ${path}`, exitCode: 0, durationMs: Date.now() - started, phase: d.recorder.phase });
  return { changed: true };
}

/** Pause between connect attempts while a host comes back (a refused connect returns at once). */
const RECONNECT_POLL_MS = 1000;

/**
 * h.reconnect(): a connect error while the host is down is expected, so it is retried until the
 * deadline; the last one becomes a step failure ('error'), so a host that never came back fails
 * the step instead of being counted unreachable.
 */
async function reconnectHost(d: ContextDeps, timeoutS: number): Promise<void> {
  if (!d.reconnect) throw new StepFailure('error', `${d.name}: this runner cannot reconnect to a host (h.reconnect())`);
  const deadline = Date.now() + timeoutS * 1000;
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    if (d.signal.aborted) throw isStepFailure(d.signal.reason) ? d.signal.reason : new StepFailure('interrupted', `${d.name}: stopped while reconnecting`);
    try {
      await d.reconnect();
      d.recorder.commands.push({ command: `reconnect (attempt ${attempt})`, exitCode: 0, durationMs: Date.now() - started, phase: d.recorder.phase });
      return;
    } catch (err) {
      if (!isConnectionError(err) || Date.now() + RECONNECT_POLL_MS > deadline) {
        const why = err instanceof Error ? err.message : String(err);
        throw new StepFailure('error', `${d.name} did not answer again within ${timeoutS}s (${attempt} connect attempt(s)): ${why}`, { cause: err });
      }
    }
    await sleep(RECONNECT_POLL_MS, d.signal);
  }
}

export function createHostContext<V extends object>(d: ContextDeps): HostContext<V> {
  const exec = async (cmd: Command, opts: RunOptions = {}): Promise<ExecResult> => {
    if (!cmd || typeof cmd !== 'object' || typeof (cmd as Command).text !== 'string') {
      throw new StepFailure('error', 'h.run() takes a command built with sh`...`, argv([...]) or raw("..."), not a plain string');
    }
    if (cmd.secrets.length > 0) d.addSecrets?.(cmd.secrets);
    const conn = await d.connection();
    const become = opts.become === undefined ? d.become : d.becomeFor(opts.become);
    const started = Date.now();
    d.recorder.lastCommand = cmd.text;
    const execOpts: ExecOptions = { signal: d.signal };
    if (become !== undefined) execOpts.become = become;
    if (opts.stdin !== undefined) execOpts.stdin = opts.stdin;
    const res = await conn.exec(cmd.text, execOpts);
    d.recorder.commands.push({ command: cmd.text, exitCode: res.exitCode, durationMs: Date.now() - started, phase: d.recorder.phase });
    return res;
  };

  let facts: FactCache;
  const ctx: HostContext<V> = {
    name: d.name,
    address: d.address,
    vars: d.vars as HostContext<V>['vars'],
    groups: d.groups,
    checkMode: d.checkMode,
    diffMode: d.diffMode,
    registered: d.registered,
    get: (from) => registeredValue(d.registered, from),
    log: d.log,
    async run(cmd, opts = {}) {
      const res = await exec(cmd, opts);
      const ok = opts.okExitCodes ?? [0];
      if (res.exitCode === null || !ok.includes(res.exitCode)) {
        const why = res.exitCode === null ? `was killed${res.signal ? ` by ${res.signal}` : ''}` : `exited ${res.exitCode}`;
        throw new StepFailure('command', `command ${why}: ${cmd.text}`, {
          command: cmd.text,
          exitCode: res.exitCode,
          stderr: tail(res.stderr || res.stdout),
          stdout: res.stdout,
        });
      }
      return res;
    },
    async test(cmd, opts = {}) {
      const res = await exec(cmd, opts);
      return res.exitCode === 0;
    },
    fact<T, A extends unknown[]>(fact: Fact<T, A>, ...args: A): Promise<T> {
      return runFact(exec, fact, args);
    },
    render(template, data) {
      return renderFile(template, data, d.templatesDir);
    },
    get facts() {
      return facts;
    },
    diff(path, before, after) {
      if (d.diffMode) d.recorder.diffs.push(unifiedDiff(path, before, after));
    },
    put(path, content: string | Buffer, opts = {}) {
      return putIfChanged(d, path, content, opts);
    },
    reconnect(opts = {}) {
      return reconnectHost(d, opts.timeout ?? 0);
    },
    note(msg) {
      d.recorder.notes.push(msg);
    },
    warn(msg) {
      d.recorder.warnings.push(msg);
    },
  };
  facts = factCache(d.factCache ?? new Map(), (f, ...a) => ctx.fact(f, ...a));
  return ctx;
}
