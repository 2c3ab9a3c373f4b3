/** Secret masking: every string leaving the engine passes through one Masker. */
import { MASK, quote } from '../dsl/command';

export class Masker {
  private readonly values = new Set<string>();
  private pattern: RegExp | undefined;

  add(value: unknown): void {
    // very short values would mask ordinary text everywhere; they are still quoted, just not hidden
    if (typeof value !== 'string' || value.length < 3 || this.values.has(value)) return;
    this.values.add(value);
    // the quoted form is what appears inside command lines
    const quoted = quote(value);
    if (quoted !== value) this.values.add(quoted);
    this.pattern = undefined;
  }

  get size(): number {
    return this.values.size;
  }

  mask(text: string): string {
    if (this.values.size === 0 || !text) return text;
    if (!this.pattern) {
      const parts = [...this.values].sort((a, b) => b.length - a.length).map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
      this.pattern = new RegExp(parts.join('|'), 'g');
    }
    return text.replace(this.pattern, MASK);
  }

  /** Masks every string inside plain data (results, reports). */
  maskDeep<T>(data: T): T {
    if (this.values.size === 0) return data;
    const walk = (v: unknown): unknown => {
      if (typeof v === 'string') return this.mask(v);
      if (Array.isArray(v)) return v.map(walk);
      if (v && typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
      }
      return v;
    };
    return walk(data) as T;
  }
}
