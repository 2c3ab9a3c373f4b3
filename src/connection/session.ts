/**
 * Persistent host sessions (Mitogen's idea without Python): a few long-lived sh loops per
 * host, each on one exec channel, each running one command at a time as its own process
 * group with its own status, stdout, stderr and stdin (see session-protocol.ts). Saves the
 * channel open and sshd's per-channel fork, login shell and teardown on every command.
 */
import type { ClientChannel } from 'ssh2';
import { randomBytes } from 'node:crypto';
import { UsageError } from '../errors';
import { settleWithin } from '../util/async';
import { bootstrapCommand, encodeRequest, endId, EndScanner, HelloScanner, sessionScript } from './session-protocol';
import type { InFlight } from './in-flight';
import type { ExecResult } from './types';
import { commandLife, type CommandLife } from './command-life';
import { sudoReason, type OutputCapture } from './wrap';

export type SessionMode = 'persistent' | 'exec';
export const SESSION_MODES: readonly SessionMode[] = ['persistent', 'exec'];

/** A session mode from a flag, variable or inventory var; `where` names it in the error. */
export function parseSessionMode(value: unknown, where: string): SessionMode {
  if (typeof value === 'string' && (SESSION_MODES as readonly string[]).includes(value.trim())) return value.trim() as SessionMode;
  throw new UsageError(`${where} must be one of ${SESSION_MODES.join(', ')}, got ${JSON.stringify(value)}`);
}

/** The mode when neither the spec nor a flag says: $MARSHAL_SESSION (read here too, for embedders and tests), else persistent. */
export function defaultSessionMode(): SessionMode {
  const v = process.env.MARSHAL_SESSION;
  return v === undefined || v === '' ? 'persistent' : parseSessionMode(v, 'MARSHAL_SESSION');
}

/** The session could not start on this host (no POSIX sh, no setsid, no temp dir): use exec channels. */
export class SessionUnavailable extends Error {}

/** No channel for another session now (MaxSessions reached, or all in use): wait for a running one. */
export class NoChannelForSession extends Error {}

/** The session's channel closed before the command's exit record; `started` says if it ran. */
export class SessionDied extends Error {
  constructor(
    message: string,
    readonly started: boolean,
  ) {
    super(message);
  }
}

interface Sink {
  stdout(chunk: Buffer): void;
  stderr(chunk: Buffer): void;
}

interface Current {
  sink: Sink;
  out: EndScanner;
  err: EndScanner;
  /** Any output seen: the command ran (its wrapper's pgid line comes first). */
  started: boolean;
  resolve(status: number): void;
  reject(err: SessionDied): void;
}

/** One sh loop on one channel; one command at a time. */
export class RemoteSession {
  private current: Current | undefined;
  private readonly closeHooks: (() => void)[] = [];
  private stderrTail = '';
  /** Requests sent so far: the loop numbers them the same way. */
  private sent = 0;
  closed = false;
  pid: number | undefined;

  private constructor(
    private readonly channel: ClientChannel,
    private readonly key: string,
  ) {}

  /** The exec channel's command line for a new session; `start` sends the loop itself. */
  static newToken(pgidMarker: string): { token: string; command: string; script: string } {
    const token = randomBytes(8).toString('hex');
    const script = sessionScript(token, pgidMarker);
    return { token, command: bootstrapCommand(script), script };
  }

