/**
 * What reaches a shell: quote(), the one shell-quoting function, and Secret, a value quoted like
 * any other but masked in every output. Shared by the authoring API (dsl/command.ts re-exports
 * them), the connections and the Masker.
 */
import { MASK } from './secret-names';

const SECRET = Symbol.for('marshal.secret');

/** A value that is quoted like any other but masked (`********`) in every log and report. */
export interface Secret {
  readonly [SECRET]: true;
  readonly value: string;
  toString(): string;
  toJSON(): string;
}

export function secret(value: string): Secret {
  return {
    [SECRET]: true,
    value,
    toString: () => MASK,
    toJSON: () => MASK,
  };
}

export function isSecret(v: unknown): v is Secret {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[SECRET] === true;
}

/** What goes between the single quotes of quote(): each `'` becomes `'\\''`. */
export function insideSingleQuotes(value: string): string {
  return value.replace(/'/g, `'\\''`);
}

/** POSIX single-quote: safe for sh, bash, dash and zsh, whatever the value holds. */
export function quote(value: string): string {
  if (value === '') return "''";
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(value) && !value.startsWith('-')) return value;
  return `'${insideSingleQuotes(value)}'`;
}
