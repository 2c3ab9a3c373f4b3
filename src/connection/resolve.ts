/**
 * From a ConnectionSpec plus ssh_config to the concrete endpoint: address, port, user,
 * keys, known_hosts files, host key policy and jump hops. Inventory values win over
 * ssh_config, as in Ansible (they are ssh's command-line options there).
 */
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { UsageError } from '../errors';
import { defaultSshConfigFiles, expandTilde, localUser, parseProxyJump, resolveSshConfig, type JumpHop } from './ssh-config';
import type { ConnectionSpec, HostKeyPolicy } from './types';

export interface ResolvedEndpoint {
  /** Inventory name, for messages. */
  name: string;
  address: string;
  port: number;
  user: string;
  /** Candidate private key files, in order (only existing ones, except an explicit one). */
  keyFiles: string[];
  /** Explicitly configured key (ansible_ssh_private_key_file): missing is an error. */
  explicitKey?: string;
  password?: string;
  agentSocket?: string;
  knownHostsFiles: string[];
  policy: HostKeyPolicy;
  jumps: JumpHop[];
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
}

export function defaultKnownHostsFiles(): string[] {
  return [join(homedir(), '.ssh', 'known_hosts')];
}

function defaultIdentityFiles(): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((f) => join(homedir(), '.ssh', f));
}

function policyFromSshConfig(v: string | undefined): HostKeyPolicy | undefined {
  switch (v?.toLowerCase()) {
    case 'yes':
      return 'strict';
    case 'accept-new':
      return 'accept-new';
    case 'no':
    case 'off':
      return 'off';
    default:
      return undefined; // 'ask' has no one to ask here: keep Marshal's default
  }
}

export function resolveEndpoint(spec: ConnectionSpec): ResolvedEndpoint {
  const files = spec.sshConfigFiles ?? defaultSshConfigFiles();
  const cfg = resolveSshConfig(spec.host, files, spec.user);
  const explicitKey = spec.privateKeyFile !== undefined ? expandTilde(spec.privateKeyFile) : undefined;
  const configured = cfg.identityFiles.length > 0 ? cfg.identityFiles : defaultIdentityFiles();
  const keyFiles = [...new Set([...(explicitKey ? [explicitKey] : []), ...configured.filter((f) => existsSync(f))])];
  const port = spec.port ?? cfg.port ?? 22;
  const jump = spec.proxyJump ?? cfg.proxyJump;
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${spec.name}: port ${port} is not a port number`);
  const out: ResolvedEndpoint = {
    name: spec.name,
    address: cfg.hostName ?? spec.host,
    port,
    user: spec.user ?? cfg.user ?? localUser(),
    keyFiles,
    knownHostsFiles: spec.knownHostsFiles ?? cfg.userKnownHostsFiles ?? defaultKnownHostsFiles(),
    policy: spec.hostKeyPolicy ?? policyFromSshConfig(cfg.strictHostKeyChecking) ?? 'accept-new',
    jumps: jump && jump.toLowerCase() !== 'none' ? parseProxyJump(jump) : [],
    connectTimeoutMs: spec.connectTimeoutMs ?? 10_000,
    keepaliveIntervalMs: spec.keepaliveIntervalMs ?? 15_000,
    keepaliveCountMax: spec.keepaliveCountMax ?? 3,
  };
  if (explicitKey) out.explicitKey = explicitKey;
  if (spec.password !== undefined) out.password = spec.password;
  const agent = process.env.SSH_AUTH_SOCK;
  if (spec.agent !== false && agent) out.agentSocket = agent;
  return out;
}

/** A jump hop's own endpoint: its ssh_config entry, the target's trust settings and keys. */
export function resolveHop(hop: JumpHop, target: ConnectionSpec, targetEndpoint: ResolvedEndpoint): ResolvedEndpoint {
  const hopSpec: ConnectionSpec = { name: `${target.name} (jump ${hop.host})`, transport: 'ssh', host: hop.host, proxyJump: 'none' };
  if (hop.port !== undefined) hopSpec.port = hop.port;
  if (hop.user !== undefined) hopSpec.user = hop.user;
  if (target.sshConfigFiles !== undefined) hopSpec.sshConfigFiles = target.sshConfigFiles;
  if (target.agent !== undefined) hopSpec.agent = target.agent;
  hopSpec.knownHostsFiles = targetEndpoint.knownHostsFiles;
  hopSpec.hostKeyPolicy = targetEndpoint.policy;
  hopSpec.connectTimeoutMs = targetEndpoint.connectTimeoutMs;
  hopSpec.keepaliveIntervalMs = targetEndpoint.keepaliveIntervalMs;
  const ep = resolveEndpoint(hopSpec);
  // Hops do not chain further (the target's ProxyJump lists every hop).
  ep.jumps = [];
  // The target's explicit key is a useful fallback for the hops (commonly one key for all).
  if (targetEndpoint.explicitKey && !ep.keyFiles.includes(targetEndpoint.explicitKey)) ep.keyFiles.push(targetEndpoint.explicitKey);
  return ep;
}
