/**
 * Small helpers shared by the fact parsers: line splitting, strict numbers, and errors that
 * quote the text they could not understand.
 */
import { FactParseError } from 'marshal';

/** Lines without their terminators; CRLF tolerated because some tools run behind a pty. */
export function lines(text: string): string[] {
  const out = text.replace(/\r\n?/g, '\n').split('\n');
  if (out.length > 0 && out[out.length - 1] === '') out.pop();
  return out;
}

/** Lines with content only (blank and whitespace-only lines dropped). */
export function contentLines(text: string): string[] {
  return lines(text).filter((l) => l.trim() !== '');
}

/** Quote a line for an error message, showing invisible whitespace and cutting long ones. */
export function show(line: string): string {
  const cut = line.length > 200 ? `${line.slice(0, 200)}…` : line;
  return JSON.stringify(cut);
}

export function unexpected(fact: string, line: string, what = 'unexpected line'): FactParseError {
  return new FactParseError(fact, `${what}: ${show(line)}`);
}

/** A non-negative decimal integer, or a FactParseError naming what it was meant to be. */
export function toInt(fact: string, text: string, what: string): number {
  const t = text.trim();
  if (!/^\d+$/.test(t)) throw new FactParseError(fact, `${what} is not a whole number: ${show(text)}`);
  const n = Number(t);
  if (!Number.isSafeInteger(n)) throw new FactParseError(fact, `${what} is too large: ${show(text)}`);
  return n;
}

/** The output when a parser insists on one non-empty line (uname -m, cat of a sysfs file). */
export function singleLine(fact: string, stdout: string): string {
  const ls = contentLines(stdout);
  if (ls.length === 0) throw new FactParseError(fact, 'empty output');
  if (ls.length > 1) throw new FactParseError(fact, `expected one line, got ${ls.length}: ${show(ls[1] ?? '')}`);
  return (ls[0] ?? '').trim();
}
