/**
 * SshConnection: one SSH connection per host (node-ssh over ssh2), many channels on it.
 * Host keys are checked against known_hosts, ssh_config is honoured (ProxyJump included),
 * commands run through the remote shell and can really be stopped: the wrapper reports
 * the session shell's pid, which is its process group, and a timeout kills that group.
 */
import { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { readFileSync, statSync } from 'node:fs';
import { basename, posix } from 'node:path';
import { randomBytes } from 'node:crypto';
import { NodeSSH, type Config } from 'node-ssh';
import { utils as ssh2utils, type AnyAuthMethod, type AuthenticationType, type ClientChannel, type ParsedKey } from 'ssh2';
import { ConnectionError, StepFailure, isConnectionError } from '../errors';
import { quote } from '../util/shell';
import { classifyConnectError, type ConnectContext } from './classify';
import { fingerprint, hostKeyAlgorithms as knownHostKeyAlgorithms, keyTypeOf, knownHostName, verifyHostKey, type VerifyOutcome } from './known-hosts';
import { backoffMs, droppedBeforeHandshake, handshakeGate } from './handshake';
import { resolveEndpoint, resolveHop, type ResolvedEndpoint } from './resolve';
import { AdaptiveSemaphore } from './semaphore';
import type { Connection, ConnectionSpec, ExecOptions, ExecResult } from './types';
import { InFlight } from './in-flight';
import { commandLife, type CommandLife } from './command-life';
import { settleWithin, sleep } from '../util/async';
import { DEFAULT_MAX_OUTPUT, effectiveBecome, execIfSimple, newMarkers, OutputCapture, refuseUnsendable, sudoReason, wrapCommand, type BecomeSpec } from './wrap';
import { defaultSessionMode, NoChannelForSession, RemoteSession, runInSession, SessionPool, SessionUnavailable, type SessionHost } from './session';

/** The mutable state of one command run, shared by run() and its channel-opening loop. */
interface RunState {
  channel: ClientChannel | undefined;
  channelClosed: Promise<void>;
}

/** What the channel-opening loop reports back to run(). */
interface ChannelIo {
  stdout(chunk: Buffer): void;
  stderr(ch: ClientChannel, chunk: Buffer): void;
  opened(ch: ClientChannel): void;
  closed(code: number | null, signal: string | null): void;
  pgid(): number | undefined;
}

/** How long a stopped command gets between TERM and KILL. */
const KILL_GRACE_MS = 2000;
/** Most persistent sessions per host: room for concurrent steps, MaxSessions (10) left for kills and sudo with a password. */
const MAX_SESSIONS_PER_HOST = 4;

interface AuthAttempt {
  label: string;
  needs: AuthenticationType;
  method: AnyAuthMethod;
}

/** Private keys read and parsed once per process (a fleet shares one key): path -> parse. */
const keyCache = new Map<string, { stamp: string; key: ParsedKey | Error }>();

function readKey(file: string): ParsedKey | Error {
  const st = statSync(file); // throws like readFileSync would (ENOENT, EACCES)
  const stamp = `${st.mtimeMs}:${st.size}:${st.ino}`;
  const hit = keyCache.get(file);
  if (hit && hit.stamp === stamp) return hit.key;
  const key = ssh2utils.parseKey(readFileSync(file));
  keyCache.set(file, { stamp, key });
  return key;
}

function authAttempts(ep: ResolvedEndpoint): AuthAttempt[] {
  const out: AuthAttempt[] = [];
  const username = ep.user;
  if (ep.agentSocket) out.push({ label: 'agent', needs: 'publickey', method: { type: 'agent', username, agent: ep.agentSocket } });
  for (const file of ep.keyFiles) {
    let parsed: ParsedKey | Error;
    try {
      parsed = readKey(file);
    } catch (err) {
      if (file === ep.explicitKey) {
        throw new ConnectionError('auth', `${ep.name}: cannot read private key ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
      }
      continue;
    }
    if (parsed instanceof Error) {
      if (file === ep.explicitKey) throw new ConnectionError('auth', `${ep.name}: cannot use private key ${file}: ${parsed.message}`);
      continue; // e.g. a passphrase-protected default key: OpenSSH would ask, we cannot
    }
    // The parsed key goes to ssh2 as is: no second parse per host.
    out.push({ label: `publickey (${file})`, needs: 'publickey', method: { type: 'publickey', username, key: parsed } });
  }
  if (ep.password !== undefined) {
    const password = ep.password;
    out.push({ label: 'password', needs: 'password', method: { type: 'password', username, password } });
    out.push({
      label: 'keyboard-interactive',
      needs: 'keyboard-interactive',
      method: {
        type: 'keyboard-interactive',
        username,
        prompt: (_n, _i, _l, prompts, finish) => finish(prompts.map((p) => (/password/i.test(p.prompt) ? password : ''))),
      },
    });
  }
  return out;
}

/** The transport under each client (a TCP socket, or a jump host's channel). */
const transports = new WeakMap<NodeSSH, Duplex>();

/**
 * Says goodbye (SSH_MSG_DISCONNECT) and lets go of the transport at once: waiting for each
 * server's FIN adds nothing but time at the end of a run (~1 ms a host on a busy machine).
 */
function shut(ssh: NodeSSH): void {
  ssh.dispose();
  transports.get(ssh)?.destroy();
}

/** A connection trace line sink (-vvv), or nothing. */
type Trace = ((text: string) => void) | undefined;

/** ssh2's default host key algorithms, in its order (ed25519 is supported by every Node we run on). */
const DEFAULT_HOST_KEY_ALGORITHMS = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];

/** Opens a TCP connection to the endpoint (no jump host). */
function directSocket(ep: ResolvedEndpoint): Duplex {
  const s = new Socket();
  s.setNoDelay(true); // many small request/response packets: Nagle only adds latency
  s.on('error', () => undefined); // ssh2 reports it; this keeps an early error from being unhandled
  s.connect({ host: ep.address, port: ep.port });
  return s;
}

/**
 * Opens one authenticated, host-key-checked SSH connection (through `openSock` when jumping).
 * Handshakes to one endpoint are gated (see handshake.ts); one the server drops before it
 * finishes (MaxStartups) is retried with backoff while the connect timeout lasts.
 */
async function connectEndpoint(ep: ResolvedEndpoint, openSock: (() => Promise<Duplex>) | undefined, via: string | undefined, trace: Trace): Promise<NodeSSH> {
  const where = `${ep.address}:${ep.port}${via ? ` ${via}` : ''}`;
  // RFC 6761 §6.4: names under .invalid never resolve; answer at once instead of asking DNS.
  if (!openSock && /(^|\.)invalid\.?$/i.test(ep.address)) {
    const ctx = connectContext(ep, via);
    throw classifyConnectError(Object.assign(new Error(`getaddrinfo ENOTFOUND ${ep.address}`), { code: 'ENOTFOUND' }), ctx);
  }
  trace?.(`ssh: connecting to ${ep.user}@${where} (timeout ${ep.connectTimeoutMs} ms)`);
  const gate = handshakeGate(`${via ?? 'direct'} ${ep.address}:${ep.port}`);
  let deadline: number | undefined;
  for (let attempt = 1; ; attempt++) {
    await gate.acquire();
    deadline ??= Date.now() + ep.connectTimeoutMs; // the queue before the first attempt does not count
    const ctx = connectContext(ep, via);
    let wait: number;
    try {
      const sock = openSock ? await openSock() : directSocket(ep);
      return await handshake(ep, sock, ctx, Math.max(1000, deadline - Date.now()), trace);
    } catch (err) {
      if (isConnectionError(err) || ctx.hostKeyProblem || !droppedBeforeHandshake(err)) throw classifyConnectError(err, ctx);
      wait = backoffMs(attempt);
      ctx.dropped = { attempts: attempt };
      if (Date.now() + wait >= deadline) throw classifyConnectError(err, ctx);
      gate.lower(gate.inUse - 1);
      trace?.(`ssh: ${where} closed the connection before the handshake (attempt ${attempt}: ${(err as Error).message}); probably MaxStartups: retrying in ${wait} ms, now ${gate.limit} handshakes at once to it`);
    } finally {
      gate.release();
    }
    await sleep(wait);
  }
}

function connectContext(ep: ResolvedEndpoint, via: string | undefined): ConnectContext {
  const ctx: ConnectContext = { name: ep.name, address: ep.address, port: ep.port, user: ep.user, timeoutMs: ep.connectTimeoutMs, methods: [] };
  if (via) ctx.via = via;
  return ctx;
}

/** Host key algorithms to offer: the types known_hosts holds for this host first, as OpenSSH does. */
function hostKeyAlgorithms(ep: ResolvedEndpoint, trace: Trace): string[] | undefined {
  if (ep.policy === 'off') return undefined;
  const hk = knownHostKeyAlgorithms(ep.knownHostsFiles, ep.address, ep.port, DEFAULT_HOST_KEY_ALGORITHMS);
  if (hk) trace?.(`ssh: known_hosts has ${hk.knownTypes.join(', ')} for ${knownHostName(ep.address, ep.port)}: offering host key algorithms ${hk.algorithms.join(',')}`);
  return hk?.algorithms;
}

/** One handshake attempt over `socket`: raw ssh2/node-ssh errors are thrown as they are. */
async function handshake(ep: ResolvedEndpoint, socket: Duplex, ctx: ConnectContext, timeoutMs: number, trace: Trace): Promise<NodeSSH> {
  const queue = authAttempts(ep);
  const ssh = new NodeSSH();
  const algorithms = hostKeyAlgorithms(ep, trace);
  const config: Config = {
    host: ep.address,
    port: ep.port,
    sock: socket as unknown as Config['sock'],
    username: ep.user,
    readyTimeout: timeoutMs,
    keepaliveInterval: ep.keepaliveIntervalMs,
    keepaliveCountMax: ep.keepaliveCountMax,
    ...(algorithms ? { algorithms: { serverHostKey: algorithms as NonNullable<NonNullable<Config['algorithms']>['serverHostKey']> } } : {}),
    hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
      verifyHostKey({ hostLabel: ep.name, host: ep.address, port: ep.port, keyBlob: key, files: ep.knownHostsFiles, policy: ep.policy }).then(
        (o) => {
          if (!o.ok) ctx.hostKeyProblem = o.message;
          trace?.(`ssh: host key ${keyTypeOf(key)} ${fingerprint(key)}: ${hostKeyNote(o, ep.policy)}`);
          verify(o.ok);
        },
        (err: Error) => {
          ctx.hostKeyProblem = `${ep.name}: cannot check the host key: ${err.message}`;
          verify(false);
        },
      );
    },
    // One attempt per method, in OpenSSH's order, skipping what the server does not offer.
    authHandler: (authsLeft, _partial, next) => {
      for (;;) {
        const a = queue.shift();
        if (!a) return next(false as unknown as AuthenticationType);
        if (authsLeft && !authsLeft.includes(a.needs)) continue;
        ctx.methods.push(a.label);
        trace?.(`ssh: trying auth ${a.label}`);
        return next(a.method);
      }
    },
  };
  try {
    await ssh.connect(config);
  } catch (err) {
    ssh.dispose();
    socket.destroy();
    throw err;
  }
  trace?.(`ssh: authenticated as ${ep.user} on ${ep.address}:${ep.port}${ctx.via ? ` ${ctx.via}` : ''} (${ctx.methods[ctx.methods.length - 1] ?? 'none'})`);
  // Every client, jump hosts and short-lived kill connections included, needs an error listener:
  // a reset after connect (a jump host going away) would otherwise crash the process.
  ssh.connection?.on('error', () => undefined);
  transports.set(ssh, socket);
  return ssh;
}

function hostKeyNote(o: VerifyOutcome, policy: string): string {
  if (!o.ok) return 'refused';
  if (o.added) return `new, recorded in ${o.added.file} (accept-new)`;
  if (o.entry) return `matches ${o.entry.file}:${o.entry.line}`;
  return `not checked (host key checking ${policy})`;
}

function isChannelOpenFailure(err: unknown): boolean {
  return err instanceof Error && /Channel open failure/i.test(err.message);
}


/**
 * Writes stdin (if any), then closes it with SSH_MSG_CHANNEL_EOF. The stream itself is left
 * for ssh2 to end when the channel closes: one packet, none of the Writable's finish machinery.
 */
function sendStdin(ch: ClientChannel, data: string | Buffer | undefined): void {
  if (data === undefined || data.length === 0) ch.eof();
  else ch.write(data, () => ch.eof());
}

export class SshConnection implements Connection {
  readonly spec: ConnectionSpec;
  private ssh: NodeSSH | undefined;
  private hops: NodeSSH[] = [];
  private connecting: Promise<void> | undefined;
  private state: 'idle' | 'ready' | 'lost' | 'closed' = 'idle';
  private lostReason = 'connection closed';
  private readonly sem: AdaptiveSemaphore;
  private readonly markers = newMarkers();
  private readonly inFlight = new InFlight();
  /** Persistent sessions (session: persistent), else undefined: one channel per command. */
  private readonly sessions: SessionPool | undefined;
  private readonly sessionHost: SessionHost | undefined;

  constructor(spec: ConnectionSpec) {
    this.spec = spec;
    this.sem = new AdaptiveSemaphore(spec.maxSessions ?? 10);
    if ((spec.session ?? defaultSessionMode()) === 'persistent') {
      const max = Math.max(1, Math.min(MAX_SESSIONS_PER_HOST, this.sem.limit - 1));
      this.sessions = new SessionPool(() => this.openSession(), max, spec.debug);
      this.sessionHost = {
        name: spec.name,
        pool: this.sessions,
        inFlight: this.inFlight,
        connected: () => this.state === 'ready',
        lostReason: () => this.lostReason,
        stopGroup: (pgid) => {
          spec.debug?.(`ssh: stopping the command: TERM, then KILL after ${KILL_GRACE_MS} ms, to remote process group ${pgid}`);
          return settleWithin(this.killGroup(pgid), KILL_GRACE_MS + this.killConnectBudgetMs()).then(() => undefined);
        },
        reapAfterLoss: (pgid) => this.reapAfterLoss(pgid),
      };
    }
  }

  /** Why this host runs one channel per command although sessions were asked for (undefined: sessions in use, or not asked for). */
  get sessionFallback(): string | undefined {
    return this.sessions?.unavailable;
  }

  /** Current channel limit (lowered when the server refuses channels). */
  get sessionLimit(): number {
    return this.sem.limit;
  }

  connect(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (!this.connecting) {
      this.connecting = this.open().then(
        () => {
          this.connecting = undefined;
        },
        (err: unknown) => {
          this.connecting = undefined;
          throw err;
        },
      );
    }
    return this.connecting;
  }

  /** Opens the hops and the target connection; the caller owns what it returns. */
  private async establish(): Promise<{ ssh: NodeSSH; hops: NodeSSH[] }> {
    const ep = resolveEndpoint(this.spec);
    const hopEps = ep.jumps.map((h) => resolveHop(h, this.spec, ep));
    const trace = this.spec.debug;
    if (hopEps.length > 0) trace?.(`ssh: jump hosts ${hopEps.map((h) => `${h.user}@${h.address}:${h.port}`).join(' -> ')}`);
    const opened: NodeSSH[] = [];
    try {
      let openSock: (() => Promise<Duplex>) | undefined;
      let via: string | undefined;
      for (let i = 0; i < hopEps.length; i++) {
        const hop = hopEps[i]!;
        const next = hopEps[i + 1] ?? ep;
        const hopSsh = await connectEndpoint(hop, openSock, via, trace);
        opened.push(hopSsh);
        via = `via jump host ${hop.user}@${hop.address}:${hop.port}`;
        // A function, not a channel: a handshake dropped by the next server is retried over a new channel.
        openSock = async () => {
          try {
            return await hopSsh.forwardOut('127.0.0.1', 0, next.address, next.port);
          } catch (err) {
            throw new ConnectionError('unreachable', `${this.spec.name}: jump host ${hop.address}:${hop.port} could not reach ${next.address}:${next.port}: ${(err as Error).message}`, { cause: err });
          }
        };
      }
      return { ssh: await connectEndpoint(ep, openSock, via, trace), hops: opened };
    } catch (err) {
      for (const h of opened.reverse()) shut(h);
      throw err;
    }
  }

  private async open(): Promise<void> {
    const { ssh, hops } = await this.establish();
    const client = ssh.connection!;
    client.on('error', (err: Error) => {
      this.lostReason = err.message;
    });
    const onGone = (): void => {
      if (this.state === 'ready') this.state = 'lost';
    };
    client.on('end', onGone);
    client.on('close', onGone);
    // Each kill script (node-ssh execCommand) adds a short-lived error listener; many at once is normal.
    client.setMaxListeners(0);
    this.ssh = ssh;
    this.hops = hops;
    this.state = 'ready';
  }

  async close(): Promise<void> {
    // what this connection started is stopped before it goes (see InFlight)
    await this.inFlight.stopAll();
    this.sessions?.closeAll();
    this.state = 'closed';
    if (this.ssh) shut(this.ssh);
    for (const h of this.hops.reverse()) shut(h);
    this.ssh = undefined;
    this.hops = [];
  }

  private lostFailure(command: string): StepFailure {
    return new StepFailure('connection-lost', `${this.spec.name}: connection lost (${this.lostReason})`, { command });
  }

  async exec(command: string, opts: ExecOptions = {}): Promise<ExecResult> {
    if (opts.signal?.aborted) throw new StepFailure('interrupted', `${this.spec.name}: interrupted before the command started`, { command });
    if (this.state === 'lost' || this.state === 'closed') throw this.lostFailure(command);
    if (this.state !== 'ready') await this.connect();
    const become = effectiveBecome(this.spec.become, opts.become);
    const wrapped = wrapCommand({ command, reportPgid: true, become, env: opts.env }, this.markers);
    refuseUnsendable(this.spec.name, command, wrapped.text);
    // sudo's password is answered on the command's stdin when it asks: that needs a channel of its own.
    if (this.sessionHost && become?.password === undefined) return this.runInSession(command, wrapped.text, become, opts);
    return this.run(command, wrapped.text, become, opts);
  }

  /** Runs the command in a session's loop: the exec text (`execText`, for the fallback) less the pgid line, which the loop prints. */
  private runInSession(command: string, execText: string, become: BecomeSpec | undefined, opts: ExecOptions): Promise<ExecResult> {
    const text = wrapCommand({ command, reportPgid: true, pgidByRunner: true, become, env: opts.env }, this.markers).text;
    const secrets = [become?.password, this.spec.password];
    const limit = opts.maxOutputBytes ?? this.spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const capture = new OutputCapture(command, this.markers, { pgid: true, become: become !== undefined, watchPrompt: false }, limit, secrets);
    const fallback = (): Promise<ExecResult> => this.run(command, execText, become, opts);
    // sudo runs the command with /bin/sh, and one exec'd external command needs no particular shell
    const portable = become !== undefined || execIfSimple(command) !== command;
    return runInSession(this.sessionHost!, { command, text, stdin: opts.stdin, portable, capture, become: become !== undefined, secrets, timeoutMs: opts.timeoutMs, signal: opts.signal, fallback });
  }

  /** Opens one persistent session: a channel (held for the session's life) running the sh loop. */
  private async openSession(): Promise<RemoteSession> {
    for (let tries = 0; ; tries++) {
      // Sessions hold their channel for life: with one open, wait for it rather than for a channel.
      if (this.sem.inUse >= this.sem.limit && (this.sessions?.live ?? 0) > 1) throw new NoChannelForSession();
      await this.sem.acquire();
      const client = this.ssh?.connection;
      if (!client || this.state !== 'ready') {
        this.sem.release();
        throw this.lostFailure('(persistent session)');
      }
      const { token, command, script } = RemoteSession.newToken(this.markers.pgid);
      let ch: ClientChannel;
      try {
        ch = await new Promise<ClientChannel>((res, rej) => client.exec(command, (err, c) => (err ? rej(err) : res(c))));
      } catch (err) {
        this.sem.release();
        if (!isChannelOpenFailure(err) || this.state !== 'ready') throw err;
        this.sem.lower(this.sem.inUse);
        this.spec.debug?.(`ssh: the server refused a channel (MaxSessions): ${this.sem.limit} channels at once now`);
        // With sessions open the pool makes do with them; with none, wait for a kill or sudo channel to end.
        if ((this.sessions?.live ?? 0) > 1) throw new NoChannelForSession();
        if (tries >= 60) throw err;
        await sleep(Math.min(5 * 2 ** tries, 100));
        continue;
      }
      ch.once('close', () => this.sem.release());
      try {
        return await RemoteSession.start(ch, token, script, this.spec.connectTimeoutMs ?? 10_000);
      } catch (err) {
        if (this.state !== 'ready') throw this.lostFailure('(persistent session)');
        throw err instanceof SessionUnavailable ? err : new SessionUnavailable((err as Error).message);
      }
    }
  }

  /** A channel permit for an exec channel; sessions hold theirs for life, so an idle one gives its up. */
  private async acquireChannel(): Promise<void> {
    while (this.sessions && this.sem.inUse >= this.sem.limit && this.sessions.size > 0) {
      if (!this.sessions.closeIdle()) await sleep(20);
    }
    await this.sem.acquire();
  }

  private run(command: string, text: string, become: BecomeSpec | undefined, opts: ExecOptions): Promise<ExecResult> {
    const name = this.spec.name;
    const started = performance.now();
    const secrets = [become?.password, this.spec.password];
    const passwordMode = become?.password !== undefined;
    const limit = opts.maxOutputBytes ?? this.spec.maxOutputBytes ?? DEFAULT_MAX_OUTPUT;
    const capture = new OutputCapture(command, this.markers, { pgid: true, become: become !== undefined, watchPrompt: passwordMode }, limit, secrets);
    const filter = capture.stderr;

    return new Promise<ExecResult>((resolve, reject) => {
      const st: RunState = { channel: undefined, channelClosed: Promise.resolve() };
      let wrongPassword = false;
      const partial = () => capture.result();
      // Resolves once the command's process group is gone from the host (or the kill gave up); nothing to kill before its channel opened.
      const kill = () => (st.channel ? this.killRemote(st.channel, () => filter.pgid, st.channelClosed) : undefined);
      const life = commandLife({ name, timeoutMs: opts.timeoutMs, signal: opts.signal, inFlight: this.inFlight, secrets, partial, kill, resolve, reject });

      const onStderr = (ch: ClientChannel, chunk: Buffer): void => {
        for (const ev of filter.push(chunk)) {
          if (ev.type === 'prompt') {
            // Answer the first prompt only: a second one means sudo rejected the password.
            if (ev.count === 1) ch.write(`${become!.password}\n`);
            else {
              wrongPassword = true;
              ch.eof();
            }
          } else if (ev.type === 'become-ok' && passwordMode) {
            sendStdin(ch, opts.stdin);
          }
        }
      };

      const onClosed = (code: number | null, signal: string | null): void => {
        if (!life.open) return;
        const out = partial();
        if (wrongPassword) return life.fail('become', `${name}: sudo: wrong password`, { exitCode: code });
        if (code === null && signal === null && this.state !== 'ready') {
          // sshd does not stop a command without a tty when the connection drops: stop it over a new one
          const why = `${name}: connection lost while the command ran (${this.lostReason})`;
          return void life.stopWith('connection-lost', this.reapAfterLoss(filter.pgid).then((note) => `${why}${note}`));
        }
        if (become && !filter.becomeOk) return life.fail('become', `${name}: ${sudoReason(out.stderr)}`, { exitCode: code });
        const result: ExecResult = { ...out, exitCode: code, durationMs: performance.now() - started };
        if (signal) result.signal = signal;
        life.succeed(result);
      };

      // With sudo asking, stdin waits until sudo has let us in (see onStderr).
      const opened = (ch: ClientChannel): void => void (passwordMode || sendStdin(ch, opts.stdin));
      const io: ChannelIo = { stdout: (c) => capture.stdout.push(c), stderr: onStderr, opened, closed: onClosed, pgid: () => filter.pgid };
      void this.attempt(st, life, command, text, io);
    });
  }

  /** Opens the command's channel (queueing when the server refuses one: MaxSessions) and waits for it to close. */
  private async attempt(st: RunState, life: CommandLife, command: string, text: string, io: ChannelIo): Promise<void> {
    for (let tries = 0; ; tries++) {
      await this.acquireChannel();
      let opened = false;
      try {
        if (!life.open) return;
        const client = this.ssh?.connection;
        if (!client || this.state !== 'ready') return life.fail('connection-lost', this.lostFailure(command).message);
        const { code, signal } = await new Promise<{ code: number | null; signal: string | null }>((res, rej) => {
          client.exec(text, (err, ch) => {
            if (err) return rej(err);
            opened = true;
            st.channel = ch;
            st.channelClosed = new Promise<void>((r) => ch.once('close', () => r()));
            let code: number | null = null;
            let signal: string | null = null;
            ch.on('exit', (c: number | null, s?: string) => {
              code = c ?? null;
              signal = s ?? null;
            });
            ch.on('close', () => res({ code, signal }));
            ch.on('data', (c: Buffer) => io.stdout(c));
            ch.stderr.on('data', (c: Buffer) => io.stderr(ch, c));
            io.opened(ch);
            if (life.stopping) life.alsoWait(this.killRemote(ch, io.pgid, st.channelClosed)); // opened after the stop began
          });
        });
        return io.closed(code, signal);
      } catch (err) {
        if (!opened && isChannelOpenFailure(err) && this.state === 'ready' && tries < 60) {
          // The server allows fewer sessions than we assumed (MaxSessions): queue instead.
          this.sem.lower(this.sem.inUse - 1);
          this.sessions?.closeIdle();
          this.spec.debug?.(`ssh: the server refused a channel (MaxSessions): ${this.sem.limit} channels at once now, the command waits for one`);
          continue;
        }
        if (this.state !== 'ready') return life.fail('connection-lost', `${this.spec.name}: connection lost (${this.lostReason})`);
        return life.fail(isChannelOpenFailure(err) ? 'connection-lost' : 'error', `${this.spec.name}: cannot run the command: ${(err as Error).message}`);
      } finally {
        this.sem.release();
        if (!opened && life.open && tries > 0) await sleep(Math.min(5 * 2 ** tries, 100));
      }
    }
  }

  /**
   * Stops a running command and everything it started: TERM to its process group (the
   * session shell's pid) over a second channel, KILL after a grace period.
   */
  private async killRemote(ch: ClientChannel, pgidOf: () => number | undefined, closed: Promise<void>): Promise<void> {
    // The pid marker is the first thing the shell prints; give it a moment if the stop came first.
    for (let i = 0; i < 20 && pgidOf() === undefined && this.state === 'ready'; i++) {
      if (await settleWithin(closed, 50)) break;
    }
    const pgid = pgidOf();
    this.spec.debug?.(pgid === undefined ? 'ssh: stopping the command: its process group is unknown, closing its channel' : `ssh: stopping the command: TERM, then KILL after ${KILL_GRACE_MS} ms, to remote process group ${pgid}`);
    if (pgid !== undefined) await settleWithin(this.killGroup(pgid), KILL_GRACE_MS + this.killConnectBudgetMs());
    try {
      ch.close();
    } catch {
      /* gone */
    }
    await settleWithin(closed, 1000);
  }

  /** Runs the kill script for a process group: on this connection, else on a fresh one. */
  private async killGroup(pgid: number): Promise<void> {
    const script = killGroupScript(pgid);
    if (this.ssh && this.state === 'ready') {
      try {
        await this.ssh.execCommand(script);
        return;
      } catch (err) {
        // no channel left (MaxSessions) or the connection just went: a second connection can still do it
        if (!isChannelOpenFailure(err) && this.state === 'ready') throw err;
      }
    }
    const fresh = await this.establish();
    try {
      await fresh.ssh.execCommand(script);
    } finally {
      shut(fresh.ssh);
      for (const h of fresh.hops.reverse()) shut(h);
    }
  }

  /** After a drop: reconnect and stop the lost command's process group; says how that went. */
  private async reapAfterLoss(pgid: number | undefined): Promise<string> {
    if (pgid === undefined) return '';
    let error: unknown;
    const ok = await settleWithin(
      this.killGroup(pgid).catch((err: unknown) => {
        error = err;
        throw err;
      }),
      KILL_GRACE_MS + this.killConnectBudgetMs(),
    );
    if (ok && error === undefined) return '; its processes on the host were stopped over a new connection';
    const why = error instanceof Error ? error.message : 'no answer in time';
    return `; could not reconnect to stop its processes (process group ${pgid}): ${why}`;
  }

  private killConnectBudgetMs(): number {
    return (this.spec.connectTimeoutMs ?? 10_000) + 2000;
  }

  async putFile(remotePath: string, content: string | Buffer, opts: { mode?: number; become?: ExecOptions['become'] } = {}): Promise<void> {
    await putFileVia(this, remotePath, content, opts);
  }
}

/**
 * TERM to the process group, then KILL after the grace period if anything still lives.
 * Zombies stay in the group until their new parent reaps them: count live ones only.
 */
export function killGroupScript(pgid: number): string {
  const p = String(pgid);
  const alive =
    `if command -v ps >/dev/null 2>&1; then ps -eo pgid=,stat= 2>/dev/null | awk -v p=${p} '$1==p && $2 !~ /^Z/ {f=1} END {exit !f}'; ` +
    `else kill -0 -- -${p} 2>/dev/null; fi`;
  return (
    `kill -TERM -- -${p} 2>/dev/null; n=0; while ${alive}; do ` +
    `if [ $n -ge ${KILL_GRACE_MS / 100} ]; then kill -KILL -- -${p} 2>/dev/null; break; fi; sleep 0.1; n=$((n+1)); done; true`
  );
}

/** Atomic write through exec: cat into a temp file next to the target, chmod, rename. */
export async function putFileVia(
  conn: Connection,
  remotePath: string,
  content: string | Buffer,
  opts: { mode?: number; become?: ExecOptions['become'] },
): Promise<void> {
  const mode = (opts.mode ?? 0o644).toString(8).padStart(4, '0');
  const tmp = posix.join(posix.dirname(remotePath), `.${basename(remotePath)}.marshal-${randomBytes(6).toString('hex')}`);
  const t = quote(tmp);
  const command = `umask 077 && cat > ${t} && chmod ${mode} ${t} && mv -f ${t} ${quote(remotePath)} || { rc=$?; rm -f ${t}; exit $rc; }`;
  const execOpts: ExecOptions = { stdin: content };
  if (opts.become !== undefined) execOpts.become = opts.become;
  const res = await conn.exec(command, execOpts);
  if (res.exitCode !== 0) {
    throw new StepFailure('command', `${conn.spec.name}: could not write ${remotePath}: ${res.stderr.trim() || `exit ${res.exitCode}`}`, {
      command,
      exitCode: res.exitCode,
      stderr: res.stderr,
    });
  }
}
