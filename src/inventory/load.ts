/**
 * loadInventory: reads files and directories the way `ansible-inventory -i` does (directories in
 * sorted order, recursively, skipping Ansible's ignored names), then group_vars/host_vars beside each
 * source, then builds the model.
 */
import { existsSync } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { dirname, extname, join, resolve } from 'node:path';
import type { YAMLMap } from 'yaml';
import { InventoryError, isInventoryError } from '../errors';
import { readLimited } from '../util/read-limited';
import { InventoryBuilder } from './builder';
import { parseIni } from './ini';
import { buildModel } from './model';
import { getInventoryPlugin, unknownInventoryPluginMessage } from './plugins';
import { expandHostPattern } from './ranges';
import type { Inventory } from './types';
import { loadVarsDir } from './vars-files';
import { parseYamlFile, type LoadedYaml } from './yaml-load';
import { parseYamlInventory, pluginName } from './yaml-source';
import { yaml } from '../util/yaml-lib';
import { isVaultText, Vault } from './vault';

/** Ansible's REJECT_EXTS + INVENTORY_IGNORE_EXTS defaults, plus Marshal's `.example`. */
export const IGNORED_EXTENSIONS = [
  '.pyc', '.pyo', '.swp', '.bak', '~', '.rpm', '.md', '.txt', '.rst', // REJECT_EXTS
  '.orig', '.ini', '.cfg', '.retry', // INVENTORY_IGNORE_EXTS
  '.example', // Marshal: sample files that sit beside real inventories
];
const IGNORED_ALWAYS = ['^\\.', '^host_vars$', '^group_vars$', '^vars_plugins$'];
const IGNORED = new RegExp([...IGNORED_ALWAYS, ...IGNORED_EXTENSIONS.map((e) => `${e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)].join('|'));

/** Does a directory source skip this entry name? */
export function isIgnoredInventoryEntry(name: string): boolean {
  return IGNORED.test(name);
}

const YAML_EXTS = ['.yaml', '.yml', '.json'];

export interface LoadOptions {
  cwd?: string;
  /** Vault passwords for encrypted files and `!vault` values; what they decrypt ends in `Inventory.secrets`. */
  vault?: Vault;
}

/** Ansible's host_list plugin: `-i 'a,b,'` adds hosts a and b to `ungrouped`. */
function addHostList(source: string, b: InventoryBuilder): void {
  for (const item of source.split(',').map((s) => s.trim()).filter(Boolean)) {
    const { hosts, port } = expandHostPattern(item);
    for (const h of hosts) b.addHost(h, 'ungrouped', port);
  }
}

export async function loadInventory(sources: string[], opts: LoadOptions = {}): Promise<Inventory> {
  const cwd = opts.cwd ?? process.cwd();
  const b = new InventoryBuilder();
  const read: string[] = [];
  const varsDirs: string[] = [];
  const vault = opts.vault ?? new Vault([]);

  const loadFile = async (file: string): Promise<void> => {
    read.push(file);
    const text = readLimited(file);
    if (!isVaultText(text)) return parseFile(file, text);
    // a whole encrypted inventory: the values of the vars it sets are secrets, its host names and addresses are not
    const outer = b.onVar;
    b.onVar = (k, v) => vault.revealVar(k, v);
    try {
      await parseFile(file, vault.decrypt(text, { file, line: 1 }));
    } finally {
      b.onVar = outer;
    }
  };

  const parseFile = async (file: string, text: string): Promise<void> => {
    const ext = extname(file);
    let yamlErr: InventoryError | undefined;
    let syntaxError = false;
    if (!ext || YAML_EXTS.includes(ext)) {
      let loaded: LoadedYaml | undefined;
      try {
        loaded = parseYamlFile(text, file, vault);
      } catch (e) {
        if (!(isInventoryError(e))) throw e;
        yamlErr = e;
        syntaxError = true;
      }
      if (loaded) {
        const plugin = pluginName(loaded.doc);
        if (plugin !== undefined) return runPlugin(plugin, loaded, file);
        const c = loaded.doc.contents;
        if (yaml().isMap(c) && c.items.length > 0) return parseYamlInventory(loaded, file, b);
        yamlErr = new InventoryError(c === null || yaml().isMap(c) || (yaml().isScalar(c) && c.value === null) ? 'Parsed empty YAML file' : 'YAML inventory has invalid structure, it should be a dictionary', { file, line: 1 });
      }
    }
    try {
      parseIni(text, file, b);
    } catch (iniErr) {
      // Both readers refused it: report the one the file most looks like
      if (yamlErr && (YAML_EXTS.includes(ext) || (syntaxError && looksLikeYaml(text)))) throw yamlErr;
      throw iniErr;
    }
  };

  const runPlugin = async (name: unknown, loaded: LoadedYaml, file: string): Promise<void> => {
    const root = loaded.doc.contents as YAMLMap;
    const lineOf = (key: string): number | undefined => loaded.lineOf(root.items.find((p) => yaml().isScalar(p.key) && p.key.value === key)?.key as never);
    const plugin = typeof name === 'string' ? getInventoryPlugin(name) : undefined;
    if (!plugin) {
      const line = lineOf('plugin');
      throw new InventoryError(unknownInventoryPluginMessage(String(name)), line === undefined ? { file } : { file, line });
    }
    await plugin({ file, config: loaded.doc.toJS() as Record<string, unknown>, lineOf, builder: b, loadFile });
  };

  const loadPath = async (path: string, isDir: boolean): Promise<void> => {
    if (!isDir) return loadFile(path);
    for (const name of (await readdir(path)).sort()) {
      if (IGNORED.test(name)) continue;
      const full = join(path, name);
      const st = await stat(full).catch(() => null);
      if (st) await loadPath(full, st.isDirectory());
    }
  };

  for (const source of sources) {
    const abs = resolve(cwd, source);
    // Ansible's host_list plugin: `-i 'a,b,'` is a list of hosts, not a path
    if (source.includes(',') && !existsSync(abs)) {
      addHostList(source, b);
      continue;
    }
    const st = await stat(abs).catch(() => null);
    if (!st) throw new InventoryError(`inventory source not found: ${abs}`, { file: abs });
    varsDirs.push(st.isDirectory() ? abs : dirname(abs));
    await loadPath(abs, st.isDirectory());
  }

  return finish(b, varsDirs, read, vault);
}

/** After every source: the hosts and groups settle, group_vars/host_vars beside each source apply. */
async function finish(b: InventoryBuilder, varsDirs: readonly string[], read: string[], vault: Vault): Promise<Inventory> {
  b.reconcile();
  rejectChildrenNamingHosts(b);
  const groupNames = [...b.groups.keys()];
  const hostNames = [...b.hosts.keys()];
  const vars = [];
  for (const dir of varsDirs) {
    const vd = await loadVarsDir(dir, groupNames, hostNames, b.warnings, vault);
    read.push(...vd.files);
    vars.push(vd);
  }
  const inv = buildModel(b, vars, read);
  if (vault.revealed.size) inv.secrets = [...vault.revealed];
  return inv;
}

/** `key:` on the first meaningful line: a YAML document, even if a broken one. */
function looksLikeYaml(text: string): boolean {
  const first = text.split(/\r?\n/).find((l) => l.trim() && !/^\s*[#;]/.test(l));
  return first !== undefined && (/^---/.test(first) || /^[^\s[=]+:(\s|$)/.test(first));
}

/**
 * Ansible only warns when a YAML `children:` entry names a host (it makes an empty group of that name);
 * that is always a mistake, so Marshal refuses it.
 */
function rejectChildrenNamingHosts(b: InventoryBuilder): void {
  for (const g of b.groups.values()) {
    if (g.name === 'all' || g.name === 'ungrouped' || !b.hosts.has(g.name)) continue;
    if (g.hosts.length || g.children.length || Object.keys(g.vars).length) continue;
    const where = b.groupOrigin.get(g.name);
    const parents = g.parents.filter((p) => p !== 'all');
    if (!parents.length) continue;
    throw new InventoryError(
      `children of group '${parents[0]}' names '${g.name}', which is a host, not a group (list it under hosts:)`,
      where ?? {},
    );
  }
}
