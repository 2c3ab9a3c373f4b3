/**
 * The persistent session's wire protocol, both ends: the POSIX sh loop that runs on the host
 * (no Python or Node there) and the client's request encoder and reply parser.
 *
 * Bootstrap: the exec channel's command line is tiny and quote-safe for any login shell
 * (`exec /bin/sh -c 'eval "$(head -c N)"'`); the loop itself is the first N bytes on stdin.
 * Requests (client -> host): `<command bytes> <stdin bytes>\n`, the command text, the stdin.
 * Replies (host -> client): the hello line `@@MARSHAL-SESSION:<token>:<pid>@@\n`, then per
 * request `S <pgid>\n` once the command runs and `X <status> <stdout bytes> <stderr bytes>\n`
 * followed by exactly those bytes: lengths, never delimiters, so any byte survives.
 */

/**
 * The loop. One command at a time. A small command's text comes as lines read by the `read`
 * builtin (no fork); a large one, and stdin, with `head -c`, which reads exactly N bytes from a
 * pipe (GNU and busybox alike). The command runs through the login shell ($SHELL -c, as sshd
 * runs an exec channel's command) as its own session and process group (setsid: a timeout
 * kills the group, as in exec mode); stdout and stderr go to files in a private 0700 directory
 * and are sent back counted. Old files are removed every 20 commands (one rm, not one each).
 * Exit 98/97/96: no setsid, no temp dir, a short read: the client falls back to exec channels.
 */
export function sessionScript(token: string): string {
  return `command -v setsid >/dev/null 2>&1 || exit 98
d=$(mktemp -d "\${TMPDIR:-/tmp}/marshal-session.XXXXXX") || exit 97
marshal_cleanup() { rm -rf "$d"; }
trap marshal_cleanup EXIT
trap 'exit 1' HUP TERM PIPE
sh=\${SHELL:-/bin/sh}
printf '@@MARSHAL-SESSION:%s:%s@@\\n' '${token}' "$$"
n=0
while read -r kind cl il; do
  n=$((n+1)); i=$d/$n.i; o=$d/$n.o; e=$d/$n.e
  case $n in *[02468]1) rm -f "$d"/*.[ioe] ;; esac
  if [ "$kind" = L ]; then
    cmd=; k=0
    while [ "$k" -lt "$cl" ]; do IFS= read -r line || exit 96; cmd="$cmd$line
"; k=$((k+1)); done
  else
    head -c "$cl" >"$d/c" || exit 96; cmd=$(cat "$d/c")
  fi
  if [ "$il" -gt 0 ]; then head -c "$il" >"$i" || exit 96; else i=/dev/null; fi
  setsid /bin/sh -c 'printf "S %s\\n" "$$" >&3; exec 3>&-; exec "$0" -c "$1"' "$sh" "$cmd" 3>&1 <"$i" >"$o" 2>"$e"
  rc=$?
  set -- $(cd "$d" && exec wc -c "$n.o" "$n.e")
  printf 'X %s %s %s\\n' "$rc" "$1" "$3"
  if [ "$1" -gt 0 ]; then head -c "$1" "$o"; fi
  if [ "$3" -gt 0 ]; then head -c "$3" "$e"; fi
done
`;
}

/** The exec channel's command: starts /bin/sh and has it read and run the loop from stdin. */
export function bootstrapCommand(script: string): string {
  // No ' \ ! or newline in it: csh, fish and every POSIX shell pass it to /bin/sh unchanged.
  return `exec /bin/sh -c 'eval "$(head -c ${Buffer.byteLength(script)})"'`;
}

export function helloPrefix(token: string): Buffer {
  return Buffer.from(`@@MARSHAL-SESSION:${token}:`);
}

/** Commands up to this size go as lines for the `read` builtin (a syscall a byte), larger ones through `head -c`. */
export const LINES_MAX_BYTES = 8192;

/**
 * One request: header line (`L <lines>` or `B <bytes>`, then the stdin's bytes), the command
 * text, then its stdin. As lines, the text gets a final newline (the shell does not mind).
 */
export function encodeRequest(text: string, stdin: string | Buffer | undefined): Buffer[] {
  const asLines = Buffer.byteLength(text) <= LINES_MAX_BYTES;
  const cmd = Buffer.from(asLines && !text.endsWith('\n') ? `${text}\n` : text);
  const count = asLines ? cmd.reduce((n, b) => (b === 0x0a ? n + 1 : n), 0) : cmd.length;
  const input = stdin === undefined ? Buffer.alloc(0) : Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin);
  const parts: Buffer[] = [Buffer.from(`${asLines ? 'L' : 'B'} ${count} ${input.length}\n`), cmd];
  if (input.length > 0) parts.push(input);
  return parts;
}