  /** Sends the loop and a fresh key over `channel` (already running the bootstrap) and waits for its hello. */
  static start(channel: ClientChannel, token: string, script: string, timeoutMs: number): Promise<RemoteSession> {
    // The key ends every stream: 128 random bits a command cannot print by chance, on stdin (no `ps` shows it).
    const s = new RemoteSession(channel, randomBytes(16).toString('hex'));
    const hello = new HelloScanner(token);
    return new Promise<RemoteSession>((resolve, reject) => {
      let exitCode: number | null = null;
      const timer = setTimeout(() => {
        s.close();
        reject(new SessionUnavailable(`no greeting from the session within ${timeoutMs} ms`));
      }, timeoutMs);
      channel.on('exit', (code: number | null) => (exitCode = code));
      channel.stderr.on('data', (c: Buffer) => s.onStderr(c));
      channel.on('data', (c: Buffer) => {
        if (s.pid !== undefined) return s.onStdout(c);
        try {
          const h = hello.push(c);
          if (!h) return;
          s.pid = h.pid;
          clearTimeout(timer);
          resolve(s);
        } catch (err) {
          s.close();
          reject(err instanceof Error ? err : new Error(String(err)));
        }
      });
      channel.on('close', () => {
        clearTimeout(timer);
        s.onClosed();
        const why = `the session shell exited (status ${exitCode ?? 'none'})${s.stderrTail.trim() ? `: ${s.stderrTail.trim()}` : ''}`;
        reject(new SessionUnavailable(why));
      });
      channel.write(`${script}${s.key}\n`);
    });
  }

  private onStdout(chunk: Buffer): void {
    const cur = this.current;
    if (!cur || cur.out.ended) return; // a background child of an earlier command still writing: not ours
    let r: { data: Buffer; rest?: Buffer };
    try {
      r = cur.out.push(chunk);
    } catch {
      return this.close(); // a broken stream: drop the session (the command fails as SessionDied)
    }
    if (r.data.length > 0) cur.started = true;
    cur.sink.stdout(r.data);
    this.settle(cur);
  }

  private onStderr(chunk: Buffer): void {
    const cur = this.current;
    if (!cur || cur.err.ended) {
      if (this.pid === undefined) this.stderrTail = (this.stderrTail + chunk.toString('utf8')).slice(-300);
      return;
    }
    const r = cur.err.push(chunk);
    if (r.data.length > 0) cur.started = true;
    cur.sink.stderr(r.data);
    this.settle(cur);
  }

  private settle(cur: Current): void {
    if (!cur.out.ended || !cur.err.ended || this.current !== cur) return;
    this.current = undefined;
    cur.resolve(cur.out.status ?? 255);
  }

  private onClosed(): void {
    this.closed = true;
    const cur = this.current;
    this.current = undefined;
    cur?.reject(new SessionDied(`the session shell on the host went away${this.stderrTail.trim() ? ` (${this.stderrTail.trim()})` : ''}`, cur.started));
    for (const h of this.closeHooks.splice(0)) h();
  }

  onClose(hook: () => void): void {
    if (this.closed) hook();
    else this.closeHooks.push(hook);
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  /** Runs one command; resolves with its exit status once all its output was passed to `sink`. */
  /** `portable`: the text means the same to every POSIX shell, so /bin/sh runs it (cheaper than most login shells). */
  run(text: string, stdin: string | Buffer | undefined, sink: Sink, portable = false): Promise<number> {
    if (this.closed) return Promise.reject(new SessionDied('the session is closed', false));
    if (this.current) return Promise.reject(new Error('session busy'));
    const id = endId(this.key, ++this.sent);
    return new Promise<number>((resolve, reject) => {
      this.current = { sink, out: new EndScanner(id, true), err: new EndScanner(id, false), started: false, resolve, reject };
      for (const part of encodeRequest(text, stdin, portable)) this.channel.write(part);
    });
  }

  close(): void {
    if (this.closed) return;
    try {
      this.channel.close();
    } catch {
      /* gone */
    }
  }
}

/**
 * The sessions of one connection: idle ones are reused, a new one is opened while all are
 * busy and fewer than `max` exist (each holds a channel: MaxSessions), else the command queues.
 */
export class SessionPool {
  private readonly idle: RemoteSession[] = [];
  private readonly all = new Set<RemoteSession>();
  private readonly waiters: (() => void)[] = [];
  private opening = 0;
  /** Why sessions cannot run on this host; every later command uses exec channels. */
  unavailable: string | undefined;

  constructor(
    private readonly open: () => Promise<RemoteSession>,
    private max: number,
    private readonly debug?: (text: string) => void,
  ) {}

