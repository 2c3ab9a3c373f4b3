/**
 * How a command line is wrapped before it reaches the remote shell, and how the wrapper's
 * signals are read back out of stderr: the session shell's pid (= process group, so a
 * timeout can kill everything the command started), sudo's password prompt, and the line
 * that proves sudo let us in. Shared by the ssh and local connections.
 */
import { randomBytes } from 'node:crypto';
import { quote } from '../dsl/command';
import { maskText } from '../report/mask';
import { UsageError } from '../errors';

export interface BecomeSpec {
  user: string;
  password?: string;
  method?: 'sudo';
}

export interface WrapInput {
  command: string;
  /** Report `$$` of the outer shell on stderr (ssh: we cannot see the remote pid otherwise). */
  reportPgid: boolean;
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
  if (input.reportPgid) text += `printf '%s%s@@\\n' ${quote(markers.pgid)} "$$" >&2\n`;
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

export type StderrEvent = { type: 'pgid'; pgid: number } | { type: 'prompt'; count: number } | { type: 'become-ok' };

/**
 * Watches stderr for the wrapper's markers while the command runs and removes them from
 * the text the user sees. Bytes are kept as latin1 so they round-trip exactly.
 */
export class StderrFilter {
  private text = '';
  private pgidFrom = 0;
  private promptFrom = 0;
  private okFrom = 0;
  private prompts = 0;
  pgid?: number;
  becomeOk = false;

  constructor(
    private readonly markers: Markers,
    private readonly watchPrompt: boolean,
  ) {}

  push(chunk: Buffer): StderrEvent[] {
    this.text += chunk.toString('latin1');
    const events: StderrEvent[] = [];
    if (this.pgid === undefined) {
      const i = this.text.indexOf(this.markers.pgid, this.pgidFrom);
      if (i >= 0) {
        const m = /^(\d+)@@\n/.exec(this.text.slice(i + this.markers.pgid.length, i + this.markers.pgid.length + 30));
        if (m) {
          this.pgid = Number(m[1]);
          events.push({ type: 'pgid', pgid: this.pgid });
        }
      } else this.pgidFrom = Math.max(0, this.text.length - this.markers.pgid.length);
    }
    if (this.watchPrompt) {
      for (;;) {
        const i = this.text.indexOf(this.markers.prompt, this.promptFrom);
        if (i < 0) {
          this.promptFrom = Math.max(this.promptFrom, this.text.length - this.markers.prompt.length);
          break;
        }
        this.promptFrom = i + this.markers.prompt.length;
        this.prompts += 1;
        events.push({ type: 'prompt', count: this.prompts });
      }
    }
    if (!this.becomeOk) {
      const i = this.text.indexOf(this.markers.becomeOk, this.okFrom);
      if (i >= 0) {
        this.becomeOk = true;
        events.push({ type: 'become-ok' });
      } else this.okFrom = Math.max(0, this.text.length - this.markers.becomeOk.length);
    }
    return events;
  }

  /** stderr as the user's command wrote it: markers and sudo prompts removed, utf-8 decoded. */
  cleaned(): string {
    let t = this.text;
    // The usual case, once per command: the pid line alone, or first, removed without a RegExp.
    const pidLine = this.pgid === undefined ? undefined : `${this.markers.pgid}${this.pgid}@@\n`;
    if (pidLine !== undefined && t.startsWith(pidLine)) t = t.slice(pidLine.length);
    if (t === '') return '';
    if (t.includes(this.markers.pgid)) t = t.replace(new RegExp(`${escapeRe(this.markers.pgid)}\\d+@@\\n`, 'g'), '');
    if (t.includes(this.markers.becomeOk)) t = t.split(`${this.markers.becomeOk}\n`).join('');
    // sudo -S prints a newline after reading the password; drop it with the prompt.
    if (t.includes(this.markers.prompt)) t = t.replace(new RegExp(`${escapeRe(this.markers.prompt)}\\n?`, 'g'), '');
    return Buffer.from(t, 'latin1').toString('utf8');
  }
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
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
