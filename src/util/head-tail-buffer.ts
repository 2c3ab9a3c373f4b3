/**
 * Keeps the first and the last bytes of a stream within a fixed budget and counts what it
 * drops in between, so a command printing 200 MB costs at most the budget (plus one chunk).
 */
import { formatBytes } from './bytes';

export class HeadTailBuffer {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private total = 0;
  private readonly headMax: number;
  private readonly tailMax: number;

  /** `limit` bytes in all: half for the head, half for the tail. `hint` ends the omission note. */
  constructor(
    readonly limit: number,
    private readonly hint = '',
  ) {
    this.headMax = Math.floor(limit / 2);
    this.tailMax = limit - this.headMax;
  }

  /** Bytes seen so far (kept or not). */
  get size(): number {
    return this.total;
  }

  get truncated(): boolean {
    return this.total > this.limit;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    let rest = chunk;
    if (this.headBytes < this.headMax) {
      const take = Math.min(this.headMax - this.headBytes, rest.length);
      // A copy: a subarray would pin the whole chunk (e.g. 64 KiB) for a few bytes.
      this.head.push(take === rest.length ? rest : Buffer.from(rest.subarray(0, take)));
      this.headBytes += take;
      rest = rest.subarray(take);
      if (rest.length === 0) return;
    }
    this.tail.push(rest);
    this.tailBytes += rest.length;
    // Drop whole chunks that fall out of the tail window; what is left is at most tailMax + one chunk.
    while (this.tail.length > 1 && this.tailBytes - this.tail[0]!.length >= this.tailMax) this.tailBytes -= this.tail.shift()!.length;
    // Many tiny chunks (a byte per packet) would each cost a Buffer object: join them now and then (amortised O(1) a byte).
    if (this.tail.length > 1024) this.compact();
  }

  /** Joins the tail into one buffer trimmed to the window. */
  private compact(): void {
    const joined = Buffer.concat(this.tail);
    const kept = Buffer.from(joined.subarray(Math.max(0, joined.length - this.tailMax)));
    this.tail = [kept];
    this.tailBytes = kept.length;
  }

  /** The kept bytes; when something was dropped, `note` (from omissionNote) sits where it was. */
  bytes(): Buffer {
    if (!this.truncated) return Buffer.concat([...this.head, ...this.tail]);
    const tail = Buffer.concat(this.tail);
    const keptTail = tail.subarray(Math.max(0, tail.length - this.tailMax));
    return Buffer.concat([...this.head, Buffer.from(this.omissionNote(), 'utf8'), keptTail]);
  }

  /** The kept bytes without the note (for byte comparisons). */
  rawBytes(): Buffer {
    const tail = Buffer.concat(this.tail);
    return Buffer.concat([...this.head, this.truncated ? tail.subarray(Math.max(0, tail.length - this.tailMax)) : tail]);
  }

  omissionNote(): string {
    const omitted = this.total - this.headBytes - this.tailMax;
    return `\n[marshal: ${formatBytes(omitted)} of output omitted; limit ${formatBytes(this.limit)} per stream${this.hint}]\n`;
  }

  text(): string {
    return this.bytes().toString('utf8');
  }
}
