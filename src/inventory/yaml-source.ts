/**
 * Ansible's YAML inventory format (plugins/inventory/yaml.py): top-level keys are groups, each with
 * optional `hosts`, `vars` and `children`; nulls are allowed everywhere. Walks the YAML AST rather
 * than plain data so every error can name its line.
 */
import type { Document, Node, YAMLMap } from 'yaml';
import { yaml } from '../util/yaml-lib';
import { InventoryError, isInventoryError } from '../errors';
import type { InventoryBuilder } from './builder';
import { expandHostPattern, HostRangeError } from './ranges';
import type { LoadedYaml } from './yaml-load';
import { inputLimits } from '../util/read-limited';

const SECTIONS = ['vars', 'children', 'hosts'] as const;

function typeName(n: unknown): string {
  if (yaml().isSeq(n)) return 'list';
  if (yaml().isMap(n)) return 'mapping';
  if (yaml().isScalar(n)) return n.value === null ? 'null' : typeof n.value === 'string' ? 'string' : typeof n.value;
  return 'value';
}

/** Null (`~`, empty) or missing. */
function isNull(n: unknown): boolean {
  return n === null || n === undefined || (yaml().isScalar(n) && n.value === null);
}

/** Is the document a YAML mapping with a truthy `plugin` key (an inventory plugin config)? */
export function pluginName(doc: Document.Parsed): unknown {
  const c = doc.contents;
  if (!yaml().isMap(c)) return undefined;
  const pair = c.items.find((p) => yaml().isScalar(p.key) && p.key.value === 'plugin');
  const v: unknown = yaml().isScalar(pair?.value) ? pair.value.value : pair?.value;
  // Ansible's `data.get('plugin')`: any truthy value
  return v === undefined || v === null || v === '' || v === false || v === 0 ? undefined : v;
}

interface Reader {
  inv: InventoryBuilder;
  fail: (message: string, node?: Node | null) => never;
  at: <T>(node: Node | null | undefined, fn: () => T) => T;
  js: (n: unknown) => unknown;
}

/** A group's `hosts:` entries: each a host pattern with an optional mapping of vars. */
function addHosts({ inv, fail, at, js }: Reader, group: string, entries: Array<[unknown, unknown]>): void {
  for (const [k, v] of entries) {
    const pattern = js(k);
    if (typeof pattern !== 'string') {
      fail(`Host pattern ${String(pattern)} must be a string. Enclose integers/floats in quotation marks.`, k as Node);
    }
    const raw = isNull(v) ? {} : js(v);
    // Python's `vars or {}`: any falsy value means no vars
    const hostVars = !raw || (Array.isArray(raw) && raw.length === 0) ? {} : raw;
    if (typeof hostVars !== 'object' || hostVars === null || Array.isArray(hostVars)) {
      fail(`vars of host '${String(pattern)}' in group '${group}' must be a mapping, found a ${typeName(v)}`, (v as Node) ?? (k as Node));
    }
    at(k as Node, () => {
      const { hosts, port } = expandHostPattern(pattern as string);
      for (const h of hosts) {
        inv.addHost(h, group, port);
        for (const [vk, vv] of Object.entries(hostVars as object)) inv.setVar(h, vk, vv);
      }
    });
  }
}

export function parseYamlInventory(loaded: LoadedYaml, file: string, inv: InventoryBuilder): void {
  const { doc, lineOf } = loaded;
  const root = doc.contents;
  const fail = (message: string, node?: Node | null): never => {
    const line = lineOf(node ?? undefined);
    throw new InventoryError(message, line === undefined ? { file } : { file, line });
  };
  const at = <T>(node: Node | null | undefined, fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (isInventoryError(e) && e.file === undefined) return fail(e.message, node);
      if (e instanceof HostRangeError) return fail(`invalid host range: ${e.message}`, node);
      throw e;
    }
  };
  const js = (n: unknown): unknown => (yaml().isScalar(n) || yaml().isMap(n) || yaml().isSeq(n) ? (n as Node).toJS(doc, { maxAliasCount: inputLimits().maxAliases }) : n);

  if (isNull(root) || (yaml().isMap(root) && root.items.length === 0)) fail('Parsed empty YAML file');
  if (!yaml().isMap(root)) fail(`YAML inventory has invalid structure, it should be a dictionary, got: ${typeName(root)}`, root);

  const parseGroup = (keyNode: unknown, data: unknown): string => {
    const name = js(keyNode);
    if (!yaml().isMap(data) && !isNull(data)) {
      inv.warnings.push(`${file}: Skipping '${String(name)}' as this is not a valid group definition`);
      return String(name);
    }
    const group = at(keyNode as Node, () => inv.addGroup(name, { file, line: lineOf(keyNode as Node) }));
    if (!yaml().isMap(data)) return group;
    const sections = new Map<string, unknown>();
    for (const pair of data.items) {
      const key = String(js(pair.key));
      let value: unknown = pair.value;
      if ((SECTIONS as readonly string[]).includes(key)) {
        // a bare string is shorthand for a one-entry mapping with a null value
        if (yaml().isScalar(value) && typeof value.value === 'string') value = { single: value };
        else if (!yaml().isMap(value) && !isNull(value)) {
          fail(`Invalid "${key}" entry for "${group}" group, requires a dictionary, found a ${typeName(value)} instead`, (value as Node) ?? (pair.key as Node));
        }
      }
      sections.set(key, value);
      if (isNull(value)) continue;
      if (!yaml().isMap(value) && !(typeof value === 'object' && value !== null && 'single' in value)) {
        inv.warnings.push(`${file}:${lineOf(pair.key as Node) ?? '?'}: Skipping key (${key}) in group (${group}) as it is not a mapping`);
        continue;
      }
      const entries: Array<[unknown, unknown]> = yaml().isMap(value)
        ? (value as YAMLMap).items.map((p) => [p.key, p.value])
        : [[(value as { single: Node }).single, null]];
      if (key === 'vars') {
        for (const [k, v] of entries) at(k as Node, () => inv.setVar(group, String(js(k)), isNull(v) ? null : js(v)));
      } else if (key === 'children') {
        for (const [k, v] of entries) {
          const sub = parseGroup(k, v);
          at(k as Node, () => inv.addChild(group, sub));
        }
      } else if (key === 'hosts') {
        addHosts({ inv, fail, at, js }, group, entries);
      } else {
        inv.warnings.push(
          `${file}:${lineOf(pair.key as Node) ?? '?'}: Skipping unexpected key (${key}) in group (${group}), only "vars", "children" and "hosts" are valid`,
        );
      }
    }
    return group;
  };

  for (const pair of (root as YAMLMap).items) parseGroup(pair.key, pair.value);
}
