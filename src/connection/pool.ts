/**
 * One connection per host for the whole run, opened lazily and once: concurrent callers
 * share the same connect promise. An optional limit caps how many handshakes run at once
 * (key exchange is CPU-heavy; 500 at once on two cores helps nobody).
 */
import { AdaptiveSemaphore } from './semaphore';
import { LocalConnection } from './local';
import { SshConnection } from './ssh';
import type { Connection, ConnectionSpec } from './types';

export interface PoolOptions {
  /** Maximum connects in flight at once (default unlimited). */
  connectConcurrency?: number;
  /** Builds a connection for a spec (default: ssh or local by transport). */
  factory?: (spec: ConnectionSpec) => Connection;
  /** Connection trace (-vvv) of every host: its name and one line, never a secret. */
  debug?: (host: string, text: string) => void;
}

export function createConnection(spec: ConnectionSpec): Connection {
  return spec.transport === 'local' ? new LocalConnection(spec) : new SshConnection(spec);
}

export class ConnectionPool {
  private readonly entries = new Map<string, { conn: Connection; ready: Promise<Connection> }>();
  private readonly limit: AdaptiveSemaphore | undefined;
  private readonly factory: (spec: ConnectionSpec) => Connection;
  private readonly debug: PoolOptions['debug'];

  constructor(opts: PoolOptions = {}) {
    this.limit = opts.connectConcurrency ? new AdaptiveSemaphore(opts.connectConcurrency) : undefined;
    this.factory = opts.factory ?? createConnection;
    this.debug = opts.debug;
  }

  /** The connection (or its connect) already made for this host name, else undefined. */
  existing(name: string): Promise<Connection> | undefined {
    return this.entries.get(name)?.ready;
  }

  /** The connected connection for this host (keyed by spec.name); connects on first use. */
  get(spec: ConnectionSpec): Promise<Connection> {
    const hit = this.existing(spec.name);
    if (hit) return hit;
    const debug = this.debug;
    const conn = this.factory(debug && !spec.debug ? { ...spec, debug: (text) => debug(spec.name, text) } : spec);
    const ready = this.connect(conn);
    // A failed connect stays failed for this run (the host is out of the play), so callers
    // see the same error instead of starting a handshake storm.
    ready.catch(() => undefined);
    this.entries.set(spec.name, { conn, ready });
    return ready;
  }

  private async connect(conn: Connection): Promise<Connection> {
    if (!this.limit) {
      await conn.connect();
      return conn;
    }
    await this.limit.acquire();
    try {
      await conn.connect();
      return conn;
    } finally {
      this.limit.release();
    }
  }

  /** Drops a host's entry (closing it), e.g. to retry a failed connect. */
  async forget(name: string): Promise<void> {
    const e = this.entries.get(name);
    this.entries.delete(name);
    await e?.conn.close();
  }

  /**
   * Drops the host's connection and opens a new one (after a reboot the old one is dead): one
   * attempt; a failed connect rejects with its ConnectionError and the next call tries again.
   */
  async reconnect(spec: ConnectionSpec): Promise<Connection> {
    await this.forget(spec.name).catch(() => undefined);
    return this.get(spec);
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((e) => e.conn.close().catch(() => undefined)));
  }
}