export type FrameEvent =
  | { type: 'hello'; pid: number }
  | { type: 'started'; pgid: number }
  | { type: 'exit'; status: number; stdoutBytes: number; stderrBytes: number }
  | { type: 'stdout'; chunk: Buffer }
  | { type: 'stderr'; chunk: Buffer }
  | { type: 'end' };

/** Longest header line the loop writes ("X 255 <20 digits> <20 digits>"); more is a broken stream. */
const MAX_LINE = 64;

/**
 * Turns the loop's stdout into events. Output bytes are passed on as they arrive (a 100 MB
 * stdout never sits here whole); header lines are at most MAX_LINE bytes. Bytes before the
 * hello (a login script's banner) are skipped. A malformed stream throws: the session is dropped.
 */
export class FrameParser {
  private state: 'hello' | 'line' | 'stdout' | 'stderr' = 'hello';
  private buf: Buffer = Buffer.alloc(0);
  private stdoutLeft = 0;
  private stderrLeft = 0;
  private readonly hello: Buffer;

  constructor(token: string) {
    this.hello = helloPrefix(token);
  }

  push(chunk: Buffer): FrameEvent[] {
    const events: FrameEvent[] = [];
    let data = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    this.buf = Buffer.alloc(0);
    while (data.length > 0) {
      if (this.state === 'stdout' || this.state === 'stderr') {
        data = this.body(data, events);
        continue;
      }
      const rest = this.state === 'hello' ? this.helloLine(data, events) : this.headerLine(data, events);
      if (rest === undefined) return events;
      data = rest;
    }
    return events;
  }

  /** Body bytes of the current reply; returns what follows them. */
  private body(data: Buffer, events: FrameEvent[]): Buffer {
    const out = this.state === 'stdout';
    const left = out ? this.stdoutLeft : this.stderrLeft;
    const take = Math.min(left, data.length);
    if (take > 0) events.push({ type: out ? 'stdout' : 'stderr', chunk: data.subarray(0, take) });
    if (out) this.stdoutLeft -= take;
    else this.stderrLeft -= take;
    this.afterBody(events);
    return data.subarray(take);
  }

  private afterBody(events: FrameEvent[]): void {
    if (this.state === 'stdout' && this.stdoutLeft === 0) this.state = 'stderr';
    if (this.state === 'stderr' && this.stderrLeft === 0) {
      this.state = 'line';
      events.push({ type: 'end' });
    }
  }

  private helloLine(data: Buffer, events: FrameEvent[]): Buffer | undefined {
    const at = data.indexOf(this.hello);
    if (at < 0) {
      // Keep only what could be the start of the hello split across chunks.
      this.buf = Buffer.from(data.subarray(Math.max(0, data.length - this.hello.length)));
      return undefined;
    }
    const nl = data.indexOf(0x0a, at);
    if (nl < 0) {
      this.buf = Buffer.from(data.subarray(at));
      return undefined;
    }
    const m = /^(\d+)@@$/.exec(data.subarray(at + this.hello.length, nl).toString('latin1'));
    if (!m) throw new Error('malformed session greeting');
    events.push({ type: 'hello', pid: Number(m[1]) });
    this.state = 'line';
    return data.subarray(nl + 1);
  }

  private headerLine(data: Buffer, events: FrameEvent[]): Buffer | undefined {
    const nl = data.indexOf(0x0a);
    if (nl < 0) {
      if (data.length > MAX_LINE) throw new Error('malformed session reply (no header line)');
      this.buf = Buffer.from(data);
      return undefined;
    }
    const line = data.subarray(0, nl).toString('latin1');
    const s = /^S (\d+)$/.exec(line);
    const x = /^X (\d+) (\d+) (\d+)$/.exec(line);
    if (s) events.push({ type: 'started', pgid: Number(s[1]) });
    else if (x) {
      this.stdoutLeft = Number(x[2]);
      this.stderrLeft = Number(x[3]);
      events.push({ type: 'exit', status: Number(x[1]), stdoutBytes: this.stdoutLeft, stderrBytes: this.stderrLeft });
      this.state = 'stdout';
      this.afterBody(events);
    } else throw new Error(`malformed session reply line ${JSON.stringify(line.slice(0, MAX_LINE))}`);
    return data.subarray(nl + 1);
  }
}
