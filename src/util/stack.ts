/**
 * The one stack-frame parser: finds where in the user's files (a playbook, its libraries) a
 * throw or a call comes from, skipping Marshal's own code, node_modules and Node internals.
 * Frames of a compiled playbook that Node did not map (a stack formatter of its own, as under
 * vitest) are mapped here through the source map the loader registered.
 */
import { existsSync } from 'node:fs';
import { SourceMap } from 'node:module';
import { isAbsolute, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { packageRoot } from '../paths';

export interface Frame {
  file: string;
  line: number;
  column: number;
}

// "    at fn (/abs/file.ts:12:5)", "    at /abs/file.ts:12:5", "    at async fn (file:///abs/x.js:1:2)"
const FRAME = /\(?((?:\/|[A-Za-z]:\\|file:\/\/)[^():]+):(\d+):(\d+)\)?$/;

/** Compiled playbook modules (by the filename they run under) and their source maps. */
const compiled = new Map<string, SourceMap | (() => object)>();
let loading: string | undefined;

/** `map` may be a function: parsed on the first frame to map (~10 ms for a 140 KB playbook; Node maps its own stacks). */
export function registerSourceMap(filename: string, map: object | (() => object)): void {
  compiled.set(filename, typeof map === 'function' ? (map as () => object) : () => map);
}

function sourceMapOf(file: string): SourceMap | undefined {
  const m = compiled.get(file);
  if (typeof m !== 'function') return m;
  const parsed = new SourceMap(m() as ConstructorParameters<typeof SourceMap>[0]);
  compiled.set(file, parsed);
  return parsed;
}

/** Runs `fn` (a playbook's evaluation) knowing which playbook file is being loaded: step() call sites are looked up in it. */
export function whileLoading<T>(playbookFile: string, fn: () => T): T {
  const outer = loading;
  loading = playbookFile;
  try {
    return fn();
  } finally {
    loading = outer;
  }
}

function toPath(file: string): string {
  return file.startsWith('file://') ? fileURLToPath(file) : file;
}

/** A frame in a compiled playbook, mapped to its source; undefined for the bundler's own helper code. */
function mapped(f: Frame): Frame | undefined {
  const map = sourceMapOf(f.file);
  if (!map) return f;
  const e = map.findEntry(f.line - 1, f.column - 1) as { originalSource?: string; originalLine?: number; originalColumn?: number };
  if (!e.originalSource || e.originalLine === undefined) return undefined;
  return { file: toPath(e.originalSource), line: e.originalLine + 1, column: (e.originalColumn ?? 0) + 1 };
}

/** Every parseable frame of a stack text, mapped to source files. */
export function parseFrames(stack: string): Frame[] {
  const out: Frame[] = [];
  for (const text of stack.split('\n')) {
    const m = FRAME.exec(text.trim());
    if (!m || !text.trimStart().startsWith('at ')) continue;
    const f = mapped({ file: toPath(m[1]!), line: Number(m[2]), column: Number(m[3]) });
    if (f) out.push(f);
  }
  return out;
}

let ownDirs: string[] | undefined;
const onDisk = new Map<string, boolean>();

/**
 * Marshal's own code (src/ and dist/, the bundled CLI included), installed packages, Node
 * itself, and frames of no file on disk (a test runner's virtual modules such as /modules/helpers).
 */
export function isInternal(file: string): boolean {
  ownDirs ??= [join(packageRoot(), 'src') + sep, join(packageRoot(), 'dist') + sep];
  if (!isAbsolute(file) || file.includes(`${sep}node_modules${sep}`)) return true;
  if (ownDirs.some((d) => file.startsWith(d))) return true;
  if (!onDisk.has(file)) onDisk.set(file, existsSync(file));
  return !onDisk.get(file);
}

/** Frames in the user's own files, innermost first. */
export function userFrames(stack: string | undefined): Frame[] {
  return parseFrames(stack ?? '').filter((f) => !isInternal(f.file));
}

export const at = (f: Frame): string => `${f.file}:${f.line}`;

/** `file:line` of the first frame of `err` in the user's code: where a playbook or its library threw. */
export function userFrame(err: Error): string | undefined {
  const f = userFrames(err.stack)[0];
  return f && at(f);
}

export interface CallerLocation {
  /** Where the Marshal function was called: a playbook line, or a library line. */
  definedAt?: string;
  /** When that is a library: the line of the playbook being loaded that led to it. */
  usedAt?: string;
}

/** Where the caller of a Marshal function (step(), playbook()) is, for errors and reports. */
export function callerLocation(): CallerLocation {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 60; // a library helper may sit several calls deep below the playbook line
  const stack = new Error().stack;
  Error.stackTraceLimit = limit;
  const frames = userFrames(stack);
  const first = frames[0];
  if (!first) return {};
  const use = loading !== undefined && first.file !== loading ? frames.find((f) => f.file === loading) : undefined;
  return use ? { definedAt: at(first), usedAt: at(use) } : { definedAt: at(first) };
}

function short(location: string): string {
  const r = relative(process.cwd(), location);
  return r.startsWith('..') || isAbsolute(r) ? location : r;
}

/** `defined at lib/x.ts:12 (used at prepare-cx7.ts:40)`, or `defined at prepare-cx7.ts:40`. */
export function describeDefinition(s: { definedAt?: string | undefined; usedAt?: string | undefined }): string | undefined {
  if (!s.definedAt) return undefined;
  return `defined at ${short(s.definedAt)}${s.usedAt ? ` (used at ${short(s.usedAt)})` : ''}`;
}
