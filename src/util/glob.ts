/**
 * The one glob matcher (host patterns, --start-at-task, known_hosts): Python fnmatch's `*`, `?` and
 * `[...]`/`[!...]` classes, matched by the classic two-pointer wildcard walk, so the time is at most
 * pattern length × name length. The regexes this replaces backtracked: `*a*a*a*a*a*ab` against a
 * 256-character name took over 60 s; this takes well under a millisecond.
 */

type Token =
  | { kind: 'char'; c: string }
  | { kind: 'any' }
  | { kind: 'star' }
  | { kind: 'set'; negated: boolean; ranges: Array<[string, string]> };

export interface GlobOptions {
  /** `[...]` classes as fnmatch has them (default); false: `[` is an ordinary character (OpenSSH). */
  classes?: boolean;
  /** Compare without case (OpenSSH host names). */
  ignoreCase?: boolean;
}

/** fnmatch.translate's class rule: `[!` negates, a `]` right after `[` or `[!` is literal, no `]` → literal `[`. */
function parseClass(p: string[], i: number): { token: Token; next: number } | undefined {
  let j = i;
  if (p[j] === '!') j++;
  if (p[j] === ']') j++;
  while (j < p.length && p[j] !== ']') j++;
  if (j >= p.length) return undefined;
  let body = p.slice(i, j);
  const negated = body[0] === '!';
  if (negated) body = body.slice(1);
  const ranges: Array<[string, string]> = [];
  for (let k = 0; k < body.length; k++) {
    if (body[k + 1] === '-' && k + 2 < body.length) {
      ranges.push([body[k]!, body[k + 2]!]);
      k += 2;
    } else ranges.push([body[k]!, body[k]!]);
  }
  return { token: { kind: 'set', negated, ranges }, next: j + 1 };
}

function tokenize(pattern: string, classes: boolean): Token[] {
  const p = Array.from(pattern);
  const out: Token[] = [];
  for (let i = 0; i < p.length; ) {
    const c = p[i++]!;
    if (c === '*') {
      if (out[out.length - 1]?.kind !== 'star') out.push({ kind: 'star' });
    } else if (c === '?') out.push({ kind: 'any' });
    else if (c === '[' && classes) {
      const cls = parseClass(p, i);
      if (cls) {
        out.push(cls.token);
        i = cls.next;
      } else out.push({ kind: 'char', c });
    } else out.push({ kind: 'char', c });
  }
  return out;
}

function accepts(t: Token, ch: string): boolean {
  if (t.kind === 'any') return true;
  if (t.kind === 'char') return t.c === ch;
  if (t.kind === 'set') return t.ranges.some(([lo, hi]) => lo <= ch && ch <= hi) !== t.negated;
  return false;
}

/** Compiles `pattern` once; the returned function tests whole names (anchored at both ends). */
export function compileGlob(pattern: string, opts: GlobOptions = {}): (name: string) => boolean {
  const fold = opts.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
  const toks = tokenize(fold(pattern), opts.classes ?? true);
  return (name) => {
    const s = Array.from(fold(name));
    let ti = 0;
    let si = 0;
    let starT = -1; // the last `*` seen, and where in the name it started matching
    let starS = 0;
    while (si < s.length) {
      const t = toks[ti];
      if (t?.kind === 'star') {
        starT = ti++;
        starS = si;
      } else if (t && accepts(t, s[si]!)) {
        ti++;
        si++;
      } else if (starT >= 0) {
        // let the last `*` swallow one more character; earlier stars never need revisiting
        ti = starT + 1;
        si = ++starS;
      } else return false;
    }
    while (toks[ti]?.kind === 'star') ti++;
    return ti === toks.length;
  };
}

export function globMatch(pattern: string, name: string, opts: GlobOptions = {}): boolean {
  return compileGlob(pattern, opts)(name);
}
