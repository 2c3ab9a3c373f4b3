/**
 * How a command line is wrapped before it reaches the remote shell, and how the wrapper's
 * signals are read back out of stderr: the session shell's pid (= process group, so a
 * timeout can kill everything the command started), sudo's password prompt, and the line
 * that proves sudo let us in. Shared by the ssh and local connections.
 */
import { randomBytes } from 'node:crypto';
import { quote } from '../util/shell';
import { maskText } from '../util/mask';
import { StepFailure, UsageError } from '../errors';
import { formatBytes } from '../util/bytes';
import { HeadTailBuffer } from '../util/head-tail-buffer';

export interface BecomeSpec {
  user: string;
  password?: string;
  method?: 'sudo';
}

export interface WrapInput {
  command: string;
  /** Report `$$` of the outer shell on stderr (ssh: we cannot see the remote pid otherwise). */
  reportPgid: boolean;
  /** With reportPgid: whatever runs the text prints the pgid line (the persistent session's loop), the text does not. */
  pgidByRunner?: boolean;
  become?: BecomeSpec;
  env?: Record<string, string>;
}

export interface Wrapped {
  text: string;
  markers: Markers;
}

export interface Markers {
  pgid: string;
  becomeOk: string;
  prompt: string;
}

export function newMarkers(): Markers {
  const t = randomBytes(8).toString('hex');
  return {
    pgid: `@@MARSHAL:${t}:PGID=`,
    becomeOk: `@@MARSHAL:${t}:BECOME-OK@@`,
    // No '%' in it: sudo expands %-escapes in prompts.
    prompt: `[marshal-sudo-${t}]`,
  };
}

function envLines(env: Record<string, string> | undefined): string {
  if (!env) return '';
  return Object.entries(env)
    .map(([k, v]) => {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw new UsageError(`environment variable name ${JSON.stringify(k)} is not valid for a shell`);
      return `export ${k}=${quote(v)}\n`;
    })
    .join('');
}

/**
 * Builds the text sent to the shell. The marker printf is a line of its own so it runs
 * before the shell parses (and maybe rejects) the user's command.
 */
