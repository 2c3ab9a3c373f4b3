/** Reaching hosts: ssh (node-ssh) and local (execa) connections, specs from inventory vars, a pool. */
export type { Connection, ConnectionSpec, ExecOptions, ExecResult, HostKeyPolicy } from './types';
export { SshConnection } from './ssh';
export { LocalConnection } from './local';
export { ConnectionPool, createConnection, type PoolOptions } from './pool';
export { specFromHostVars, type SpecDefaults } from './spec';
export { parseSessionMode, type SessionMode } from './session';
export { fingerprint, verifyHostKey, parseKnownHosts, knownHostName, type HostKeyVerdict } from './known-hosts';
export { resolveSshConfig, parseProxyJump, type ResolvedSshConfig, type JumpHop } from './ssh-config';
export { resolveEndpoint, type ResolvedEndpoint } from './resolve';