  get size(): number {
    return this.all.size;
  }

  /** Sessions open or being opened (a caller opening one counts itself). */
  get live(): number {
    return this.all.size + this.opening;
  }

  /** A session for one command, or undefined when this host cannot run sessions. */
  async lease(): Promise<RemoteSession | undefined> {
    for (;;) {
      if (this.unavailable) return undefined;
      const s = this.idle.pop();
      if (s) {
        if (!s.closed) return s;
        continue;
      }
      if (this.all.size + this.opening < this.max) {
        const fresh = await this.openOne();
        if (fresh !== 'full') {
          if (fresh) return fresh;
          continue;
        }
        if (this.live === 0) continue; // the last session went meanwhile: open one again
      }
      await new Promise<void>((r) => this.waiters.push(r));
    }
  }

  /** A new session; undefined when sessions cannot run here; 'full' when no channel is free for it. */
  private async openOne(): Promise<RemoteSession | undefined | 'full'> {
    this.opening += 1;
    try {
      const s = await this.open();
      this.all.add(s);
      s.onClose(() => this.drop(s));
      this.debug?.(`ssh: persistent session ${this.all.size} started (remote pid ${s.pid})`);
      return s;
    } catch (err) {
      if (err instanceof SessionUnavailable) {
        this.unavailable = err.message;
        this.debug?.(`ssh: persistent session unavailable (${err.message}): one channel per command on this host`);
        this.wakeAll();
        return undefined;
      }
      if (err instanceof NoChannelForSession) return 'full';
      // Refused channel with sessions already open (MaxSessions): make do with those.
      if (this.all.size > 0 && /Channel open failure/i.test((err as Error).message)) {
        this.max = this.all.size;
        return 'full';
      }
      throw err;
    } finally {
      this.opening -= 1;
    }
  }

  /** Hands the session back (to a waiting command first). */
  release(s: RemoteSession): void {
    if (s.closed) return;
    this.idle.push(s);
    this.waiters.shift()?.();
  }

  /** Drops a session whose state is unknown (a stop that did not finish). */
  discard(s: RemoteSession): void {
    s.close();
    this.drop(s);
  }

  private drop(s: RemoteSession): void {
    if (!this.all.delete(s)) return;
    const at = this.idle.indexOf(s);
    if (at >= 0) this.idle.splice(at, 1);
    this.waiters.shift()?.(); // a waiter may now open a replacement
  }

