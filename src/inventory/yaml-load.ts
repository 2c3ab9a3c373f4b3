/**
 * Reads YAML the way Ansible's loader (PyYAML, YAML 1.1) does, so `yes`/`on` are booleans but `y`
 * and `1e3` stay strings and dates stay text; syntax errors become InventoryErrors with the line.
 */
import type { Document, LineCounter, Node, ScalarTag, Tags } from 'yaml';
import { yaml } from '../util/yaml-lib';
import { InventoryError } from '../errors';
import { inputLimits } from '../util/read-limited';
import { expandYamlAliases } from '../util/yaml-bounds';
import { Vault } from './vault';

/** `!vault |` keeps its envelope text; decryptVaultNodes replaces it once the line is known. */
export const VAULT_TAG = { tag: '!vault', resolve: (s: string) => s } as ScalarTag;

/**
 * Decrypts every `!vault` scalar in place (aliases are expanded already, so every use is a node) and
 * registers each plaintext as a secret; errors name the value's line.
 */
export function decryptVaultNodes(doc: Document.Parsed, file: string, lines: LineCounter, vault: Vault | undefined): void {
  yaml().visit(doc, {
    Scalar(_key, node) {
      if (node.tag !== '!vault') return;
      const off = node.range?.[0];
      const v = vault ?? new Vault([]);
      const plain = v.decrypt(String(node.value), { file, line: off === undefined ? undefined : lines.linePos(off).line });
      v.reveal(plain);
      node.value = plain;
      node.tag = undefined;
    },
  });
}

// PyYAML's 1.1 resolvers differ from the yaml package's in these three places
const PY_TRUE = /^(?:yes|Yes|YES|true|True|TRUE|on|On|ON)$/;
const PY_FALSE = /^(?:no|No|NO|false|False|FALSE|off|Off|OFF)$/;
const PY_FLOAT_EXP = /^[-+]?[0-9][0-9_]*\.[0-9_]*[eE][-+][0-9]+$/;

function ansibleTags(tags: Tags): Tags {
  const out: Tags = [];
  for (const t of tags) {
    if (typeof t === 'string' || !('tag' in t)) {
      out.push(t);
      continue;
    }
    if (t.tag === 'tag:yaml.org,2002:bool' && 'test' in t && t.test) {
      out.push({ ...t, test: t.test.test('true') ? PY_TRUE : PY_FALSE } as ScalarTag);
      continue;
    }
    if (t.tag === 'tag:yaml.org,2002:float' && 'format' in t && t.format === 'EXP') {
      out.push({ ...t, test: PY_FLOAT_EXP } as ScalarTag);
      continue;
    }
    if (t.tag === 'tag:yaml.org,2002:timestamp') {
      // Ansible prints dates as ISO text; keep the source text rather than a JS Date
      out.push({ ...(t as ScalarTag), resolve: (s: string) => s } as ScalarTag);
      continue;
    }
    out.push(t);
  }
  out.push(
    { tag: '!unsafe', resolve: (s: string) => s } as ScalarTag,
    VAULT_TAG,
  );
  return out;
}

export interface LoadedYaml {
  doc: Document.Parsed;
  lineOf(node: Node | null | undefined): number | undefined;
}

export function parseYamlFile(text: string, file: string, vault?: Vault): LoadedYaml {
  const lineCounter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, {
    version: '1.1',
    uniqueKeys: false,
    lineCounter,
    prettyErrors: true,
    customTags: ansibleTags,
  });
  const err = doc.errors[0];
  if (err) {
    const line = err.linePos?.[0]?.line;
    throw new InventoryError(`YAML syntax error: ${err.message.split('\n')[0]}`, line === undefined ? { file } : { file, line });
  }
  // a UsageError, not an InventoryError: a bomb must not be retried as INI
  expandYamlAliases(doc, file, lineCounter);
  decryptVaultNodes(doc, file, lineCounter, vault);
  return {
    doc,
    lineOf(node) {
      const off = node?.range?.[0];
      return off === undefined ? undefined : lineCounter.linePos(off).line;
    },
  };
}

/** The whole file as plain data (group_vars/host_vars files); `undefined` for an empty file. */
export function loadYamlData(text: string, file: string, vault?: Vault): unknown {
  const { doc } = parseYamlFile(text, file, vault);
  return doc.toJS({ maxAliasCount: inputLimits().maxAliases }) ?? undefined;
}
