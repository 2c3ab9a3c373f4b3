/** The pino JSON-lines log (one line per step result) and the atomic JSON report of the whole run. */
import { accessSync, closeSync, constants, existsSync, mkdirSync, openSync, realpathSync, statfsSync, statSync, writeSync, type Stats } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type pino from 'pino';
import { ReporterFailure, type Reporter } from './types';
import type { RunSummary, StepResult } from '../results/results';
import { UsageError } from '../errors';
import { writeFileAtomic } from '../util/atomic-write';
import { VERSION } from '../version';

export { writeFileAtomic };

/** `no space left on device (ENOSPC)` from Node's `ENOSPC: no space left on device, write`. */
export function describeFsError(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const m = /^[A-Z0-9]+: (.*?), /.exec(e?.message ?? '');
  if (e?.code && m) return `${m[1]} (${e.code})`;
  return e?.code ? `${e.message} (${e.code})` : String(e?.message ?? err);
}

// Kernel pseudo-filesystems (statfs f_type, linux/magic.h): writing there is never a report.
const PSEUDO_FS: Record<number, string> = {
  0x9fa0: 'proc', 0x62656572: 'sysfs', 0x1cd1: 'devpts', 0x27e0eb: 'cgroup', 0x63677270: 'cgroup2', 0x64626720: 'debugfs',
  0x74726163: 'tracefs', 0x73636673: 'securityfs', 0xcafe4a11: 'bpf', 0x6165676c: 'pstore', 0xde5e81e4: 'efivarfs', 0x62656570: 'configfs',
};
// /dev is devtmpfs, whose f_type is tmpfs's: it is refused by path.
const PSEUDO_ROOTS = ['/proc', '/sys', '/dev'];

function pseudoFs(real: string): string | undefined {
  const root = PSEUDO_ROOTS.find((r) => real === r || real.startsWith(`${r}/`));
  if (root) return root.slice(1);
  return PSEUDO_FS[Number(statfsSync(real).type)];
}

function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice() || st.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Before any host is touched: the output file's directory exists or can be created, is a
 * directory on a writable disk filesystem, and the file is absent or a regular file.
 * Throws a UsageError (exit 1) naming the flag and the path.
 */
export function checkOutputPath(file: string, what: string): void {
  const abs = resolve(file);
  const fail = (why: string): never => {
    throw new UsageError(`${what} ${abs}: ${why}`);
  };
  let dir = dirname(abs);
  while (!existsSync(dir)) dir = dirname(dir); // '/' always exists
  const realDir = realpathSync(dir);
  if (!statSync(realDir).isDirectory()) fail(`${dir} is not a directory`);
  const fs = pseudoFs(realDir);
  if (fs) fail(`${realDir} is on ${fs}, a kernel pseudo-filesystem: choose a file on a disk`);
  try {
    accessSync(realDir, constants.W_OK);
  } catch (err) {
    fail(`cannot write in ${realDir}: ${describeFsError(err)}`);
  }
  if (dir !== dirname(abs) || !existsSync(abs)) return;
  const st = statSync(abs);
  if (!st.isFile()) fail(`is ${kindOf(st)}, not a regular file`);
  const target = realpathSync(abs);
  const targetFs = pseudoFs(dirname(target));
  if (targetFs) fail(`leads to ${target} on ${targetFs}, a kernel pseudo-filesystem: choose a file on a disk`);
  try {
    accessSync(target, constants.W_OK);
  } catch (err) {
    fail(`cannot write it: ${describeFsError(err)}`);
  }
}

/**
 * pino's destination: plain writeSync on an O_APPEND fd. Not pino.destination(): sonic-boom
 * 4.2's flushSync retries a failed write (ENOSPC included) forever.
 */
class AppendFile {
  private fd: number | undefined;
  constructor(private readonly file: string) {
    mkdirSync(dirname(file), { recursive: true });
    this.fd = openSync(file, 'a');
  }
  write(line: string): void {
    if (this.fd === undefined) return;
    const data = Buffer.from(line);
    try {
      for (let off = 0; off < data.length; ) off += writeSync(this.fd, data, off, data.length - off);
    } catch (err) {
      this.close();
      throw new ReporterFailure('warn', `log not written: ${this.file}: ${describeFsError(err)}; logging stopped, the run goes on`);
    }
  }
  close(): void {
    if (this.fd === undefined) return;
    try {
      closeSync(this.fd);
    } catch {
      // the write error is the one reported
    }
    this.fd = undefined;
  }
}

export class PinoLogReporter implements Reporter {
  private readonly logger: pino.Logger;
  private readonly dest: AppendFile;

  constructor(file: string) {
    try {
      this.dest = new AppendFile(file);
    } catch (err) {
      throw new UsageError(`--log-file ${file}: ${describeFsError(err)}`);
    }
    // pino loads only when a log file is asked for
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const pinoFn = require('pino') as typeof pino;
    this.logger = pinoFn({ base: { pid: process.pid }, timestamp: pinoFn.stdTimeFunctions.isoTime }, this.dest);
  }

  playStart(e: Parameters<NonNullable<Reporter['playStart']>>[0]): void {
    this.logger.info({ event: 'play_start', playbook: e.playbook, hosts: e.hosts, steps: e.steps, check: e.checkMode }, 'play start');
  }

  result(r: StepResult): void {
    const entry: Record<string, unknown> = {
      event: 'step_result',
      host: r.host,
      step: r.step,
      status: r.status,
      duration_ms: r.durationMs,
      exit_code: r.status === 'failed' || r.status === 'unreachable' ? (r.failure.exitCode ?? null) : (r.commands.at(-1)?.exitCode ?? null),
    };
    if (r.status === 'failed' || r.status === 'unreachable') entry.failure = r.failure;
    if (r.status === 'skipped') entry.reason = r.reason;
    if (r.risk) entry.risk = r.risk;
    const level = r.status === 'failed' || r.status === 'unreachable' ? 'error' : 'info';
    this.logger[level](entry, `${r.host} ${r.step}: ${r.status}`);
  }

  message(level: 'debug' | 'info' | 'warn' | 'error', text: string): void {
    this.logger[level]({ event: 'message' }, text);
  }

  playEnd(s: RunSummary): void {
    this.logger.info({ event: 'play_end', stats: s.stats, exit_code: s.exitCode, duration_ms: s.durationMs, interrupted: s.interrupted }, 'play end');
    this.dest.close();
  }
}

/** Which of N slices of the hosts a run covered (--shard K/N, 1-based K). */
export interface ReportShard {
  index: number;
  count: number;
}

/**
 * The JSON report: `marshal: 1` (the format), the Marshal version that wrote it, the shard
 * (--shard K/N) when there was one, then the run summary. `marshal report merge` reads these.
 */
export function reportJson(s: RunSummary, shard?: ReportShard): string {
  return JSON.stringify({ marshal: 1, version: VERSION, ...(shard ? { shard } : {}), ...s }, null, 2) + '\n';
}

export class JsonReportReporter implements Reporter {
  constructor(
    private readonly file: string,
    private readonly shard?: ReportShard,
  ) {}
  playEnd(s: RunSummary): void {
    try {
      writeFileAtomic(this.file, reportJson(s, this.shard));
    } catch (err) {
      throw new ReporterFailure('error', `report not written: ${this.file}: ${describeFsError(err)}`);
    }
  }
}
