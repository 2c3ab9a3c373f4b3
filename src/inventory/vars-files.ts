/**
 * group_vars/ and host_vars/ beside an inventory source, found as Ansible's host_group_vars plugin
 * finds them: `NAME`, else `NAME.yml`, `NAME.yaml`, `NAME.json` (first that exists), where `NAME` may
 * be a directory whose files (sorted, recursive, no hidden or `~` files) are merged in order.
 */
import { readdir, realpath, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { InventoryError } from '../errors';
import { readLimited } from '../util/read-limited';
import { assignVars } from './builder';
import type { Vars } from './types';
import { loadYamlData } from './yaml-load';
import { isVaultText, Vault } from './vault';

const VARS_EXTS = ['.yml', '.yaml', '.json'];

export interface VarsDirFiles {
  dir: string;
  groups: Map<string, Vars>;
  hosts: Map<string, Vars>;
  /** Files that were read, in order. */
  files: string[];
}

async function isDir(p: string): Promise<boolean> {
  return (await stat(p).catch(() => null))?.isDirectory() ?? false;
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  const names = (await readdir(dir)).sort();
  for (const n of names) {
    if (n.startsWith('.') || n.endsWith('~')) continue;
    const full = join(dir, n);
    const ext = extname(n);
    const st = await stat(full).catch(() => null);
    if (!st) continue;
    if (st.isDirectory() && !ext) out.push(...(await filesUnder(full)));
    else if (st.isFile() && (!ext || VARS_EXTS.includes(ext))) out.push(full);
  }
  return out;
}

function loadVarsFile(file: string, vault: Vault | undefined): Vars | undefined {
  const text = readLimited(file);
  let data: unknown;
  if (isVaultText(text)) {
    // a whole encrypted file: each of its strings is a secret (but for settings such as ansible_host)
    const v = vault ?? new Vault([]);
    data = loadYamlData(v.decrypt(text, { file, line: 1 }), file, v);
    v.revealVars(data);
  } else data = loadYamlData(text, file, vault);
  // Ansible skips empty files (None, {} and other falsy data)
  if (!data || (Array.isArray(data) && data.length === 0)) return undefined;
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new InventoryError(`vars file must hold a mapping of variables, found a ${Array.isArray(data) ? 'list' : typeof data}`, { file, line: 1 });
  }
  return data as Vars;
}

interface LoadKindContext {
  files: string[];
  warnings: string[];
  vault: Vault | undefined;
}

async function loadKind(base: string, sub: 'group_vars' | 'host_vars', names: Iterable<string>, out: Map<string, Vars>, ctx: LoadKindContext): Promise<void> {
  const { files, warnings } = ctx;
  const dir = join(base, sub);
  const st = await stat(dir).catch(() => null);
  if (!st) return;
  if (!st.isDirectory()) {
    warnings.push(`Found ${sub} that is not a directory, skipping: ${dir}`);
    return;
  }
  const real = await realpath(dir);
  // One listing per directory, so a 1000-host inventory costs no 4000 stat calls
  const present = new Set(await readdir(real));
  for (const name of names) {
    if (name.startsWith('/')) continue;
    const hit = ['', ...VARS_EXTS].map((e) => name + e).find((c) => present.has(c));
    if (hit === undefined) continue;
    const full = join(real, hit);
    const found = (await isDir(full)) ? await filesUnder(full) : [full];
    let merged: Vars | undefined;
    for (const f of found) {
      const data = loadVarsFile(f, ctx.vault);
      files.push(f);
      if (data) merged = assignVars(merged ?? {}, data);
    }
    if (merged) out.set(name, merged);
  }
}

export async function loadVarsDir(dir: string, groupNames: Iterable<string>, hostNames: Iterable<string>, warnings: string[], vault?: Vault): Promise<VarsDirFiles> {
  const res: VarsDirFiles = { dir, groups: new Map(), hosts: new Map(), files: [] };
  const ctx = { files: res.files, warnings, vault };
  await loadKind(dir, 'group_vars', groupNames, res.groups, ctx);
  await loadKind(dir, 'host_vars', hostNames, res.hosts, ctx);
  return res;
}
