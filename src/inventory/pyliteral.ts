/**
 * A port of the part of Python's `ast.literal_eval` that Ansible's INI plugin relies on: INI values
 * (`k=v` on host lines and in `[g:vars]`) become ints, floats, booleans, None, strings, lists,
 * tuples and dicts exactly when Python would parse them as such; anything else stays a string.
 */

export type PyValue = string | number | boolean | null | PyValue[] | { [key: string]: PyValue };

/** Thrown when the text is not a Python literal (Python's SyntaxError or ValueError). */
export class NotALiteral extends Error {
  constructor(message: string) {
    // Control flow for every non-literal INI value (most of them): a stack trace is pure cost.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
  }
}

type Token =
  | { t: 'num'; v: number }
  | { t: 'str'; v: string; bytes: boolean }
  | { t: 'name'; v: string }
  | { t: 'op'; v: string };

const DIGITS = '[0-9](?:_?[0-9])*';
const EXPONENT = `[eE][-+]?${DIGITS}`;
const POINTFLOAT = `(?:${DIGITS}\\.(?:${DIGITS})?|\\.${DIGITS})(?:${EXPONENT})?`;
const EXPFLOAT = `${DIGITS}${EXPONENT}`;
const FLOAT_RE = new RegExp(`^(?:${POINTFLOAT}|${EXPFLOAT})`);
const INT_RES: RegExp[] = [
  /^0[xX](?:_?[0-9a-fA-F])+/,
  /^0[bB](?:_?[01])+/,
  /^0[oO](?:_?[0-7])+/,
  /^(?:0(?:_?0)*|[1-9](?:_?[0-9])*)/,
];
const NAME_RE = /^[\p{L}_][\p{L}\p{N}_]*/u;
const STRING_PREFIX_RE = /^(?:[rRuUbBfF]|[bB][rR]|[rR][bB]|[fF][rR]|[rR][fF])?(?='|")/;

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\f' || c === '\n' || c === '\r') {
      i++;
      continue;
    }
    if (c === '#') break; // a comment runs to the end of the (single) line
    const rest = src.slice(i);
    const prefix = STRING_PREFIX_RE.exec(rest);
    if (prefix) {
      const [tok, len] = readString(rest, prefix[0]);
      out.push(tok);
      i += len;
      continue;
    }
    if (/[0-9.]/.test(c) && /^\.?[0-9]/.test(rest)) {
      const [num, len] = readNumber(rest);
      out.push({ t: 'num', v: num });
      i += len;
      continue;
    }
    const name = NAME_RE.exec(rest);
    if (name) {
      out.push({ t: 'name', v: name[0] });
      i += name[0].length;
      continue;
    }
    if ('()[]{},:+-'.includes(c)) {
      out.push({ t: 'op', v: c });
      i++;
      continue;
    }
    throw new NotALiteral(`unexpected character ${c}`);
  }
  return out;
}

function readNumber(rest: string): [number, number] {
  let text: string | undefined;
  let value = 0;
  const f = FLOAT_RE.exec(rest);
  if (f) {
    text = f[0];
    value = Number(text.replace(/_/g, ''));
  } else {
    for (const re of INT_RES) {
      const m = re.exec(rest);
      if (!m) continue;
      text = m[0];
      value = Number(BigInt(text.replace(/_/g, ''))); // BigInt reads 0x/0o/0b prefixes too
      break;
    }
  }
  // Python rejects `07`, `1abc`, `1.2.3` and complex `1j` is not representable here
  if (text === undefined || /^[\p{L}\p{N}_.]/u.test(rest.slice(text.length))) throw new NotALiteral('bad number');
  return [value, text.length];
}

const SIMPLE_ESCAPES: Record<string, string> = {
  '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\n': '',
};