/** One external command with plain or single-quoted words: nothing the shell must stay around for. */
const SIMPLE_COMMAND = /^[A-Za-z0-9_./+-]+(?:[ \t]+(?:[A-Za-z0-9_./:=,@%+-]+|'[^']*'))*$/;
// Builtins (or words that are builtins in sh) must not be exec'd: their external twins differ.
const NOT_EXTERNAL = new Set([
  '.', ':', '[', 'alias', 'bg', 'break', 'builtin', 'cd', 'command', 'continue', 'declare', 'dirs', 'disown', 'echo', 'eval', 'exec',
  'exit', 'export', 'false', 'fg', 'getopts', 'hash', 'jobs', 'kill', 'let', 'local', 'popd', 'printf', 'pushd', 'pwd', 'read',
  'readonly', 'return', 'set', 'shift', 'shopt', 'source', 'test', 'times', 'trap', 'true', 'type', 'typeset', 'ulimit', 'umask',
  'unalias', 'unset', 'wait',
]);

/**
 * `exec` for a single external command: after the marker line the shell would otherwise fork
 * and wait for it (a fork per command on the host); exec'd, it keeps the shell's pid, so the
 * reported process group still covers it.
 */
export function execIfSimple(command: string): string {
  const first = command.split(/[ \t]/, 1)[0] ?? '';
  if (!SIMPLE_COMMAND.test(command) || NOT_EXTERNAL.has(first) || first.includes('=')) return command;
  return `exec ${command}`;
}

export function wrapCommand(input: WrapInput, markers: Markers): Wrapped {
  let text = '';
  if (input.reportPgid && !input.pgidByRunner) text += `printf '%s%s@@\\n' ${quote(markers.pgid)} "$$" >&2\n`;
  if (input.become) {
    const b = input.become;
    if (b.method !== undefined && b.method !== 'sudo') throw new UsageError(`become method ${String(b.method)} is not supported (only sudo)`);
    const inner = `printf '%s\\n' ${quote(markers.becomeOk)} >&2\n${envLines(input.env)}${input.command}`;
    // -n without a password: fail at once instead of waiting for an answer that never comes.
    const flags = b.password === undefined ? '-n -H' : `-H -S -p ${quote(markers.prompt)}`;
    text += `sudo ${flags} -u ${quote(b.user)} -- /bin/sh -c ${quote(inner)}`;
  } else {
    text += envLines(input.env) + (input.reportPgid ? execIfSimple(input.command) : input.command);
  }
  return { text, markers };
}

/**
 * Longest command line (after wrapping) a host can run: the remote shell gets it as one execve
 * argument, which Linux caps at 131072 bytes with its NUL (MAX_ARG_STRLEN). Measured against the
 * test sshd: 131071 bytes run, 131072 fail with "Argument list too long", and from ~256 KiB on
 * sshd drops the whole connection (its packet limit), as it does for a NUL byte.
 */
export const MAX_COMMAND_BYTES = 131071;

/** A bounded excerpt of a command for messages: its start, its size. */
export function commandExcerpt(command: string, max = 200): string {
  if (command.length <= max) return command;
  return `${command.slice(0, max).replace(/\0/g, '\\0')}… (${formatBytes(Buffer.byteLength(command))} in all)`;
}

/** Refuses, before anything is sent, a command no host could run (the connection stays usable). */
export function refuseUnsendable(name: string, command: string, wrapped: string): void {
  const nul = command.indexOf('\0');
  const size = Buffer.byteLength(wrapped);
  let why: string | undefined;
  if (nul >= 0) why = `contains a NUL byte (at character ${nul}); a shell command line cannot carry one`;
  else if (size > MAX_COMMAND_BYTES) {
    why = `is ${formatBytes(size)} long; a host runs at most ${MAX_COMMAND_BYTES} bytes (Linux's limit for one argument, and sshd drops requests over 256 KiB)`;
  }
  if (!why) return;
  throw new StepFailure('error', `${name}: command not sent: it ${why}. Pass large or binary data on stdin (h.run(cmd, { stdin })) or write it with h.put(). Command: ${commandExcerpt(command)}`, {
    command: commandExcerpt(command),
  });
}

export type StderrEvent = { type: 'pgid'; pgid: number } | { type: 'prompt'; count: number } | { type: 'become-ok' };

export interface FilterOptions {
  /** The pgid line comes first (ssh). */
  pgid: boolean;
  /** sudo runs the command: its prompts and the BECOME-OK line come before the user's output. */
  become: boolean;
  /** Report sudo's password prompts (password mode). */
  watchPrompt: boolean;
  /** Bytes of stderr kept (head and tail); see HeadTailBuffer. */
  limit: number;
}

type MarkerKind = 'pgid' | 'prompt' | 'becomeOk';
/** Longest pgid line tail after the marker: up to 20 digits, then "@@\n". */
const PGID_TAIL_MAX = 23;

/**
 * Watches stderr for the wrapper's markers and removes them from the text the user sees.
 * The markers only come before the user's command writes anything (pgid line first, then
 * sudo's prompts and BECOME-OK), so once they are seen every later chunk passes straight
 * into a bounded buffer; until then only a marker's length of bytes is held back. O(bytes).
 */
export class StderrFilter {
  private readonly out: HeadTailBuffer;
  private readonly pending = new Set<MarkerKind>();
  private readonly needles: Record<MarkerKind, Buffer>;
  private carry: Buffer = Buffer.alloc(0);
  private dropNewline = false;
  private prompts = 0;
  pgid?: number;
  becomeOk = false;

  constructor(markers: Markers, opts: FilterOptions) {
    this.out = new HeadTailBuffer(opts.limit, MAX_OUTPUT_HINT);
    this.needles = { pgid: Buffer.from(markers.pgid), prompt: Buffer.from(markers.prompt), becomeOk: Buffer.from(`${markers.becomeOk}\n`) };
    if (opts.pgid) this.pending.add('pgid');
    if (opts.become) this.pending.add('becomeOk');
    if (opts.become && opts.watchPrompt) this.pending.add('prompt');
  }

  /** Past the markers: the rest is the user's stderr. */
  private get passing(): boolean {
    return !this.pending.has('pgid') && !this.pending.has('becomeOk');
  }

  push(chunk: Buffer): StderrEvent[] {
    if (this.passing && this.carry.length === 0 && !this.dropNewline) {
      this.out.push(chunk);
      return [];
    }
    let buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    const events: StderrEvent[] = [];
    for (;;) {
      // sudo -S prints a newline after reading the password; it goes with the prompt.
      if (this.dropNewline && buf.length > 0) {
        this.dropNewline = false;
        if (buf[0] === 0x0a) buf = buf.subarray(1);
      }
      if (this.passing) {
        this.out.push(buf);
        return events;
      }
      const hit = this.firstMarker(buf);
      if (!hit) {
        // Hold back what could be the start of a marker split across chunks.
        const keep = Math.min(buf.length, Math.max(...[...this.pending].map((k) => this.needles[k].length)) - 1);
        this.out.push(buf.subarray(0, buf.length - keep));
        this.carry = Buffer.from(buf.subarray(buf.length - keep));
        return events;
      }
      this.out.push(buf.subarray(0, hit.at));
      const rest = this.consume(hit.kind, buf.subarray(hit.at), events);
      if (rest === undefined) {
        this.carry = Buffer.from(buf.subarray(hit.at)); // an incomplete pgid line: wait for more
        return events;
      }
      buf = rest;
    }
  }

  private firstMarker(buf: Buffer): { kind: MarkerKind; at: number } | undefined {
    let best: { kind: MarkerKind; at: number } | undefined;
    for (const kind of this.pending) {
      const at = buf.indexOf(this.needles[kind]);
      if (at >= 0 && (!best || at < best.at)) best = { kind, at };
    }
    return best;
  }

  /** Handles the marker at the start of `buf`; returns what follows it, or undefined to wait for more bytes. */
  private consume(kind: MarkerKind, buf: Buffer, events: StderrEvent[]): Buffer | undefined {
    const after = buf.subarray(this.needles[kind].length);
    if (kind === 'prompt') {
      this.prompts += 1;
      events.push({ type: 'prompt', count: this.prompts });
      this.dropNewline = true;
      return after;
    }
    if (kind === 'becomeOk') {
      this.becomeOk = true;
      this.pending.delete('becomeOk');
      this.pending.delete('prompt');
      events.push({ type: 'become-ok' });
      return after;
    }
    const head = after.subarray(0, PGID_TAIL_MAX).toString('latin1');
    const m = /^(\d+)@@\n/.exec(head);
    if (m) {
      this.pgid = Number(m[1]);
      this.pending.delete('pgid');
      events.push({ type: 'pgid', pgid: this.pgid });
      return after.subarray(m[0].length);
    }
    if (/^\d*(@@?)?$/.test(head) && head.length < PGID_TAIL_MAX) return undefined;
    // Not our line after all (cannot happen with the random marker, but never lose bytes).
    this.out.push(this.needles.pgid);
    return after;
  }

  get truncated(): boolean {
    return this.out.truncated;
  }

  /** stderr as the user's command wrote it: markers and sudo prompts removed, utf-8 decoded. */
  cleaned(): string {
    if (this.carry.length > 0) {
      this.out.push(this.carry);
      this.carry = Buffer.alloc(0);
    }
    return this.out.text();
  }
}

/** What a command printed, bounded and masked, as ExecResult and StepFailure carry it. */
export interface CapturedOutput {
  command: string;
  stdout: string;
  stdoutBytes: Buffer;
  stderr: string;
  truncated?: boolean;
}

/** stdout and stderr of one command: bounded while it runs (head and tail kept), masked when read. */
export class OutputCapture {
  readonly stdout: HeadTailBuffer;
  readonly stderr: StderrFilter;

  constructor(
    readonly command: string,
    markers: Markers,
    filter: Omit<FilterOptions, 'limit'>,
    limit: number,
    private readonly secrets: (string | undefined)[],
  ) {
    this.stdout = new HeadTailBuffer(limit, MAX_OUTPUT_HINT);
    this.stderr = new StderrFilter(markers, { ...filter, limit });
  }

  result(): CapturedOutput {
    const out: CapturedOutput = {
      command: this.command,
      stdout: maskSecrets(this.stdout.text(), this.secrets),
      stdoutBytes: maskSecretBytes(this.stdout.rawBytes(), this.secrets),
      stderr: maskSecrets(this.stderr.cleaned(), this.secrets),
    };
    if (this.stdout.truncated || this.stderr.truncated) out.truncated = true;
    return out;
  }
}

/** Default capture limit per stream per command (--max-output). */
export const DEFAULT_MAX_OUTPUT = 1024 * 1024;
export const MAX_OUTPUT_HINT = ', set --max-output';

/** maskSecrets for raw bytes (the secrets' UTF-8 bytes are replaced). */
export function maskSecretBytes(bytes: Buffer, secrets: (string | undefined)[]): Buffer {
  const present = secrets.filter((s): s is string => !!s && bytes.includes(s));
  if (present.length === 0) return bytes;
  const latin1 = present.map((s) => Buffer.from(s, 'utf8').toString('latin1'));
  return Buffer.from(maskSecrets(bytes.toString('latin1'), latin1), 'latin1');
}

/** Replaces every occurrence of the secrets in `text` (never let a password reach a report). */
export function maskSecrets(text: string, secrets: (string | undefined)[]): string {
  return maskText(text, secrets);
}

/** sudo's own complaint (first `sudo:` line), for a become failure message. */
export function sudoReason(stderr: string): string {
  const line = stderr
    .split('\n')
    .map((l) => l.trim())
    .find((l) => /^sudo:/.test(l) || /Sorry, try again/.test(l));
  if (!line) return 'sudo: failed';
  if (/incorrect password|Sorry, try again/.test(line)) return 'sudo: wrong password';
  return line;
}

/** The become to apply: the exec's own, else the spec's default when enabled; password falls back to the spec's. */
export function effectiveBecome(
  specBecome: { enabled: boolean; user: string; password?: string; method?: 'sudo' } | undefined,
  execBecome: { user: string; password?: string; method?: 'sudo' } | false | undefined,
): BecomeSpec | undefined {
  if (execBecome === false) return undefined;
  const chosen = execBecome ?? (specBecome?.enabled ? specBecome : undefined);
  if (!chosen) return undefined;
  const out: BecomeSpec = { user: chosen.user };
  const password = chosen.password ?? specBecome?.password;
  if (password !== undefined) out.password = password;
  if (chosen.method !== undefined) out.method = chosen.method;
  return out;
}
