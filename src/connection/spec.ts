/**
 * Inventory host vars → ConnectionSpec, with Ansible's variable names (plus a few
 * marshal_* ones). A bad value is a UsageError naming the host and the variable.
 */
import { UsageError } from '../errors';
import type { ConnectionSpec, HostKeyPolicy } from './types';
import { parseSessionMode } from './session';

export type SpecDefaults = Partial<Omit<ConnectionSpec, 'name' | 'host'>>;

function bad(host: string, varName: string, value: unknown, expected: string): UsageError {
  return new UsageError(`host ${host}: ${varName} must be ${expected}, got ${JSON.stringify(value)}`);
}

function str(host: string, vars: Record<string, unknown>, ...names: string[]): string | undefined {
  for (const n of names) {
    const v = vars[n];
    if (v === undefined || v === null) continue;
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
    throw bad(host, n, v, 'a non-empty string');
  }
  return undefined;
}

function int(host: string, vars: Record<string, unknown>, min: number, max: number, ...names: string[]): number | undefined {
  for (const n of names) {
    const v = vars[n];
    if (v === undefined || v === null) continue;
    const num = typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v;
    if (typeof num !== 'number' || !Number.isInteger(num) || num < min || num > max) throw bad(host, n, v, `an integer from ${min} to ${max}`);
    return num;
  }
  return undefined;
}

function bool(host: string, vars: Record<string, unknown>, name: string): boolean | undefined {
  const v = vars[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number' && (v === 0 || v === 1)) return v === 1;
  if (typeof v === 'string') {
    const s = v.trim().toLowerCase();
    if (['yes', 'true', 'on', '1', 'y'].includes(s)) return true;
    if (['no', 'false', 'off', '0', 'n'].includes(s)) return false;
  }
  throw bad(host, name, v, 'a boolean (true/false/yes/no)');
}

function pathList(host: string, vars: Record<string, unknown>, name: string): string[] | undefined {
  const v = vars[name];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' && v !== '') return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '')) return v as string[];
  throw bad(host, name, v, 'a path or a list of paths');
}

const POLICIES: readonly HostKeyPolicy[] = ['strict', 'accept-new', 'off'];

/** ansible_become_password and its older spellings, first set wins. */
const BECOME_PASSWORD_VARS = ['ansible_become_password', 'ansible_become_pass', 'ansible_sudo_pass'];

/**
 * The become a command runs with, decided in one place: a step's or play's `become` (true, a
 * user name, or false to turn it off) over the host's ansible_become* vars (Ansible's truthy
 * set: yes/on/1/true/y, any case). `password` (-K) beats the host's become password.
 */
export function becomeFor(
  host: string,
  vars: Record<string, unknown>,
  want: boolean | string | undefined,
  password?: string,
): { user: string; password?: string; method: 'sudo' } | false | undefined {
  const chosen = want ?? (bool(host, vars, 'ansible_become') ? true : undefined);
  if (chosen === undefined) return undefined;
  if (chosen === false) return false;
  const user = typeof chosen === 'string' ? chosen : (str(host, vars, 'ansible_become_user') ?? 'root');
  const pw = password ?? str(host, vars, ...BECOME_PASSWORD_VARS);
  return pw !== undefined ? { user, password: pw, method: 'sudo' } : { user, method: 'sudo' };
}

export function specFromHostVars(name: string, vars: Record<string, unknown>, defaults: SpecDefaults = {}): ConnectionSpec {
  const transport = str(name, vars, 'ansible_connection') ?? defaults.transport ?? 'ssh';
  if (transport !== 'ssh' && transport !== 'local') throw bad(name, 'ansible_connection', transport, '"ssh" or "local"');
  const spec: ConnectionSpec = { ...defaults, name, transport, host: str(name, vars, 'ansible_host', 'ansible_ssh_host') ?? name };

  const port = int(name, vars, 1, 65535, 'ansible_port', 'ansible_ssh_port');
  if (port !== undefined) spec.port = port;
  const user = str(name, vars, 'ansible_user', 'ansible_ssh_user');
  if (user !== undefined) spec.user = user;
  const password = str(name, vars, 'ansible_password', 'ansible_ssh_pass');
  if (password !== undefined) spec.password = password;
  const key = str(name, vars, 'ansible_ssh_private_key_file', 'ansible_private_key_file');
  if (key !== undefined) spec.privateKeyFile = key;

  const known = pathList(name, vars, 'marshal_known_hosts');
  if (known !== undefined) spec.knownHostsFiles = known;
  const sshConfig = pathList(name, vars, 'marshal_ssh_config');
  if (sshConfig !== undefined) spec.sshConfigFiles = sshConfig;
  const policy = str(name, vars, 'marshal_host_key_checking');
  if (policy !== undefined) {
    if (!POLICIES.includes(policy as HostKeyPolicy)) throw bad(name, 'marshal_host_key_checking', policy, 'one of strict, accept-new, off');
    spec.hostKeyPolicy = policy as HostKeyPolicy;
  }
  const maxSessions = int(name, vars, 1, 1000, 'marshal_max_sessions');
  if (maxSessions !== undefined) spec.maxSessions = maxSessions;
  const session = str(name, vars, 'marshal_session');
  if (session !== undefined) spec.session = parseSessionMode(session, `host ${name}: marshal_session`);
  const jump = str(name, vars, 'marshal_proxy_jump');
  if (jump !== undefined) spec.proxyJump = jump;
  const timeout = int(name, vars, 1, 3600, 'marshal_connect_timeout', 'ansible_ssh_timeout', 'ansible_timeout');
  if (timeout !== undefined) spec.connectTimeoutMs = timeout * 1000;

  const enabled = bool(name, vars, 'ansible_become');
  const becomeUser = str(name, vars, 'ansible_become_user');
  const becomePassword = str(name, vars, ...BECOME_PASSWORD_VARS);
  const method = str(name, vars, 'ansible_become_method');
  if (method !== undefined && method !== 'sudo') throw bad(name, 'ansible_become_method', method, '"sudo" (the only method supported)');
  if (enabled !== undefined || becomeUser !== undefined || becomePassword !== undefined || method !== undefined) {
    const become: NonNullable<ConnectionSpec['become']> = {
      enabled: enabled ?? defaults.become?.enabled ?? false,
      user: becomeUser ?? defaults.become?.user ?? 'root',
    };
    const pw = becomePassword ?? defaults.become?.password;
    if (pw !== undefined) become.password = pw;
    if (method !== undefined) become.method = 'sudo';
    spec.become = become;
  }
  return spec;
}
