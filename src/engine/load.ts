/**
 * Loading a playbook module, compiled in transpile-only mode through a content-keyed cache
 * (ts-cache.ts; types are checked by `marshal check`). Every failure becomes a PlaybookError with file and line, no stack dump.
 */
import { resolve } from 'node:path';
import { existsSync } from 'node:fs';
import { PlaybookError, MarshalError } from '../errors';
import { isPlaybook } from '../dsl/playbook';
import type { Playbook } from '../dsl/types';
import { registerCompileCache } from './ts-cache';

/** First stack frame in user code (not node internals, not Marshal, not ts-node). */
function userFrame(err: Error, prefer: string): { file: string; line: number } | undefined {
  const frames = (err.stack ?? '').split('\n').slice(1);
  const parsed = frames
    .map((l) => /\(?((?:\/|[A-Za-z]:\\)[^():]+):(\d+):\d+\)?\s*$/.exec(l.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ file: m[1]!, line: Number(m[2]) }))
    .filter((f) => !/node_modules|[\\/](dist|src)[\\/](engine|dsl|cli)[\\/]/.test(f.file) && !f.file.startsWith('node:'));
  return parsed.find((f) => f.file === prefer) ?? parsed[0];
}

export function loadPlaybook(file: string): Playbook<any> {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new PlaybookError(`playbook not found: ${file}`);
  registerCompileCache();
  let mod: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    mod = require(abs);
  } catch (err) {
    const e = err as Error & { diagnosticText?: string };
    if (e.name === 'TSError' && e.diagnosticText) {
      // "playbooks/x.ts(3,5): error TS1005: ',' expected."
      const m = /^(.*?)\((\d+),(\d+)\): (.*)$/m.exec(e.diagnosticText);
      if (m) throw new PlaybookError(`does not compile: ${m[4]}`, { file: resolve(m[1]!), line: Number(m[2]) });
      throw new PlaybookError(`does not compile: ${e.diagnosticText.trim()}`, { file: abs });
    }
    if (err instanceof MarshalError) {
      if (!err.file) {
        const where = userFrame(err, abs);
        if (where) {
          err.file = where.file;
          err.line = where.line;
        }
      }
      throw err;
    }
    if (e instanceof SyntaxError) throw new PlaybookError(`syntax error: ${e.message}`, { file: abs });
    const where = userFrame(e, abs);
    throw new PlaybookError(`threw while loading: ${e?.message ?? String(err)}`, where ?? { file: abs });
  }
  const exported = (mod as { default?: unknown })?.default ?? mod;
  if (!isPlaybook(exported)) {
    const got = exported === undefined ? 'nothing' : typeof exported === 'object' ? `an object with keys ${Object.keys(exported as object).slice(0, 5).join(', ') || '(none)'}` : typeof exported;
    throw new PlaybookError(`the default export is not a playbook (got ${got}); write \`export default playbook({ ... })\``, { file: abs, line: 1 });
  }
  return exported;
}

