/**
 * Loading a playbook: resolve the file, compile it with the local files it imports
 * (compile.ts, cached by content), evaluate it with `marshal` bound to this Marshal
 * (evaluate.ts). Every failure becomes a PlaybookError at the user's file and line.
 */
import { existsSync, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { MarshalError, PlaybookError, isMarshalError } from '../errors';
import { isPlaybook } from '../dsl/playbook';
import type { Playbook } from '../dsl/types';
import { registerSourceMap, userFrames, whileLoading } from '../util/stack';
import { compilePlaybook } from './compile';
import { evaluateModule } from './evaluate';

export { compilePlaybook, compileCacheDir } from './compile';
export { typecheckPlaybook, type TypeDiagnostic } from './typecheck';

/** Where the user's code threw: its first frame in a user file, else the playbook itself. */
function locate(err: Error, entry: string): { file: string; line?: number } {
  const f = userFrames(err.stack)[0];
  return f ? { file: f.file, line: f.line } : { file: entry };
}

function evaluate(code: string, filename: string, entry: string): unknown {
  try {
    return whileLoading(entry, () => evaluateModule(code, filename, entry));
  } catch (err) {
    if (isMarshalError(err)) {
      if (!err.file) Object.assign(err, locate(err, entry));
      throw err;
    }
    const e = err instanceof Error ? err : new Error(String(err));
    throw new PlaybookError(`threw while loading: ${e.message}`, locate(e, entry));
  }
}

export async function loadPlaybook(file: string): Promise<Playbook<any>> {
  const entry = resolve(file);
  if (!existsSync(entry) || !statSync(entry).isFile()) throw new PlaybookError(`playbook not found: ${file}`);
  // stack traces (MARSHAL_DEBUG, crashes) show the playbook's lines, not the compiled module's
  process.setSourceMapsEnabled(true);
  const compiled = await compilePlaybook(entry);
  registerSourceMap(compiled.file, () => compiled.map);
  const mod = evaluate(compiled.code, compiled.file, entry);
  const exported = (mod as { default?: unknown })?.default ?? mod;
  if (!isPlaybook(exported)) {
    const got = exported === undefined ? 'nothing' : typeof exported === 'object' ? `an object with keys ${Object.keys(exported as object).slice(0, 5).join(', ') || '(none)'}` : typeof exported;
    throw new PlaybookError(`the default export is not a playbook (got ${got}); write \`export default playbook({ ... })\``, { file: entry, line: 1 });
  }
  return exported;
}
