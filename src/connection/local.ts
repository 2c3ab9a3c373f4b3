/**
 * LocalConnection: runs commands on this machine through `/bin/sh -c` (execa), with the
 * same semantics as ssh: the command gets its own process group so a timeout or abort
 * stops everything it started, and become goes through sudo with the same prompt logic.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { StepFailure, type FailureKind } from '../errors';
import { putFileVia } from './ssh';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from './types';
import { InFlight } from './in-flight';
import { sleep } from '../util/async';
import { DEFAULT_MAX_OUTPUT, effectiveBecome, maskSecrets, newMarkers, OutputCapture, refuseUnsendable, sudoReason, wrapCommand } from './wrap';

const KILL_GRACE_MS = 2000;

/** Is any non-zombie process left in this process group? (Linux /proc) */
export function groupAlive(pgid: number): boolean {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      // Fields after the parenthesised command name: state ppid pgrp ...
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(rest[2]) === pgid && rest[0] !== 'Z') return true;
    } catch {
      /* exited while we looked */
    }
  }
  return false;
}

function signalGroup(pgid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(-pgid, sig);
  } catch {
    /* group already gone */
  }
}


export class LocalConnection implements Connection {
  readonly spec: ConnectionSpec;
  private readonly inFlight = new InFlight();

  constructor(spec: ConnectionSpec) {
    this.spec = spec;
  }

  async connect(): Promise<void> {
    /* nothing to open */
  }

  /** Stops what is still running: detached process groups outlive Marshal otherwise. */
  async close(): Promise<void> {
    await this.inFlight.stopAll();
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    const name = this.spec.name;
    if (opts.signal?.aborted) throw new StepFailure('interrupted', `${name}: interrupted before the command started`, { command });
    const { execa } = await import('execa');
    const become = effectiveBecome(this.spec.become, opts.become);
    const markers = newMarkers();
    const text = wrapCommand({ command, reportPgid: false, become, env: opts.env }, markers).text;
    refuseUnsendable(name, command, text);
    const passwordMode = become?.password !== undefined;
    const secrets = [become?.password, this.spec.password];
    const mask = (s: string): string => maskSecrets(s, secrets);
    const limit = opts.maxOutputBytes ?? this.spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const capture = new OutputCapture(command, markers, { pgid: false, become: become !== undefined, watchPrompt: passwordMode }, limit, secrets);
    const filter = capture.stderr;
    const started = performance.now();

    // detached: the shell leads a new session and process group, so killing -pid reaches all of it.
    const child = execa('/bin/sh', ['-c', text], { detached: true, reject: false, buffer: false, stdin: 'pipe', stripFinalNewline: false });
    const pid = child.pid;
    let stopping: FailureKind | undefined;
    let stopped: Promise<void> = Promise.resolve();
    let wrongPassword = false;
    // TERM to the group, KILL after the grace period; resolves once nothing of it is alive.
    const stop = (kind: FailureKind): Promise<void> => {
      if (stopping || pid === undefined) return stopped;
      stopping = kind;
      signalGroup(pid, 'SIGTERM');
      stopped = (async () => {
        const deadline = Date.now() + KILL_GRACE_MS;
        while (groupAlive(pid) && Date.now() < deadline) await sleep(50);
        signalGroup(pid, 'SIGKILL');
        while (groupAlive(pid)) await sleep(20);
      })();
      return stopped;
    };
    const untrack = this.inFlight.track(() => stop('interrupted'));
    const timer = opts.timeoutMs !== undefined ? setTimeout(() => void stop('timeout'), opts.timeoutMs) : undefined;
    const onAbort = (): void => void stop('interrupted');
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout?.on('data', (c: Buffer) => capture.stdout.push(c));
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const ev of filter.push(chunk)) {
        if (ev.type === 'prompt') {
          if (ev.count === 1) child.stdin?.write(`${become!.password}\n`);
          else {
            wrongPassword = true;
            child.stdin?.end();
          }
        } else if (ev.type === 'become-ok' && passwordMode) {
          if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
          else child.stdin?.end();
        }
      }
    });
    child.stdin?.on('error', () => undefined); // the command may exit without reading stdin
    if (!passwordMode) {
      if (opts.stdin !== undefined) child.stdin?.end(opts.stdin);
      else child.stdin?.end();
    }

    const res = await child;
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
    // the shell is gone; a stopped command's group may still be dying: report it once it is dead
    await stopped;
    untrack();
    const out = capture.result();
    if (stopping === 'timeout') throw new StepFailure('timeout', `${name}: timed out after ${opts.timeoutMs} ms`, out);
    if (stopping) throw new StepFailure(stopping, `${name}: interrupted`, out);
    const exitCode = res.exitCode ?? null;
    if (wrongPassword) throw new StepFailure('become', `${name}: sudo: wrong password`, { ...out, exitCode });
    if (become && !filter.becomeOk) throw new StepFailure('become', `${name}: ${mask(sudoReason(out.stderr))}`, { ...out, exitCode });
    const result: ExecResult = { ...out, exitCode, durationMs: performance.now() - started };
    if (res.signal) result.signal = res.signal.replace(/^SIG/, '');
    return result;
  }

  async putFile(remotePath: string, content: string | Buffer, opts: { mode?: number; become?: ExecOptions['become'] } = {}): Promise<void> {
    await putFileVia(this, remotePath, content, opts);
  }
}
