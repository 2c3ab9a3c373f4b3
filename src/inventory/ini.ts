/**
 * Ansible's INI inventory format (plugins/inventory/ini.py), ported rule for rule: the file starts in
 * `[ungrouped]`, `[g:vars]` and `[g:children]` may name groups declared later in the same file, and
 * values go through Python's literal_eval. Errors carry the file and 1-based line.
 */
import { InventoryError, isInventoryError } from '../errors';
import type { InventoryBuilder } from './builder';
import { parseIniValue } from './pyliteral';
import { expandHostPattern, HostRangeError } from './ranges';
import { ShlexError, shlexSplit } from './shlex';
import { maskSecretAssignments } from '../util/secret-names';

const SECTION = /^\[([^:\]\s]+)(?::([\p{L}\p{N}_]+))?\]\s*(?:#.*)?$/u;
const GROUPNAME = /^([^:\]\s]+)\s*(?:#.*)?$/;
// Python's str.splitlines() line boundaries
const LINE_BREAK = /\r\n|[\n\r\v\f\x1c-\x1e\x85\u2028\u2029]/;

type Pending =
  | { state: 'vars'; line: number; name: string }
  | { state: 'children'; line: number; name: string; parents: string[] };

export function parseIni(text: string, file: string, inv: InventoryBuilder): void {
  let lineno = 0;
  const fail = (message: string): never => {
    throw new InventoryError(message, { file, line: lineno });
  };
  // Builder errors (cycles, unknown names) get this file and line attached
  const at = <T>(fn: () => T): T => {
    try {
      return fn();
    } catch (e) {
      if (isInventoryError(e) && e.file === undefined) return fail(e.message);
      throw e;
    }
  };

  const pending = new Map<string, Pending>();
  const addPendingChildren = (group: string): void => {
    const decl = pending.get(group);
    if (decl?.state !== 'children') return;
    for (const parent of decl.parents) {
      at(() => inv.addChild(parent, group));
      if (pending.get(parent)?.state === 'children') addPendingChildren(parent);
    }
    pending.delete(group);
  };

  let groupname = 'ungrouped';
  let state = 'hosts';
  for (const raw of text.split(LINE_BREAK)) {
    lineno++;
    const line = raw.trim();
    if (!line || line[0] === '#' || line[0] === ';') continue;

    const m = SECTION.exec(line);
    if (m) {
      groupname = m[1]!;
      state = m[2] ?? 'hosts';
      if (state !== 'hosts' && state !== 'children' && state !== 'vars') {
        fail(`Section [${groupname}:${state}] has unknown type: ${state} (expected [${groupname}], [${groupname}:vars] or [${groupname}:children])`);
      }
      if (!inv.groups.has(groupname)) {
        // [g:vars] alone does not declare g: remember it and complain at the end if nothing does
        if (state === 'vars' && !pending.has(groupname)) pending.set(groupname, { state: 'vars', line: lineno, name: groupname });
        at(() => inv.addGroup(groupname, { file, line: lineno }));
      }
      const decl = pending.get(groupname);
      if (decl && state !== 'vars') {
        if (decl.state === 'children') addPendingChildren(groupname);
        else pending.delete(groupname);
      }
      continue;
    }
    if (line.startsWith('[') && line.endsWith(']')) {
      fail(`Invalid section entry: '${line}'. Please make sure that there are no spaces in the section entry, and that there are no other invalid characters`);
    }
    if (line.startsWith('[') && !line.includes(']')) fail(`unclosed section header '${line}': expected '[name]', '[name:vars]' or '[name:children]'`);

    if (state === 'hosts') {
      const { hosts, port, vars } = parseHostLine(line, fail);
      at(() => {
        for (const h of hosts) {
          inv.addHost(h, groupname, port);
          for (const [k, v] of vars) inv.setVar(h, k, v);
        }
      });
    } else if (state === 'vars') {
      const eq = line.indexOf('=');
      if (eq < 0) fail(`Expected key=value, got: ${maskSecretAssignments(line)}`);
      at(() => inv.setVar(groupname, line.slice(0, eq).trim(), parseIniValue(line.slice(eq + 1).trim())));
    } else {
      const c = GROUPNAME.exec(line);
      if (!c) fail(`Expected group name, got: ${maskSecretAssignments(line)}`);
      const child = c![1]!;
      if (inv.groups.has(child)) {
        at(() => inv.addChild(groupname, child));
      } else {
        const decl = pending.get(child);
        if (decl?.state === 'children') decl.parents.push(groupname);
        else if (!decl) pending.set(child, { state: 'children', line: lineno, name: child, parents: [groupname] });
      }
    }
  }

  rejectPending(pending, inv, file);
}

/** A [g:vars] or [p:children] entry whose group no section ever declared: the first one is an error. */
function rejectPending(pending: Map<string, Pending>, inv: InventoryBuilder, file: string): void {
  for (const decl of pending.values()) {
    if (decl.state === 'vars') {
      throw new InventoryError(`Section [${decl.name}:vars] not valid for undefined group: ${decl.name}`, { file, line: decl.line });
    }
    const parent = decl.parents[decl.parents.length - 1]!;
    const msg = inv.hosts.has(decl.name)
      ? `Section [${parent}:children] includes '${decl.name}', which is a host, not a group (list hosts under [${parent}])`
      : `Section [${parent}:children] includes undefined group: ${decl.name}`;
    throw new InventoryError(msg, { file, line: decl.line });
  }
}

/** `host[:port] [k=v ...]`: names (ranges expanded), the port and the vars in line order. */
function parseHostLine(line: string, fail: (m: string) => never): { hosts: string[]; port?: number; vars: Array<[string, unknown]> } {
  let tokens: string[];
  try {
    tokens = shlexSplit(line);
  } catch (e) {
    if (e instanceof ShlexError) return fail(`Error parsing host definition '${maskSecretAssignments(line)}': ${e.message}`);
    throw e;
  }
  const pattern = tokens[0];
  if (pattern === undefined) return fail(`Expected a host definition, got: ${maskSecretAssignments(line)}`);
  let expanded: { hosts: string[]; port?: number };
  try {
    expanded = expandHostPattern(pattern);
  } catch (e) {
    if (e instanceof HostRangeError) return fail(`invalid host range in '${pattern}': ${e.message}`);
    throw e;
  }
  if (pattern.trim().endsWith(':') && expanded.port === undefined) {
    fail(`Invalid host pattern '${pattern}' supplied, ending in ':' is not allowed, this character is reserved to provide a port.`);
  }
  if (expanded.hosts.some((h) => h.trim() === '---')) fail(`Invalid host pattern '${pattern}' supplied, '---' is normally a sign this is a YAML file.`);
  const vars: Array<[string, unknown]> = [];
  for (const t of tokens.slice(1)) {
    const eq = t.indexOf('=');
    if (eq < 0) fail(`Expected key=value host variable assignment, got: ${maskSecretAssignments(t)}`);
    vars.push([t.slice(0, eq), parseIniValue(t.slice(eq + 1))]);
  }
  return expanded.port === undefined ? { hosts: expanded.hosts, vars } : { hosts: expanded.hosts, port: expanded.port, vars };
}
