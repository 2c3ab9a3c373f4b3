/**
 * A counting semaphore whose limit can shrink at run time: a server that refuses a channel
 * tells us its MaxSessions is lower than we assumed, so later waiters queue instead.
 */
export class AdaptiveSemaphore {
  private active = 0;
  private readonly waiters: (() => void)[] = [];

  constructor(private max: number) {
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`semaphore limit must be a positive integer, got ${max}`);
  }

  get limit(): number {
    return this.max;
  }

  get inUse(): number {
    return this.active;
  }

  async acquire(): Promise<void> {
    if (this.active < this.max) {
      this.active += 1;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  release(): void {
    this.active -= 1;
    this.wake();
  }

  /** Lowers the limit (never below 1, never raises it). */
  lower(to: number): void {
    this.max = Math.max(1, Math.min(this.max, to));
  }

  private wake(): void {
    while (this.active < this.max && this.waiters.length > 0) {
      this.active += 1;
      this.waiters.shift()!();
    }
  }
}
