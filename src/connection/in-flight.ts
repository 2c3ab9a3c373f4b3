/**
 * The commands running on one connection, each with a way to stop it. Closing a connection
 * stops them first: a run that ends right after a timeout, on a signal or with every host
 * failed must not leave a kill undone (it did: the CLI closed the connection before the kill ran).
 */
export class InFlight {
  private readonly stops = new Set<() => Promise<void>>();

  /** Registers a running command; the returned function unregisters it once it has ended. */
  track(stop: () => Promise<void>): () => void {
    this.stops.add(stop);
    return () => void this.stops.delete(stop);
  }

  get size(): number {
    return this.stops.size;
  }

  /** Stops every command still running and waits until each is stopped (or gave up trying). */
  async stopAll(): Promise<void> {
    await Promise.all([...this.stops].map((stop) => stop().catch(() => undefined)));
  }
}
