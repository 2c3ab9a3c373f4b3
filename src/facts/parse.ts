/** Small pure helpers the fact parsers share. */
import { FactParseError } from '../errors';

/** A value for an error message: quoted, at most 120 characters. */
export function show(text: string): string {
  return JSON.stringify(text.length > 120 ? `${text.slice(0, 117)}...` : text);
}

/** The lines of an output, without the final newline's empty line. */
export function lines(stdout: string): string[] {
  const l = stdout.split('\n');
  if (l[l.length - 1] === '') l.pop();
  return l;
}

/** The one line of an output such as `uname -m`; anything else is an error. */
export function singleLine(fact: string, stdout: string): string {
  const l = lines(stdout);
  if (l.length !== 1 || l[0]!.trim() === '') throw new FactParseError(fact, `expected one line, got ${show(stdout)}`);
  return l[0]!.trim();
}

/** A non-negative integer, or a parse error naming what it should have been. */
export function count(fact: string, what: string, text: string | undefined): number {
  if (text === undefined || !/^\d+$/.test(text)) throw new FactParseError(fact, `${what}: not a number: ${show(text ?? '')}`);
  return Number(text);
}