function readString(rest: string, prefix: string): [Token, number] {
  const p = prefix.toLowerCase();
  if (p.includes('f')) throw new NotALiteral('f-strings are not literals');
  const raw = p.includes('r');
  const bytes = p.includes('b');
  let i = prefix.length;
  const q = rest[i]!;
  const triple = rest.startsWith(q.repeat(3), i);
  const quote = triple ? q.repeat(3) : q;
  i += quote.length;
  let s = '';
  for (;;) {
    if (i >= rest.length) throw new NotALiteral('unterminated string');
    if (rest.startsWith(quote, i)) {
      i += quote.length;
      break;
    }
    const c = rest[i]!;
    if (c === '\n' && !triple) throw new NotALiteral('newline in string');
    if (c !== '\\') {
      s += c;
      i++;
      continue;
    }
    const n = rest[i + 1];
    if (n === undefined) throw new NotALiteral('unterminated string');
    if (raw) {
      s += c + n; // raw strings keep the backslash, but it still protects the quote
      i += 2;
      continue;
    }
    i += 2;
    if (n in SIMPLE_ESCAPES) s += SIMPLE_ESCAPES[n];
    else if (/[0-7]/.test(n)) {
      const m = /^[0-7]{1,2}/.exec(rest.slice(i))?.[0] ?? '';
      s += String.fromCodePoint(parseInt(n + m, 8));
      i += m.length;
    } else if (n === 'x' || (!bytes && (n === 'u' || n === 'U'))) {
      const len = n === 'x' ? 2 : n === 'u' ? 4 : 8;
      const hex = rest.slice(i, i + len);
      if (!new RegExp(`^[0-9a-fA-F]{${len}}$`).test(hex)) throw new NotALiteral('truncated escape');
      const cp = parseInt(hex, 16);
      if (cp > 0x10ffff) throw new NotALiteral('escape out of range');
      s += String.fromCodePoint(cp);
      i += len;
    } else if (n === 'N' && !bytes) throw new NotALiteral('named unicode escapes are not supported');
    else s += '\\' + n;
  }
  if (bytes && /[^\x00-\x7f]/.test(rest.slice(prefix.length, i))) throw new NotALiteral('non-ASCII bytes');
  return [{ t: 'str', v: s, bytes }, i];
}

class Parser {
  private i = 0;
  constructor(private readonly toks: Token[]) {}

  parseAll(): PyValue {
    if (this.toks.length === 0) throw new NotALiteral('empty');
    const v = this.expr();
    if (this.i !== this.toks.length) throw new NotALiteral('trailing tokens');
    return v;
  }

  private peek(): Token | undefined {
    return this.toks[this.i];
  }
  private isOp(v: string): boolean {
    const t = this.peek();
    return t !== undefined && t.t === 'op' && t.v === v;
  }
  private expect(v: string): void {
    if (!this.isOp(v)) throw new NotALiteral(`expected ${v}`);
    this.i++;
  }

