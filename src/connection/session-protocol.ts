/**
 * The persistent session's wire protocol, both ends: the POSIX sh loop that runs on the host
 * (no Python or Node there) and the client's request encoder and reply scanners.
 *
 * Bootstrap: the exec channel's command line is tiny and quote-safe for any login shell
 * (`exec /bin/sh -c 'eval "$(head -c N)"'`); the loop itself is the first N bytes on stdin, then
 * a line with the session's key (128 random bits, sent on stdin so no `ps` shows it).
 * Requests (client -> host): `L <lines> <stdin bytes> <p|l>\n` (or `B <bytes> ...` for a large
 * command; p: any POSIX shell will do, l: the login shell), the command text, the stdin. Replies
 * (host -> client): the hello line `@@MARSHAL-SESSION:<token>:<pid>@@\n`, then per request the
 * command's own stdout and stderr, streamed as it writes them, each ended by an end marker
 * carrying the key and the request's number (the commands never see the key), the stdout one
 * with the exit status. Any byte survives: output is never escaped or split into lines, only
 * searched for that marker.
 */

/**
 * The loop. One command at a time. A small command's text is read by the `read` builtin (no
 * fork); a large one, and stdin, with `head -c`, which reads exactly N bytes from a pipe (GNU and
 * busybox alike); stdin is staged in a private 0700 directory made on first use. Each command
 * gets its own process group (a timeout kills the group, as in exec mode), and the loop prints
 * the group's id on stderr before the command can write (the pgid line exec mode's wrapper prints).
 * - Under bash (>= 4, when the host has it): job control (`set -m`) makes each command's
 *   subshell a group of its own, so a command costs one fork and its own exec; a text that means
 *   the same to every POSIX shell is eval'd there, any other runs through the login shell
 *   ($SHELL -c, as sshd runs an exec channel's command). Measured on W(50,100): 0.63x the floor
 *   (0.67-0.68x in `npm run bench`, whose session floor is 0.54x), against 0.78x with setsid and /bin/sh per command.
 * - Else (dash refuses job control without a tty): `setsid` and /bin/sh or $SHELL per command.
 * Exit 98/97/96: no setsid, no temp dir, a short read: the client falls back to exec channels.
 */
export function sessionScript(token: string, pgidMarker: string): string {
  if (!/^[@A-Za-z0-9:=_-]+$/.test(pgidMarker)) throw new Error(`session: unexpected pgid marker ${JSON.stringify(pgidMarker)}`);
  return `d=
marshal_cleanup() { if [ -n "$d" ]; then rm -rf "$d"; fi; }
trap marshal_cleanup EXIT
trap 'exit 1' HUP TERM PIPE
sh=\${SHELL:-/bin/sh}
if [ -n "\${BASHPID:-}" ] && set -m 2>/dev/null; then jc=1; else jc=; command -v setsid >/dev/null 2>&1 || exit 98; fi
# a loop killed with SIGKILL ran no trap: its dir (named by its pid) goes when the next loop starts
for x in "\${TMPDIR:-/tmp}"/marshal-session.*.*; do p=\${x##*/marshal-session.}; p=\${p%%.*}; [ -d "$x" ] && ! kill -0 "$p" 2>/dev/null && rm -rf "$x"; done 2>/dev/null
IFS= read -r key || exit 96
printf '@@MARSHAL-SESSION:%s:%s@@\\n' '${token}' "$$"
# the channel's stderr is fd 3 for the commands and the end marker; the loop's own goes nowhere:
# bash reports a job killed by a signal there ("line 36: 1015 Killed ( printf ... )"), which is not the command's output
exec 3>&2 2>/dev/null
n=0
# short headers: the read builtin takes a syscall a byte
while read -r kind cl il how; do
  n=$((n+1))
  case $kind$cl in
  L1) IFS= read -r cmd || exit 96 ;;
  L*)
    cmd=; k=0
    while [ "$k" -lt "$cl" ]; do IFS= read -r line || exit 96; cmd="$cmd$line
"; k=$((k+1)); done ;;
  *)
    [ -n "$d" ] || d=$(mktemp -d "\${TMPDIR:-/tmp}/marshal-session.$$.XXXXXX") || exit 97
    head -c "$cl" >"$d/c" || exit 96; cmd=$(cat "$d/c") ;;
  esac
  case $il in
  0) i=/dev/null ;;
  *)
    [ -n "$d" ] || d=$(mktemp -d "\${TMPDIR:-/tmp}/marshal-session.$$.XXXXXX") || exit 97
    i=$d/i; head -c "$il" >"$i" || exit 96 ;;
  esac
  if [ -z "$jc" ]; then
    run=$sh; if [ "$how" = p ]; then run=/bin/sh; fi
    # a subshell: dash redirects a simple command in the loop itself, and would report a kill into the command's stderr
    ( exec setsid "$run" -c "printf '%s%s@@\\\\n' '${pgidMarker}' \\"\\$\\$\\" >&2
$cmd" ) <"$i" 2>&3 3>&-
  elif [ "$how" = p ]; then
    ( printf '%s%s@@\\n' '${pgidMarker}' "$BASHPID" >&2; unset key; eval "$cmd" ) <"$i" 2>&3 3>&-
  else
    ( printf '%s%s@@\\n' '${pgidMarker}' "$BASHPID" >&2; exec "$sh" -c "$cmd" ) <"$i" 2>&3 3>&-
  fi
  rc=$?
  printf '@@MARSHAL-END:%s:%s:%s@@\\n' "$key" "$n" "$rc"
  printf '@@MARSHAL-END:%s:%s@@\\n' "$key" "$n" >&3
done
`;
}

