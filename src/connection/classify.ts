/**
 * Turns what ssh2 and the socket layer throw during connect into ConnectionError kinds
 * with messages a person can act on.
 */
import { ConnectionError, isConnectionError } from '../errors';
import { MAX_STARTUPS_HINT } from './handshake';

export interface ConnectContext {
  /** Inventory name. */
  name: string;
  address: string;
  port: number;
  user: string;
  timeoutMs: number;
  /** Auth methods offered, e.g. ['publickey (/root/.ssh/id_ed25519)', 'agent', 'password']. */
  methods: string[];
  /** Set when our host key check refused the server. */
  hostKeyProblem?: string;
  /** "via jump host x" when the path went through ProxyJump. */
  via?: string;
  /** Set when the server closed the connection before the handshake on every attempt (MaxStartups). */
  dropped?: { attempts: number };
}

export function classifyConnectError(err: unknown, ctx: ConnectContext): ConnectionError {
  if (isConnectionError(err)) return err;
  const e = err as NodeJS.ErrnoException & { level?: string };
  const where = `${ctx.address}:${ctx.port}${ctx.via ? ` ${ctx.via}` : ''}`;
  const msg = e?.message ?? String(err);
  const mk = (kind: 'unreachable' | 'auth' | 'hostkey', text: string): ConnectionError =>
    new ConnectionError(kind, `${ctx.name}: ${text}`, { cause: err });
  if (ctx.hostKeyProblem) return new ConnectionError('hostkey', ctx.hostKeyProblem, { cause: err });
  if (ctx.dropped) {
    const n = ctx.dropped.attempts;
    return mk('unreachable', `connection closed before the SSH handshake (${where}; ${n} attempt${n === 1 ? '' : 's'} in ${ctx.timeoutMs} ms): ${MAX_STARTUPS_HINT}`);
  }
  if (e?.level === 'client-authentication' || /authentication methods failed/i.test(msg)) {
    const tried = ctx.methods.length > 0 ? ctx.methods.join(', ') : 'none available (no key, agent or password)';
    return mk('auth', `authentication failed for ${ctx.user}@${where} (tried: ${tried})`);
  }
  switch (e?.code) {
    case 'ECONNREFUSED':
      return mk('unreachable', `connection refused (${where})`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'EAI_NONAME':
      return mk('unreachable', `name does not resolve (${ctx.address})`);
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'EHOSTDOWN':
    case 'ENETDOWN':
    case 'EADDRNOTAVAIL':
      return mk('unreachable', `no route to host (${where}): ${e.code}`);
    case 'ETIMEDOUT':
      return mk('unreachable', `connection timed out (${where})`);
    case 'ECONNRESET':
    case 'EPIPE':
      return mk('unreachable', `connection reset during handshake (${where})`);
  }
  if (e?.level === 'client-timeout' || /Timed out while waiting for handshake/i.test(msg)) {
    return mk('unreachable', `connection timed out (${where}, after ${ctx.timeoutMs} ms)`);
  }
  if (/Connection lost before handshake|No response from server/i.test(msg)) {
    return mk('unreachable', `connection closed before the SSH handshake (${where})`);
  }
  if (/verification failed|Host denied/i.test(msg)) return mk('hostkey', `host key verification failed (${where})`);
  return mk('unreachable', `cannot connect (${where}): ${msg}`);
}
