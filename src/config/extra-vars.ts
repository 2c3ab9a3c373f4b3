/** -e / --extra-vars: `k=v k2=v2`, a JSON object, or `@file` (YAML or JSON), as in Ansible. */
import { yaml } from '../util/yaml-lib';
import { UsageError } from '../errors';
import type { Vars } from '../dsl/types';
import { inputLimits, readLimited } from '../util/read-limited';
import { expandYamlAliases } from '../util/yaml-bounds';
import { maskSecretAssignments } from '../util/secret-names';
import { isVaultText, Vault } from '../inventory/vault';
import { decryptVaultNodes, VAULT_TAG } from '../inventory/yaml-load';

/**
 * `-e @file`: read through the size limit, aliases expanded within bounds (a bomb stops at its line);
 * an ansible-vault encrypted file or `!vault` values are decrypted, and what they held is secret.
 */
function readYamlVars(file: string, vault: Vault): unknown {
  const raw = readLimited(file, { what: '--extra-vars' });
  const encrypted = isVaultText(raw);
  const text = encrypted ? vault.decrypt(raw, { file, line: 1 }) : raw;
  const lines = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter: lines, prettyErrors: true, customTags: [VAULT_TAG] });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new UsageError(`--extra-vars: ${err.message.split('\n')[0]}`, { file, ...(line ? { line } : {}) });
  }
  expandYamlAliases(doc, file, lines);
  decryptVaultNodes(doc, file, lines, vault);
  const data: unknown = doc.toJS({ maxAliasCount: inputLimits().maxAliases });
  if (encrypted) vault.revealVars(data);
  return data;
}

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
  if (q) throw new UsageError(`--extra-vars: unclosed ${q} in ${JSON.stringify(maskSecretAssignments(s))}`);
  if (cur || has) out.push(cur);
  return out;
}

export function parseExtraVars(args: readonly string[], vault: Vault = new Vault([])): Vars {
  const out: Vars = {};
  for (const arg of args) {
    const a = arg.trim();
    if (a.startsWith('@')) {
      const file = a.slice(1);
      const data = readYamlVars(file, vault);
      if (!data || typeof data !== 'object' || Array.isArray(data)) throw new UsageError(`--extra-vars @${file}: must hold a mapping of names to values`, { file });
      Object.assign(out, data);
    } else if (a.startsWith('{')) {
      let data: unknown;
      try {
        data = JSON.parse(a);
      } catch (err) {
        throw new UsageError(`--extra-vars: invalid JSON: ${maskSecretAssignments((err as Error).message)}`);
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
