/** -e / --extra-vars: `k=v k2=v2`, a JSON object, or `@file` (YAML or JSON), as in Ansible. */
import { readFileSync } from 'node:fs';
import { yaml } from '../inventory/yaml-lib';
import { UsageError } from '../errors';
import type { Vars } from '../dsl/types';

function splitWords(s: string): string[] {
  // shell-like split honouring quotes, so -e "msg='a b' x=1" works
  const out: string[] = [];
  let cur = '';
  let q: string | null = null;
  let has = false;
  for (const ch of s) {
    if (q) {
      if (ch === q) q = null;
      else cur += ch;
    } else if (ch === '"' || ch === "'") {
      q = ch;
      has = true;
    } else if (/\s/.test(ch)) {
      if (cur || has) out.push(cur);
      cur = '';
      has = false;
    } else cur += ch;
  }
  if (q) throw new UsageError(`--extra-vars: unclosed ${q} in ${JSON.stringify(s)}`);
  if (cur || has) out.push(cur);
  return out;
}

export function parseExtraVars(args: readonly string[]): Vars {
  const out: Vars = {};
  for (const arg of args) {
    const a = arg.trim();
    if (a.startsWith('@')) {
      const file = a.slice(1);
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (err) {
        throw new UsageError(`--extra-vars @${file}: cannot read: ${(err as Error).message}`);
      }
      let data: unknown;
      try {
        data = yaml().parse(text);
      } catch (err) {
        const e = err as Error & { linePos?: { line: number }[] };
        throw new UsageError(`--extra-vars: ${e.message.split('\n')[0]}`, { file, ...(e.linePos?.[0] ? { line: e.linePos[0].line } : {}) });
      }
      if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`--extra-vars @${file}: must hold a mapping of names to values`, { file });
      Object.assign(out, data);
    } else if (a.startsWith('{')) {
      let data: unknown;
      try {
        data = JSON.parse(a);
      } catch (err) {
        throw new UsageError(`--extra-vars: invalid JSON: ${(err as Error).message}`);
      }
      if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError('--extra-vars: JSON must be an object');
      Object.assign(out, data);
    } else {
      for (const word of splitWords(a)) {
        const eq = word.indexOf('=');
        if (eq <= 0) throw new UsageError(`--extra-vars: "${word}" is not key=value (use key=value, JSON or @file)`);
        const key = word.slice(0, eq);
        if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(key)) throw new UsageError(`--extra-vars: "${key}" is not a valid variable name`);
        out[key] = word.slice(eq + 1);
      }
    }
  }
  return out;
}
