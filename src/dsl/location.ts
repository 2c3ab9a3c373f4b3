/** Finds the user's call site (file:line) so errors point at the playbook, not at Marshal. */
import { sep } from 'node:path';

// This file itself too: in the bundled CLI (dist/cli/marshal.js) every DSL frame is in it.
const INTERNAL = [`${sep}src${sep}dsl${sep}`, `${sep}dist${sep}dsl${sep}`, `${sep}node_modules${sep}`, 'node:internal', __filename];

export function callerLocation(): string | undefined {
  const stack = new Error().stack?.split('\n').slice(1) ?? [];
  for (const line of stack) {
    const m = /\(?((?:\/|[A-Za-z]:\\)[^():]+):(\d+):\d+\)?$/.exec(line.trim());
    if (!m) continue;
    const file = m[1]!;
    if (INTERNAL.some((p) => file.includes(p))) continue;
    return `${file}:${m[2]}`;
  }
  return undefined;
}
