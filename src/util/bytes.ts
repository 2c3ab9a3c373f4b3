/** Byte sizes for people: "198.2 MiB", and back from "1MiB", "512k", "1048576". */
import { UsageError } from '../errors';

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u += 1;
  }
  return u === 0 ? `${v} B` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${UNITS[u]}`;
}

const FACTORS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1024, kib: 1024, m: 1024 ** 2, mb: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1024 ** 3, gib: 1024 ** 3 };

/** Parses a size (binary units; "1M" = "1MiB" = 1048576); `what` names the setting in the error. */
export function parseBytes(text: string | number, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(text));
  const factor = m ? FACTORS[m[2]!.toLowerCase()] : undefined;
  if (!m || factor === undefined) throw new UsageError(`${what}: ${JSON.stringify(String(text))} is not a size (e.g. 1MiB, 512KiB, 1048576)`);
  const n = Math.floor(Number(m[1]) * factor);
  if (n < 1024) throw new UsageError(`${what}: ${JSON.stringify(String(text))} is below the minimum of 1 KiB`);
  return n;
}
