/**
 * Whole-process measurement: wall time from spawn to exit, and peak RSS of the whole process
 * tree. The tree is sampled from /proc (this kernel has no per-task children lists in /proc, so
 * each sample lists /proc and reads the parent of pids it has not seen before; RSS is read
 * only for pids in the tree). GNU time's %M (largest single process) is kept as a floor for
 * the peak, since sampling can miss a short spike.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export interface Measurement {
  wallMs: number;
  /** Peak of the summed RSS of the process and all its descendants, in bytes. */
  peakRss: number;
  /** User plus system CPU of the process and the children it waited for (GNU time's %U + %S), in ms. */
  cpuMs: number;
  exitCode: number | null;
  stdout: string;
  stderr: string;
}

export interface MeasureOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Processes outside the tree that belong to the run (e.g. ssh ControlPersist masters that daemonise). */
  alsoCount?: (cmdline: string) => boolean;
  sampleMs?: number;
  /** Where GNU time writes its figure (a scratch file). */
  scratchDir: string;
}

const PAGE = 4096;
export const GNU_TIME = '/usr/bin/time';

function readPpid(pid: number): number | undefined {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // "pid (comm) state ppid ...": comm may contain spaces and parentheses, so cut at the last ')'.
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function readRss(pid: number): number {
  try {
    return Number(readFileSync(`/proc/${pid}/statm`, 'utf8').split(' ')[1]) * PAGE;
  } catch {
    return 0;
  }
}

function readCmdline(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
  } catch {
    return '';
  }
}

class TreeSampler {
  private readonly parent = new Map<number, number>();
  private readonly extra = new Set<number>();
  peak = 0;

  constructor(
    private readonly root: number,
    private readonly alsoCount?: (cmdline: string) => boolean,
  ) {}

  sample(): void {
    const live = new Set<number>();
    for (const e of readdirSync('/proc')) {
      const c = e.charCodeAt(0);
      if (c < 48 || c > 57) continue;
      const pid = Number(e);
      live.add(pid);
      if (!this.parent.has(pid)) {
        const pp = readPpid(pid);
        if (pp === undefined) continue;
        this.parent.set(pid, pp);
        if (this.alsoCount && this.alsoCount(readCmdline(pid))) this.extra.add(pid);
      }
    }
    for (const pid of this.parent.keys()) if (!live.has(pid)) this.parent.delete(pid);
    for (const pid of this.extra) if (!live.has(pid)) this.extra.delete(pid);
    // Descendants of root, GNU time itself excluded (it is our harness, ~2 MB).
    const children = new Map<number, number[]>();
    for (const [pid, pp] of this.parent) {
      const list = children.get(pp);
      if (list) list.push(pid);
      else children.set(pp, [pid]);
    }
    const tree = new Set<number>(this.extra);
    const stack = [...(children.get(this.root) ?? [])];
    while (stack.length) {
      const p = stack.pop()!;
      if (tree.has(p)) continue;
      tree.add(p);
      stack.push(...(children.get(p) ?? []));
    }
    let sum = 0;
    for (const p of tree) sum += readRss(p);
    if (sum > this.peak) this.peak = sum;
  }
}

/** Runs argv under GNU time, sampling the tree, and resolves when it exits. */
export function measure(argv: string[], opts: MeasureOptions): Promise<Measurement> {
  const timeFile = join(opts.scratchDir, `time-${process.pid}-${Date.now()}.txt`);
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(GNU_TIME, ['-f', '%M %U %S', '-o', timeFile, ...argv], {
      cwd: opts.cwd,
      env: opts.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    const sampler = new TreeSampler(child.pid!, opts.alsoCount);
    const timer = setInterval(() => sampler.sample(), opts.sampleMs ?? 100);
    setTimeout(() => sampler.sample(), 20); // catch short runs early
    child.once('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.once('close', (code) => {
      const wallMs = performance.now() - started;
      clearInterval(timer);
      let maxSingle = 0;
      let cpuMs = 0;
      if (existsSync(timeFile)) {
        // "<KiB> <user s> <sys s>"; the file may start with "Command exited with non-zero status".
        const [kib = '0', user = '0', sys = '0'] = (readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '').split(' ');
        maxSingle = Number(kib) * 1024 || 0;
        cpuMs = (Number(user) + Number(sys)) * 1000 || 0;
        rmSync(timeFile, { force: true });
      }
      resolve({
        wallMs,
        cpuMs,
        peakRss: Math.max(sampler.peak, maxSingle),
        exitCode: code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      });
    });
  });
}

/** Pids whose command line matches, so a contender's daemonised helpers can be ended after a run. */
export function pidsMatching(pred: (cmdline: string) => boolean): number[] {
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    if (pred(readCmdline(Number(e)))) out.push(Number(e));
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}
