/**
 * Commands that are safe to send to a shell. Every interpolated value is single-quoted
 * (zx's `$` rule); a raw shell string exists only through the explicit `raw()` opt-in.
 */

const COMMAND = Symbol.for('marshal.command');

/** A shell command line whose interpolated values have been quoted. */
export interface Command {
  readonly [COMMAND]: true;
  /** The exact text sent to the remote shell. */
  readonly text: string;
  /** Values to mask in logs and reports (from `secret()` interpolations). */
  readonly secrets: readonly string[];
}

export { MASK } from '../util/secret-names';
// quote and Secret live in util (the connections and the Masker use them too); the authoring API re-exports them
export { quote, secret, isSecret, type Secret } from '../util/shell';
import { quote, isSecret, type Secret } from '../util/shell';

export function isCommand(v: unknown): v is Command {
  return typeof v === 'object' && v !== null && (v as Record<symbol, unknown>)[COMMAND] === true;
}

function makeCommand(text: string, secrets: readonly string[]): Command {
  return { [COMMAND]: true, text, secrets };
}

export type Interpolable = string | number | bigint | boolean | Secret | Command | readonly Interpolable[];

function render(value: Interpolable, secrets: string[]): string {
  if (isCommand(value)) {
    secrets.push(...value.secrets);
    return value.text; // already quoted: nesting sh`` inside sh`` composes
  }
  if (isSecret(value)) {
    secrets.push(value.value);
    return quote(value.value);
  }
  if (Array.isArray(value)) return value.map((v) => render(v, secrets)).join(' ');
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') {
    return quote(String(value));
  }
  throw new TypeError(`sh\`\`: cannot interpolate a value of type ${value === null ? 'null' : typeof value}`);
}

/**
 * Tagged template: sh`devlink dev eswitch show pci/${pf}` quotes `pf` as one shell word.
 * Arrays expand to several quoted words; nested commands are inserted as they are.
 */
export function sh(strings: TemplateStringsArray, ...values: Interpolable[]): Command {
  const secrets: string[] = [];
  // An invalid escape (`\033`) leaves a part's cooked text undefined: refuse it, never send less.
  const bad = strings.findIndex((s) => s === undefined);
  if (bad >= 0) {
    throw new TypeError(`sh\`\`: invalid escape sequence in "${strings.raw[bad]!.slice(0, 40)}" (write \\x1b for ESC, or \\\\ for a backslash)`);
  }
  let text = strings[0]!;
  values.forEach((v, i) => {
    if (v === undefined || v === null) {
      throw new TypeError(`sh\`\`: value #${i + 1} after "${(strings[i] ?? '').slice(-30)}" is ${String(v)}`);
    }
    text += render(v, secrets) + (strings[i + 1] ?? '');
  });
  return makeCommand(text, secrets);
}

/** argv form: every element is one quoted word. argv(['ovs-vsctl', 'add-br', bridge]). */
export function argv(words: readonly (string | number | Secret)[]): Command {
  const secrets: string[] = [];
  return makeCommand(words.map((w) => render(w, secrets)).join(' '), secrets);
}

/** Explicit opt-in to an unquoted shell string. Use only for text you wrote yourself. */
export function raw(text: string): Command {
  return makeCommand(text, []);
}
