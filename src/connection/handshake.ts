/**
 * Handshakes per server endpoint: sshd drops unauthenticated connections beyond MaxStartups
 * (OpenSSH default 10:30:100: from 10 at once, 30% of new ones, rising to all at 100). We keep
 * at most 8 handshakes in flight per endpoint (address:port, and per jump path), lower that
 * when the server drops one anyway (another client shares it), and retry dropped handshakes
 * with exponential backoff and jitter within the connect timeout.
 */
import { AdaptiveSemaphore } from './semaphore';

/** Handshakes in flight per endpoint at first: under OpenSSH's default MaxStartups start of 10. */
export const HANDSHAKES_PER_ENDPOINT = 8;

const gates = new Map<string, AdaptiveSemaphore>();

/** The semaphore of one endpoint (key: jump path + address:port), shared by every connection in this process. */
export function handshakeGate(key: string): AdaptiveSemaphore {
  let g = gates.get(key);
  if (!g) {
    g = new AdaptiveSemaphore(HANDSHAKES_PER_ENDPOINT);
    gates.set(key, g);
  }
  return g;
}

/** Full jitter: a random delay up to 100 ms × 2^attempt, capped at 2 s (AWS's "exponential backoff and jitter"). */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(random() * Math.min(2000, 100 * 2 ** attempt));
}

/**
 * Did the server close (or reset) the connection before the SSH handshake finished? That is
 * sshd's MaxStartups drop (it closes right after accept; OpenSSH 9.2 also writes "Exceeded
 * MaxStartups"). We cannot watch the first bytes without racing ssh2 for them, so any close
 * before the handshake counts; retrying one that had another cause only costs backoff time.
 */
export function droppedBeforeHandshake(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  if (e?.code === 'ECONNRESET' || e?.code === 'EPIPE') return true;
  return /Connection lost before handshake/i.test(e?.message ?? '');
}

export const MAX_STARTUPS_HINT =
  "the server dropped the connection before the handshake; probably sshd's MaxStartups (default 10:30:100) — too many unauthenticated connections at once";