  private wakeAll(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  /** Closes idle sessions: an exec channel needs their slot (MaxSessions). True if any closed. */
  closeIdle(): boolean {
    const n = this.idle.length;
    for (const s of this.idle.splice(0)) this.discard(s);
    return n > 0;
  }

  closeAll(): void {
    for (const s of [...this.all]) this.discard(s);
    this.wakeAll();
  }
}

/** What a session command needs from its connection. */
export interface SessionHost {
  name: string;
  pool: SessionPool;
  inFlight: InFlight;
  connected(): boolean;
  lostReason(): string;
  /** TERM then KILL to a process group on the host (over another channel or connection), bounded. */
  stopGroup(pgid: number): Promise<void>;
  reapAfterLoss(pgid: number | undefined): Promise<string>;
}

export interface SessionCommand {
  command: string;
  text: string;
  stdin?: string | Buffer;
  /** The text means the same to any POSIX shell (one exec'd command, or sudo running /bin/sh). */
  portable: boolean;
  capture: OutputCapture;
  become: boolean;
  secrets: (string | undefined)[];
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Runs the command over an exec channel instead (the host cannot run sessions). */
  fallback(): Promise<ExecResult>;
}

/** What a stop needs to know of one session command. */
interface SessionRun {
  session?: RemoteSession;
  /** The command's process group, from its wrapper's first stderr line (as in exec mode). */
  pgid(): number | undefined;
  finished: Promise<unknown>;
}

/** Runs one command in a session, with the same timeout, abort, stop and loss behaviour as exec mode. */
export function runInSession(host: SessionHost, cmd: SessionCommand): Promise<ExecResult> {
  const started = performance.now();
  return new Promise<ExecResult>((resolve, reject) => {
    const st: SessionRun = { finished: Promise.resolve(), pgid: () => cmd.capture.stderr.pgid };
    const life = commandLife({
      name: host.name,
      timeoutMs: cmd.timeoutMs,
      signal: cmd.signal,
      inFlight: host.inFlight,
      secrets: cmd.secrets,
      partial: () => cmd.capture.result(),
      kill: () => stopRemote(host, st),
      resolve,
      reject,
    });
    const finish = (status: number): void => {
      if (!life.open) return;
      const out = cmd.capture.result();
      if (cmd.become && !cmd.capture.stderr.becomeOk) return life.fail('become', `${host.name}: ${sudoReason(out.stderr)}`, { exitCode: status });
      life.succeed({ ...out, exitCode: status, durationMs: performance.now() - started });
    };
    void driveSession(host, cmd, st, life, finish);
  });
}

/** Leases a session and runs the command on it; a session that died before the command started is replaced. */
async function driveSession(host: SessionHost, cmd: SessionCommand, st: SessionRun, life: CommandLife, finish: (status: number) => void): Promise<void> {
  for (let tries = 0; ; tries++) {
    let session: RemoteSession | undefined;
    try {
      session = await host.pool.lease();
    } catch (err) {
      if (!host.connected()) return life.fail('connection-lost', `${host.name}: connection lost (${host.lostReason()})`);
      return life.fail('error', `${host.name}: cannot start a session: ${(err as Error).message}`);
    }
    if (!session) return life.open ? life.handOff(cmd.fallback) : undefined;
    if (!life.open) return host.pool.release(session);
    st.session = session;
    const sink: Sink = {
      stdout: (c) => cmd.capture.stdout.push(c),
      stderr: (c) => void cmd.capture.stderr.push(c),
    };
    const running = session.run(cmd.text, cmd.stdin, sink, cmd.portable);
    st.finished = running;
    try {
      const status = await running;
      host.pool.release(session);
      return finish(status);
    } catch (err) {
      if (!life.open) return;
      // The channel closing first, then the connection: give the connection's close a moment.
      await new Promise((r) => setTimeout(r, 50));
      if (!life.open) return; // a stop began meanwhile: it ends the command
      if (!host.connected()) {
        const why = `${host.name}: connection lost while the command ran (${host.lostReason()})`;
        return void (await life.stopWith('connection-lost', host.reapAfterLoss(st.pgid()).then((note) => `${why}${note}`)));
      }
      const died = err instanceof SessionDied ? err : new SessionDied((err as Error).message, true);
      if (!died.started && tries < 3) continue; // it never ran: run it on a new session
      const pgid = st.pgid();
      if (pgid !== undefined) await host.stopGroup(pgid);
      return life.fail('error', `${host.name}: ${died.message} while the command ran; its process group was stopped`);
    }
  }
}

/**
 * How long a stop waits for a sent command's pgid line. The loop prints it as soon as it has read
 * the request, so a long wait means a loaded host, not a command that never starts; dropping the
 * session instead would leave the command running (closing a channel signals nothing).
 */
const PGID_WAIT_MS = 10_000;

/** Stops the command the session runs: kill its group, then wait for its exit record (else drop the session). */
async function stopRemote(host: SessionHost, st: SessionRun): Promise<void> {
  const session = st.session;
  if (!session) return;
  // The pgid line is the first thing the command prints; give it a moment if the stop came first.
  for (let i = 0; i < PGID_WAIT_MS / 50 && st.pgid() === undefined && host.connected(); i++) {
    if (await settleWithin(st.finished, 50)) return;
  }
  const pgid = st.pgid();
  if (pgid !== undefined && host.connected()) await host.stopGroup(pgid);
  if (!(await settleWithin(st.finished, 1000))) host.pool.discard(session);
}