/**
 * The exec channel's command: starts /bin/sh, which reads the loop from stdin and runs it
 * under bash when the host has it (job control, see above), else itself.
 */
export function bootstrapCommand(script: string): string {
  // No ' \ ! or newline in it: csh, fish and every POSIX shell pass it to /bin/sh unchanged.
  // --norc: Debian's bash sources ~/.bashrc when it thinks sshd started it (stdin a socket, SHLVL unset).
  return `exec /bin/sh -c 's="$(head -c ${Buffer.byteLength(script)})"; command -v bash >/dev/null 2>&1 && exec bash --norc --noprofile -c "$s" bash; eval "$s"'`;
}

/** Commands up to this size go as lines for the `read` builtin (a syscall a byte), larger ones through `head -c`. */
export const LINES_MAX_BYTES = 8192;

/**
 * One request: header line (`L <lines>` or `B <bytes>`, the stdin's bytes, p|l) and the command
 * text in one buffer (one SSH packet: each packet wakes sshd and the loop), then its stdin. As
 * lines, the text gets a final newline (the shell does not mind).
 */
export function encodeRequest(text: string, stdin: string | Buffer | undefined, portable = false): Buffer[] {
  const asLines = Buffer.byteLength(text) <= LINES_MAX_BYTES;
  const cmd = Buffer.from(asLines && !text.endsWith('\n') ? `${text}\n` : text);
  const count = asLines ? cmd.reduce((n, b) => (b === 0x0a ? n + 1 : n), 0) : cmd.length;
  const input = stdin === undefined ? Buffer.alloc(0) : Buffer.isBuffer(stdin) ? stdin : Buffer.from(stdin);
  const head = Buffer.concat([Buffer.from(`${asLines ? 'L' : 'B'} ${count} ${input.length} ${portable ? 'p' : 'l'}\n`), cmd]);
  return input.length > 0 ? [head, input] : [head];
}

/** What ends the n-th request's streams (the loop counts requests from 1, the client too). */
export function endId(key: string, n: number): string {
  return `${key}:${n}`;
}

/** Finds the session's hello line on stdout; bytes before it (a login script's banner) are skipped. */
export class HelloScanner {
  private buf: Buffer = Buffer.alloc(0);
  private readonly prefix: Buffer;

  constructor(token: string) {
    this.prefix = Buffer.from(`@@MARSHAL-SESSION:${token}:`);
  }

  /** The loop's pid and the bytes after the hello line once it is complete, else undefined. */
  push(chunk: Buffer): { pid: number; rest: Buffer } | undefined {
    const data = this.buf.length > 0 ? Buffer.concat([this.buf, chunk]) : chunk;
    const at = data.indexOf(this.prefix);
    if (at < 0) {
      this.buf = Buffer.from(data.subarray(Math.max(0, data.length - this.prefix.length)));
      return undefined;
    }
    const nl = data.indexOf(0x0a, at);
    if (nl < 0) {
      this.buf = Buffer.from(data.subarray(at));
      return undefined;
    }
    const m = /^(\d+)@@$/.exec(data.subarray(at + this.prefix.length, nl).toString('latin1'));
    if (!m) throw new Error('malformed session greeting');
    return { pid: Number(m[1]), rest: data.subarray(nl + 1) };
  }
}

/** Longest tail after the stdout end marker's prefix: "<status>@@\n". */
const STATUS_TAIL_MAX = 8;

/**
 * One command's stdout or stderr: passes bytes on until the end marker with this request's
 * id (`endId`), then reports the end (and, on stdout, the exit status) and what came after it. Holds
 * back at most a marker's length of bytes (a marker split across chunks). O(bytes).
 */
export class EndScanner {
  private carry: Buffer = Buffer.alloc(0);
  private readonly marker: Buffer;
  ended = false;
  status: number | undefined;

  constructor(
    id: string,
    private readonly withStatus: boolean,
  ) {
    this.marker = Buffer.from(withStatus ? `@@MARSHAL-END:${id}:` : `@@MARSHAL-END:${id}@@\n`);
  }

  /** Output bytes in `chunk` (to pass on), and once the end is seen, the bytes after it. */
  push(chunk: Buffer): { data: Buffer; rest?: Buffer } {
    const buf = this.carry.length > 0 ? Buffer.concat([this.carry, chunk]) : chunk;
    this.carry = Buffer.alloc(0);
    const at = buf.indexOf(this.marker);
    if (at < 0) {
      const keep = this.partialMarkerAtEnd(buf);
      this.carry = Buffer.from(buf.subarray(buf.length - keep));
      return { data: buf.subarray(0, buf.length - keep) };
    }
    const after = buf.subarray(at + this.marker.length);
    if (!this.withStatus) {
      this.ended = true;
      return { data: buf.subarray(0, at), rest: after };
    }
    const m = /^(\d+)@@\n/.exec(after.subarray(0, STATUS_TAIL_MAX).toString('latin1'));
    if (!m) {
      if (after.length >= STATUS_TAIL_MAX || /[^\d@]/.test(after.toString('latin1'))) throw new Error('malformed session end marker');
      this.carry = Buffer.from(buf.subarray(at)); // the status is still coming
      return { data: buf.subarray(0, at) };
    }
    this.ended = true;
    this.status = Number(m[1]);
    return { data: buf.subarray(0, at), rest: after.subarray(m[0].length) };
  }

  /** Length of the longest end of `buf` that starts the marker: only that waits (the pgid line must not). */
  private partialMarkerAtEnd(buf: Buffer): number {
    for (let k = Math.min(buf.length, this.marker.length - 1); k > 0; k--) {
      if (buf[buf.length - k] === 0x40 && buf.subarray(buf.length - k).equals(this.marker.subarray(0, k))) return k;
    }
    return 0;
  }
}