  /** An expression, possibly a bare tuple (`1, 2`). */
  private expr(): PyValue {
    const first = this.atom();
    if (!this.isOp(',')) return first;
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.atEndOfSequence()) break;
      items.push(this.atom());
    }
    return items;
  }

  private atEndOfSequence(): boolean {
    const t = this.peek();
    return t === undefined || (t.t === 'op' && (t.v === ')' || t.v === ']' || t.v === '}'));
  }

  private atom(): PyValue {
    const t = this.peek();
    if (!t) throw new NotALiteral('unexpected end');
    this.i++;
    switch (t.t) {
      case 'num': {
        const next = this.peek();
        if (next && next.t === 'op' && (next.v === '+' || next.v === '-')) throw new NotALiteral('arithmetic');
        return t.v;
      }
      case 'str': {
        let s = t.v;
        for (let n = this.peek(); n && n.t === 'str'; n = this.peek()) {
          if (n.bytes !== t.bytes) throw new NotALiteral('mixed bytes and str');
          s += n.v;
          this.i++;
        }
        return s;
      }
      case 'name':
        if (t.v === 'True') return true;
        if (t.v === 'False') return false;
        if (t.v === 'None') return null;
        throw new NotALiteral(`name ${t.v}`);
      case 'op':
        return this.compound(t.v);
    }
  }

  private compound(op: string): PyValue {
    if (op === '+' || op === '-') {
      const n = this.peek();
      if (!n || n.t !== 'num') throw new NotALiteral('sign on a non-number');
      this.i++;
      const after = this.peek();
      if (after && after.t === 'op' && (after.v === '+' || after.v === '-')) throw new NotALiteral('arithmetic');
      return op === '-' ? -n.v : n.v;
    }
    if (op === '(') {
      if (this.isOp(')')) {
        this.i++;
        return [];
      }
      const first = this.atom();
      if (this.isOp(')')) {
        this.i++;
        return first; // parenthesised value, not a tuple
      }
      return this.itemsAfter(first, ')');
    }
    if (op === '[') return this.sequence(']');
    if (op === '{') return this.braces();
    throw new NotALiteral(`unexpected ${op}`);
  }

  /** The rest of a comma list that began with `first` and ends with `close` (a trailing comma allowed). */
  private itemsAfter(first: PyValue, close: string): PyValue[] {
    const items = [first];
    while (this.isOp(',')) {
      this.i++;
      if (this.isOp(close)) break;
      items.push(this.atom());
    }
    this.expect(close);
    return items;
  }

  private sequence(close: string): PyValue[] {
    const items: PyValue[] = [];
    while (!this.isOp(close)) {
      items.push(this.atom());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp(close)) throw new NotALiteral('expected ,');
    }
    this.i++;
    return items;
  }

  /** `{}` dict, `{k: v}` dict or `{a, b}` set (sets become lists, as JSON would need). */
  private braces(): PyValue {
    if (this.isOp('}')) {
      this.i++;
      return {};
    }
    const first = this.atom();
    if (!this.isOp(':')) {
      return this.itemsAfter(first, '}');
    }
    const out: Record<string, PyValue> = {};
    let key: PyValue = first;
    for (;;) {
      this.expect(':');
      setKey(out, jsonKey(key), this.atom());
      if (this.isOp(',')) this.i++;
      else if (!this.isOp('}')) throw new NotALiteral('expected ,');
      if (this.isOp('}')) break;
      key = this.atom();
    }
    this.i++;
    return out;
  }
}

/** How Python's json.dumps writes a dict key. */
function jsonKey(k: PyValue): string {
  if (typeof k === 'string') return k;
  if (k === null) return 'null';
  if (typeof k === 'boolean') return k ? 'true' : 'false';
  if (typeof k === 'number') return String(k);
  throw new NotALiteral('unhashable or unserialisable dict key');
}

function setKey(obj: Record<string, PyValue>, key: string, value: PyValue): void {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
}

/** `ast.literal_eval(src)`; throws NotALiteral where Python would raise. */
export function literalEval(src: string): PyValue {
  return new Parser(tokenize(src.replace(/^[ \t]+/, ''))).parseAll();
}

// Shapes that decide the answer without tokenizing (the common inventory values):
// a bare name other than True/False/None is never a literal, nor is a dotted quad or a path.
const PLAIN_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DOTTED = /^[0-9]+(?:\.[0-9]+){2,}$/;
const PATH = /^[/~][A-Za-z0-9_./~-]*$/;
const SMALL_INT = /^(?:0|[1-9][0-9]{0,14})$/;

/** Ansible's INI `_parse_value`: the literal if the text is one, else the text itself. */
export function parseIniValue(v: string): unknown {
  if (SMALL_INT.test(v)) return Number(v);
  if ((PLAIN_NAME.test(v) && v !== 'True' && v !== 'False' && v !== 'None') || DOTTED.test(v) || PATH.test(v)) return v;
  try {
    return literalEval(v);
  } catch (e) {
    if (e instanceof NotALiteral) return v;
    throw e;
  }
}
