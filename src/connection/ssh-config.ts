/**
 * ~/.ssh/config resolution through the `ssh-config` package: the few options Marshal
 * honours (HostName, User, Port, IdentityFile, ProxyJump, UserKnownHostsFile,
 * StrictHostKeyChecking), with OpenSSH's first-value-wins rule and %h/%p/%r/~ expansion.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { join } from 'node:path';
import type SSHConfig from 'ssh-config' with { 'resolution-mode': 'import' };

// The package ships a CommonJS build under its `require` condition; its types are ESM-only.
// Loaded on first use: most runs have no ~/.ssh/config to parse.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const sshConfigModule = () => require('ssh-config') as { default?: typeof SSHConfig; parse: (text: string) => SSHConfig };
import { UsageError } from '../errors';

export interface ResolvedSshConfig {
  hostName?: string;
  user?: string;
  port?: number;
  identityFiles: string[];
  proxyJump?: string;
  userKnownHostsFiles?: string[];
  strictHostKeyChecking?: string;
}

export function defaultSshConfigFiles(): string[] {
  const f = join(homedir(), '.ssh', 'config');
  return existsSync(f) ? [f] : [];
}

export function expandTilde(p: string): string {
  if (p === '~') return homedir();
  if (p.startsWith('~/')) return join(homedir(), p.slice(2));
  return p;
}

export function localUser(): string {
  try {
    return userInfo().username;
  } catch {
    return process.env.USER ?? 'root';
  }
}

const parsed = new Map<string, SSHConfig>();

function load(file: string): SSHConfig {
  let c = parsed.get(file);
  if (!c) {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ssh config ${file}: ${(err as Error).message}`, { file });
    }
    try {
      c = sshConfigModule().parse(text);
    } catch (err) {
      throw new UsageError(`cannot parse ssh config: ${(err as Error).message}`, { file });
    }
    parsed.set(file, c);
  }
  return c;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return (Array.isArray(v) ? v : [v]).flatMap((x) => x.split(/\s+/)).filter((x) => x !== '');
}

/** Resolves `host` (the destination as given) against the config files, in order. */
export function resolveSshConfig(host: string, files: string[], user?: string): ResolvedSshConfig {
  const merged: Record<string, string | string[]> = {};
  for (const file of files) {
    const computed = load(file).compute(user ? { Host: host, User: user } : { Host: host }, { ignoreCase: true, matchExec: false });
    for (const [k, v] of Object.entries(computed)) {
      if (k === 'identityfile') merged[k] = [...list(merged[k]), ...(Array.isArray(v) ? v : [v])];
      else if (!(k in merged)) merged[k] = v; // OpenSSH: the first obtained value wins
    }
  }
  const hostNameRaw = first(merged.hostname);
  const hostName = hostNameRaw?.replace(/%h/g, host).replace(/%%/g, '%');
  const portRaw = first(merged.port);
  let port: number | undefined;
  if (portRaw !== undefined) {
    port = Number(portRaw);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`ssh config: Port ${portRaw} for ${host} is not a port number`);
  }
  const resolvedUser = first(merged.user);
  const expand = (p: string): string =>
    expandTilde(p)
      .replace(/%h/g, hostName ?? host)
      .replace(/%p/g, String(port ?? 22))
      .replace(/%r/g, user ?? resolvedUser ?? localUser())
      .replace(/%d/g, homedir())
      .replace(/%u/g, localUser())
      .replace(/%%/g, '%');
  const out: ResolvedSshConfig = { identityFiles: list(merged.identityfile).map(expand) };
  if (hostName !== undefined) out.hostName = hostName;
  if (resolvedUser !== undefined) out.user = resolvedUser;
  if (port !== undefined) out.port = port;
  const jump = first(merged.proxyjump);
  if (jump !== undefined && jump.toLowerCase() !== 'none') out.proxyJump = jump;
  const ukh = list(merged.userknownhostsfile);
  if (ukh.length > 0) out.userKnownHostsFiles = ukh.map(expand);
  const strict = first(merged.stricthostkeychecking);
  if (strict !== undefined) out.strictHostKeyChecking = strict;
  return out;
}

export interface JumpHop {
  user?: string;
  host: string;
  port?: number;
}

/** Parses ProxyJump's `[user@]host[:port][,more]` (also `ssh://user@host:port`). */
export function parseProxyJump(value: string): JumpHop[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => {
      let rest = s.replace(/^ssh:\/\//, '');
      let user: string | undefined;
      const at = rest.lastIndexOf('@');
      if (at >= 0) {
        user = rest.slice(0, at);
        rest = rest.slice(at + 1);
      }
      let host = rest;
      let port: number | undefined;
      const m = /^\[(.+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
      if (m) {
        host = m[1] ?? rest;
        if (m[2] !== undefined) port = Number(m[2]);
      }
      if (!host || (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535))) {
        throw new UsageError(`ProxyJump "${value}": cannot parse hop "${s}" (expected [user@]host[:port])`);
      }
      const hop: JumpHop = { host };
      if (user) hop.user = user;
      if (port !== undefined) hop.port = port;
      return hop;
    });
}
