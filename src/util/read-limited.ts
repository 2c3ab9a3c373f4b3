/**
 * The one way Marshal reads an input file (inventory, group_vars/host_vars, `-e @file`, `--limit
 * @file`, templates): regular files only, and never more than the input size limit, so `/dev/zero`,
 * a FIFO or a 20 GB log named by mistake is refused with its name instead of exhausting memory.
 */
import { closeSync, constants, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { UsageError } from '../errors';

export interface InputLimits {
  /** Bytes per file, and per YAML document after its aliases are expanded. */
  maxBytes: number;
  /** Alias nodes per YAML document. */
  maxAliases: number;
}

/**
 * 8 MiB: six times an 11,000-host INI (1.3 MB, loads in 2.5 s); 100,000 aliases: one `<<: *defaults`
 * per host for the largest fleet a host range may expand to (MAX_RANGE_HOSTS).
 */
export const DEFAULT_INPUT_LIMITS: Readonly<InputLimits> = { maxBytes: 8 * 1024 * 1024, maxAliases: 100_000 };

let limits: InputLimits = { ...DEFAULT_INPUT_LIMITS };

export function inputLimits(): Readonly<InputLimits> {
  return limits;
}

/** Sets the limits (from --max-input-size / --max-yaml-aliases); unset fields keep their value. */
export function setInputLimits(next: { maxBytes?: number | string | undefined; maxAliases?: number | undefined }): void {
  const maxBytes = next.maxBytes === undefined ? limits.maxBytes : parseSize(next.maxBytes, '--max-input-size');
  const maxAliases = next.maxAliases ?? limits.maxAliases;
  if (!Number.isSafeInteger(maxAliases) || maxAliases < 0) throw new UsageError(`--max-yaml-aliases: expected a whole number >= 0, got ${String(next.maxAliases)}`);
  limits = { maxBytes, maxAliases };
}

const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, kb: 1000, kib: 1024, m: 1024 ** 2, mb: 1000 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gb: 1000 ** 3, gib: 1024 ** 3 };

/** `8MiB`, `512k`, `1048576` → bytes. */
export function parseSize(v: number | string, what: string): number {
  const m = /^\s*([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)\s*$/.exec(String(v));
  const unit = m ? UNITS[m[2]!.toLowerCase()] : undefined;
  const n = m && unit !== undefined ? Math.floor(Number(m[1]) * unit) : NaN;
  if (!Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what}: expected a size such as 8MiB, 512KiB or 1048576, got ${JSON.stringify(String(v))}`);
  return n;
}

export function formatSize(n: number): string {
  if (n >= 1024 ** 2) return `${+(n / 1024 ** 2).toFixed(1)} MiB`;
  if (n >= 1024) return `${+(n / 1024).toFixed(1)} KiB`;
  return `${n} bytes`;
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

export interface ReadOptions {
  /** Prefix for messages, e.g. `--extra-vars`; the file is always named. */
  what?: string;
  /** Overrides the configured byte limit. */
  maxBytes?: number;
}

/**
 * Reads `file` as UTF-8. Refuses non-regular files before opening them (opening a FIFO would block)
 * and files over the limit after one stat, reading at most limit+1 bytes in case the file grows.
 */
export function readLimited(file: string, opts: ReadOptions = {}): string {
  const max = opts.maxBytes ?? limits.maxBytes;
  const fail = (reason: string): never => {
    throw new UsageError(`${opts.what ? `${opts.what}: ` : ''}${reason}`, { file });
  };
  const over = `over the input size limit of ${formatSize(max)} (raise it with --max-input-size or MARSHAL_MAX_INPUT_SIZE)`;
  let st: Stats;
  try {
    st = statSync(file);
  } catch (err) {
    return fail(`cannot read: ${(err as Error).message}`);
  }
  if (!st.isFile()) return fail(`cannot read: it is ${kindOf(st)}, not a regular file`);
  if (st.size > max) return fail(`cannot read: the file is ${formatSize(st.size)}, ${over}`);
  let fd: number;
  try {
    // O_NONBLOCK: if the path was swapped for a FIFO after the stat, open must not wait for a writer
    fd = openSync(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    return fail(`cannot read: ${(err as Error).message}`);
  }
  try {
    if (!fstatSync(fd).isFile()) return fail('cannot read: it is not a regular file');
    // one byte more than stat said: a file that grew since is noticed, never read past the limit
    const buf = Buffer.allocUnsafe(Math.min(max, st.size) + 1);
    let got = 0;
    for (let n = 1; n > 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, null);
    if (got === buf.length) return fail(got > max ? `cannot read: the file is ${over}` : 'cannot read: the file grew while it was read; try again');
    return buf.toString('utf8', 0, got);
  } finally {
    closeSync(fd);
  }
}
