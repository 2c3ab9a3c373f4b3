/**
 * Secret masking, the one implementation: the engine, the reporters and the connections all
 * mask through a Masker. A secret is masked by value, in every form it takes on its way out.
 */
import { insideSingleQuotes, isSecret, quote } from './shell';
import { MASK } from './secret-names';
import { isSecretVarName } from './secret-names';


/** A string as it appears inside a JSON string literal. */
function jsonInside(v: string): string {
  return JSON.stringify(v).slice(1, -1);
}

/**
 * Every form of a value that may reach output: as is, shell-quoted, inside a quoted word,
 * each of those quoted once more (a command inside `sudo -- /bin/sh -c '...'`), and each of
 * the above JSON-escaped (JSON text a command printed, `-e` JSON).
 */
export function secretForms(value: string): string[] {
  const once = [value, quote(value), insideSingleQuotes(value)];
  const forms = new Set([...once, ...once.flatMap((s) => [quote(s), insideSingleQuotes(s)])]);
  for (const f of [...forms]) forms.add(jsonInside(f));
  return [...forms];
}

export interface MaskerOptions {
  /** Shorter values are not masked: a 2-character value would mask ordinary text everywhere. */
  minLength?: number;
}

export class Masker {
  private readonly values = new Set<string>();
  private readonly forms = new Set<string>();
  private readonly minLength: number;
  private pattern: RegExp | undefined;

  constructor(opts: MaskerOptions = {}) {
    this.minLength = opts.minLength ?? 3;
  }

  /**
   * Registers a secret of any type: strings as they are; numbers, bigints and booleans by
   * their string form; secret() by its value; arrays and objects by each leaf and their JSON.
   */
  add(value: unknown): void {
    if (value === undefined || value === null) return;
    if (isSecret(value)) return this.addString(value.value);
    if (typeof value === 'string') return this.addString(value);
    if (typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return this.addString(String(value));
    if (typeof value === 'object') {
      for (const leaf of Object.values(value as object)) this.add(leaf);
      this.addString(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
    }
  }

  /** Adds the values of secret vars (by name or listed in `secrets:`) and every secret() inside any var. */
  addVars(vars: Record<string, unknown>, declaredSecretNames: readonly string[] = []): void {
    for (const [k, v] of Object.entries(vars)) {
      if (isSecretVarName(k) || declaredSecretNames.includes(k)) this.add(v);
      else this.addInlineSecrets(v);
    }
  }

  private addInlineSecrets(v: unknown): void {
    if (isSecret(v)) this.add(v);
    else if (v && typeof v === 'object') for (const x of Object.values(v as object)) this.addInlineSecrets(x);
  }

  private addString(value: string): void {
    if (value.length < this.minLength || this.values.has(value)) return;
    this.values.add(value);
    for (const f of secretForms(value)) this.forms.add(f);
    this.pattern = undefined;
    // line-wise output (a --diff, a stderr tail) splits a multi-line secret: mask each line too
    if (value.includes('\n')) for (const line of value.split(/\r?\n/)) this.addString(line);
  }

  /** How many secret values are registered. */
  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (this.forms.size === 0 || !text) return text;
    if (!this.pattern) {
      // longest first: a quoted form must be replaced whole, not the value inside it
      const parts = [...this.forms].sort((a, b) => b.length - a.length).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.pattern = new RegExp(parts.join('|'), 'g');
    }
    return text.replace(this.pattern, MASK);
  }

  /** Masks every string (keys included) inside plain data (results, reports). */
  maskDeep<T>(data: T): T {
    if (this.forms.size === 0) return data;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.mask(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [this.mask(k), walk(x)]));
      }
      return v;
    };
    return walk(data) as T;
  }
}

/** Masks `values` (every form, any length) in `text`: for connection code that knows its passwords. */
export function maskText(text: string, values: readonly (string | undefined)[]): string {
  const m = new Masker({ minLength: 1 });
  for (const v of values) if (v) m.add(v);
  return m.mask(text);
}
