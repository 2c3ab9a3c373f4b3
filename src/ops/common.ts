/** What every operation shares: the step options it passes on, path checks, owner/group/mode. */
import { PlaybookError, StepFailure } from '../errors';
import { callerLocation } from '../util/stack';
import { sh } from '../dsl/command';
import { step } from '../dsl/step';
import type { HostContext, HostStep, HostStepOptions, Vars } from '../dsl/types';
import type { FileInfo } from '../facts/files';

/** Step options an operation passes on to its step (`name` defaults to a description of the operation). */
export type OpOptions<V extends object = Vars> = Partial<
  Pick<HostStepOptions<V>, 'name' | 'hosts' | 'tags' | 'when' | 'become' | 'timeout' | 'ignoreErrors' | 'risk' | 'register' | 'retries' | 'delay' | 'notify'>
>;

/** The step-option keys of OpOptions, so an operation can tell them from its own. */
const STEP_KEYS = ['name', 'hosts', 'tags', 'when', 'become', 'timeout', 'ignoreErrors', 'risk', 'register', 'retries', 'delay', 'notify'] as const;

/** A usage error at the playbook line that called the operation. */
export function opError(op: string, message: string): PlaybookError {
  const at = callerLocation();
  const m = at.definedAt ? /^(.*):(\d+)$/.exec(at.definedAt) : null;
  return new PlaybookError(`${op}: ${message}`, m ? { file: m[1]!, line: Number(m[2]) } : {});
}

/** Checks the options object: only known keys, the required ones present. */
export function checkKeys(op: string, opts: unknown, own: readonly string[], required: readonly string[]): Record<string, unknown> {
  if (!opts || typeof opts !== 'object') throw opError(op, 'needs an options object');
  const o = opts as Record<string, unknown>;
  const allowed = new Set<string>([...STEP_KEYS, ...own]);
  for (const k of Object.keys(o)) if (!allowed.has(k)) throw opError(op, `unknown option \`${k}\` (allowed: ${[...allowed].join(', ')})`);
  for (const k of required) if (o[k] === undefined) throw opError(op, `\`${k}\` is required`);
  return o;
}

/** An absolute remote path; `/` itself only where `root` allows it. */
export function checkPath(op: string, path: unknown, what = 'path'): string {
  if (typeof path !== 'string' || !path.startsWith('/') || path.includes('\0') || /\/$/.test(path) && path !== '/') {
    throw opError(op, `\`${what}\` must be an absolute path without a trailing slash, got ${JSON.stringify(path)}`);
  }
  return path;
}

export interface Attrs {
  /** Owning user (name or numeric id), set with chown when it differs. */
  owner?: string;
  /** Owning group (name or numeric id), set with chgrp when it differs. */
  group?: string;
  /** Permission bits: 0o640, or an octal string '0640'. */
  mode?: number | string;
}

/** The mode as a number, or undefined; a bad one is a usage error. */
export function parseMode(op: string, mode: unknown): number | undefined {
  if (mode === undefined) return undefined;
  if (typeof mode === 'number' && Number.isInteger(mode) && mode >= 0 && mode <= 0o7777) return mode;
  if (typeof mode === 'string' && /^0?[0-7]{3,4}$/.test(mode)) return parseInt(mode, 8);
  throw opError(op, `\`mode\` must be permission bits such as 0o644 or '0644', got ${JSON.stringify(mode)}`);
}

export const octal = (m: number): string => m.toString(8).padStart(4, '0');

/** What differs between a path's owner, group, mode and the wanted ones, as "mode 0644 → 0600". */
export function attrChanges(info: FileInfo, want: { owner?: string | undefined; group?: string | undefined; mode?: number | undefined }): string[] {
  if (info.type === 'absent') return [];
  const out: string[] = [];
  if (want.owner !== undefined && info.owner !== want.owner) out.push(`owner ${info.owner} → ${want.owner}`);
  if (want.group !== undefined && info.group !== want.group) out.push(`group ${info.group} → ${want.group}`);
  if (want.mode !== undefined && (info.mode & 0o7777) !== want.mode) out.push(`mode ${octal(info.mode)} → ${octal(want.mode)}`);
  return out;
}

/** chown/chmod only what differs (`info` is the state after any write). */
export async function fixAttrs(h: HostContext, path: string, info: FileInfo, want: { owner?: string | undefined; group?: string | undefined; mode?: number | undefined }): Promise<void> {
  if (info.type === 'absent') return;
  const owner = want.owner !== undefined && info.owner !== want.owner ? want.owner : undefined;
  const group = want.group !== undefined && info.group !== want.group ? want.group : undefined;
  if (owner !== undefined || group !== undefined) await h.run(sh`chown -h -- ${`${owner ?? ''}${group !== undefined ? `:${group}` : ''}`} ${path}`);
  if (want.mode !== undefined && (info.mode & 0o7777) !== want.mode) await h.run(sh`chmod -- ${octal(want.mode)} ${path}`);
}

/** The step's options: the operation's own name unless the playbook gave one. */
export function opStep<V extends object>(
  o: Record<string, unknown>,
  name: string,
  phases: Pick<HostStepOptions<V>, 'check' | 'run' | 'verify'>,
): HostStep<V> {
  const opts: Record<string, unknown> = { name };
  for (const k of STEP_KEYS) if (o[k] !== undefined) opts[k] = o[k];
  return step<V>({ ...(opts as unknown as HostStepOptions<V>), ...phases });
}

/** A failure of the operation's own making (a path of the wrong type, a source that cannot be read). */
export function opFailure(message: string): StepFailure {
  return new StepFailure('error', message);
}
