/**
 * File operations (pyinfra's files.*, Ansible's file/copy/template/lineinfile/blockinfile):
 * each is one step whose check reads the path with one read-only command (a fact), whose run
 * changes only what differs, and whose verify reads it again.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sh, isSecret, type Secret } from '../dsl/command';
import { expectThat } from '../dsl/expect';
import type { HostContext, HostStep, Vars } from '../dsl/types';
import { fileInfo, fileText, type FileInfo } from '../facts/files';
import { attrChanges, checkKeys, checkPath, fixAttrs, octal, opError, opFailure, opStep, parseMode, type Attrs, type OpOptions } from './common';
import { editBlock, editLine, type LineEdit } from './edit';

/** Content larger than this is not read back for a --diff (the diff says only that it differs). */
const DIFF_MAX_BYTES = 256 * 1024;

type Want = { owner?: string | undefined; group?: string | undefined; mode?: number | undefined };

function wantAttrs(op: string, o: Record<string, unknown>): Want {
  for (const k of ['owner', 'group'] as const) {
    if (o[k] !== undefined && (typeof o[k] !== 'string' || !/^[A-Za-z0-9_.][A-Za-z0-9_.-]*\$?$/.test(o[k] as string))) {
      throw opError(op, `\`${k}\` must be a user or group name, got ${JSON.stringify(o[k])}`);
    }
  }
  return { owner: o.owner as string | undefined, group: o.group as string | undefined, mode: parseMode(op, o.mode) };
}

/** Notes what differs besides content (shown under --diff). */
function noteAttrs(h: HostContext, path: string, changes: readonly string[]): void {
  if (h.diffMode) for (const c of changes) h.note(`${path}: ${c}`);
}

function notA(info: FileInfo, path: string, type: string): never {
  throw opFailure(`${path} is a ${info.type === 'link' ? 'symbolic link' : info.type}, not a ${type}; remove it first (absent())`);
}

// ---- file -------------------------------------------------------------------------------------------

export interface FileOptions<V extends object = Vars> extends OpOptions<V>, Attrs {
  /** Absolute path on the host. */
  path: string;
  /** The content, as text, bytes, or a secret() (its diff shows only that it differs); or a function of the host. */
  content?: string | Buffer | Secret | ((h: HostContext<V>) => string | Buffer | Secret);
  /** A template file (Handlebars, the playbook's templates directory) rendered with `data` (default: the host's vars). */
  template?: string;
  /** The data a `template` is rendered with (default: the host's vars). */
  data?: Record<string, unknown> | ((h: HostContext<V>) => Record<string, unknown>);
  /** A local file to copy (a path on the machine running Marshal). */
  src?: string;
}

interface Desired {
  bytes: Buffer;
  /** The content as text when it is UTF-8 (for diffs), else undefined. */
  text: string | undefined;
  secret: boolean;
}

function desired<V extends object>(h: HostContext<V>, o: FileOptions<V>): Desired {
  let bytes: Buffer;
  const content = typeof o.content === 'function' ? o.content(h) : o.content;
  if (content !== undefined && typeof content !== 'string' && !Buffer.isBuffer(content) && !isSecret(content)) {
    throw opFailure(`file ${o.path}: \`content\` gave ${content === null ? 'null' : typeof content}, not text, bytes or a secret()`);
  }
  if (content !== undefined) bytes = isSecret(content) ? Buffer.from(content.value, 'utf8') : Buffer.from(content);
  else if (o.template !== undefined) bytes = Buffer.from(h.render(o.template, typeof o.data === 'function' ? o.data(h) : (o.data ?? { ...h.vars })), 'utf8');
  else {
    try {
      bytes = readFileSync(o.src!);
    } catch (err) {
      throw opFailure(`file ${o.path}: cannot read the source ${o.src}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
    }
  }
  const text = bytes.toString('utf8');
  return { bytes, text: Buffer.from(text, 'utf8').equals(bytes) ? text : undefined, secret: isSecret(content) };
}

const sha256 = (b: Buffer): string => createHash('sha256').update(b).digest('hex');

/** Under --check --diff, the diff the run would record (the run's h.put records it otherwise). */
async function predictDiff(h: HostContext, path: string, info: FileInfo, want: Desired): Promise<void> {
  const existed = info.type === 'file';
  if (want.secret || want.text === undefined || (existed && info.size > DIFF_MAX_BYTES)) {
    h.note(`${want.secret ? 'secret' : 'binary or large'} file ${path}: ${existed ? 'differs' : 'new'} (${want.bytes.length} bytes)`);
    return;
  }
  let before: string | undefined;
  if (existed) {
    try {
      before = (await h.fact(fileText, path))?.text;
    } catch {
      before = `(${info.size} bytes, not UTF-8 text)\n`;
    }
  }
  h.diff(path, before, want.text);
}

/** A regular file with this content (from `content`, `template` or `src`) and, when given, owner, group and mode. */
export function file<V extends object = Vars>(opts: FileOptions<V>): HostStep<V> {
  const o = checkKeys('file()', opts, ['path', 'content', 'template', 'data', 'src', 'owner', 'group', 'mode'], ['path']);
  const path = checkPath('file()', o.path);
  const sources = ['content', 'template', 'src'].filter((k) => o[k] !== undefined);
  if (sources.length !== 1) throw opError('file()', `give exactly one of \`content\`, \`template\`, \`src\` (got ${sources.length ? sources.join(', ') : 'none'})`);
  const want = wantAttrs('file()', o);
  const differs = (info: FileInfo, d: Desired): { content: boolean; attrs: string[] } => ({
    content: info.type !== 'file' || info.sha256 !== sha256(d.bytes),
    attrs: attrChanges(info, want),
  });
  return opStep<V>(o, `file ${path}`, {
    check: async (h) => {
      const info = await h.facts.refresh(fileInfo, path);
      if (info.type === 'directory') notA(info, path, 'file');
      const d = desired(h, opts);
      const diff = differs(info, d);
      if (diff.content && h.checkMode && h.diffMode) await predictDiff(h as HostContext, path, info, d);
      noteAttrs(h as HostContext, path, diff.attrs);
      return !diff.content && diff.attrs.length === 0;
    },
    run: async (h) => {
      const info = await h.facts.get(fileInfo, path);
      const d = desired(h, opts);
      const mode = want.mode ?? (info.type === 'file' ? info.mode & 0o7777 : 0o644);
      // a link is replaced, not written through (put would compare and write the link's target)
      if (info.type === 'link') await h.run(sh`rm -f -- ${path}`);
      if (differs(info, d).content) await h.put(path, d.text ?? d.bytes, { mode, secret: d.secret });
      h.facts.invalidate(fileInfo, path);
      await fixAttrs(h as HostContext, path, await h.facts.get(fileInfo, path), want);
      h.facts.invalidate(fileInfo, path);
      h.facts.invalidate(fileText, path);
    },
    verify: async (h) => {
      const info = await h.facts.refresh(fileInfo, path);
      const diff = differs(info, desired(h, opts));
      expectThat(!diff.content, `${path} to hold the wanted ${desired(h, opts).bytes.length} bytes`, info.type === 'file' ? `${info.size} bytes` : info.type);
      expectThat(diff.attrs.length === 0, `${path} attributes as wanted`, diff.attrs.join(', '));
    },
  });
}

// ---- line / block -------------------------------------------------------------------------------------

/** A step that edits a text file through a pure edit (line() and block()). */
function textEdit<V extends object>(o: Record<string, unknown>, op: string, path: string, name: string, edit: (t: string | undefined) => string | undefined): HostStep<V> {
  return opStep<V>(o, name, {
    check: async (h) => {
      const before = (await h.facts.refresh(fileText, path))?.text;
      const after = edit(before);
      if (after !== before && h.checkMode) h.diff(path, before, after ?? '');
      return after === before;
    },
    run: async (h) => {
      const cur = await h.facts.get(fileText, path);
      const after = edit(cur?.text);
      if (after === undefined || after === cur?.text) return;
      await h.put(path, after, { mode: cur ? cur.mode : 0o644 });
      // the write replaced the file: give it back its owner and group
      if (cur) await h.run(sh`chown -- ${`${cur.owner}:${cur.group}`} ${path}`);
      h.facts.invalidate(fileText, path);
      h.facts.invalidate(fileInfo, path);
    },
    verify: async (h) => {
      const now = (await h.facts.refresh(fileText, path))?.text;
      expectThat(edit(now) === now, `${op} to hold in ${path}`, 'the edit still changes the file');
    },
  });
}

export interface LineOptions<V extends object = Vars> extends OpOptions<V> {
  /** Absolute path on the host. */
  path: string;
  /** The line wanted (present), or removed when no regexp is given (absent). */
  line?: string;
  /** present: the last matching line is replaced by `line`; absent: every matching line is removed. */
  regexp?: RegExp | string;
  /** A new line goes after the last line matching this (or 'EOF', the default). */
  insertAfter?: RegExp | string;
  /** A new line goes before the first line matching this (or 'BOF'). */
  insertBefore?: RegExp | string;
  /** present (the default) or absent. */
  state?: 'present' | 'absent';
}

const toRegExp = (op: string, key: string, v: unknown): RegExp | undefined => {
  if (v === undefined || v instanceof RegExp) return v as RegExp | undefined;
  if (typeof v !== 'string') throw opError(op, `\`${key}\` must be a RegExp or a string, got ${typeof v}`);
  try {
    return new RegExp(v);
  } catch (err) {
    throw opError(op, `\`${key}\` is not a regular expression: ${(err as Error).message}`);
  }
};

/** Ansible's lineinfile: one line present (replacing the last line matching `regexp`) or absent. */
export function line<V extends object = Vars>(opts: LineOptions<V>): HostStep<V> {
  const o = checkKeys('line()', opts, ['path', 'line', 'regexp', 'insertAfter', 'insertBefore', 'state'], ['path']);
  const path = checkPath('line()', o.path);
  const state = (o.state ?? 'present') as LineEdit['state'];
  if (state !== 'present' && state !== 'absent') throw opError('line()', `\`state\` must be 'present' or 'absent', got ${JSON.stringify(o.state)}`);
  if (o.line !== undefined && (typeof o.line !== 'string' || o.line.includes('\n'))) throw opError('line()', '`line` must be one line of text');
  if (state === 'present' && o.line === undefined) throw opError('line()', '`line` is required with state present');
  if (state === 'absent' && o.line === undefined && o.regexp === undefined) throw opError('line()', 'state absent needs `line` or `regexp`');
  if (o.insertAfter !== undefined && o.insertBefore !== undefined) throw opError('line()', 'give `insertAfter` or `insertBefore`, not both');
  const e: LineEdit = { state };
  if (o.line !== undefined) e.line = o.line as string;
  const re = toRegExp('line()', 'regexp', o.regexp);
  if (re) e.regexp = re;
  if (o.insertAfter !== undefined) e.insertAfter = o.insertAfter === 'EOF' ? 'EOF' : toRegExp('line()', 'insertAfter', o.insertAfter)!;
  if (o.insertBefore !== undefined) e.insertBefore = o.insertBefore === 'BOF' ? 'BOF' : toRegExp('line()', 'insertBefore', o.insertBefore)!;
  const what = state === 'present' ? `line in ${path}: ${o.line as string}` : `no line ${re ? `matching ${re.source}` : (o.line as string)} in ${path}`;
  return textEdit<V>(o, 'the line', path, what, (t) => editLine(t, e));
}

export interface BlockOptions<V extends object = Vars> extends OpOptions<V> {
  /** Absolute path on the host. */
  path: string;
  /** The lines between `# BEGIN MARSHAL <marker>` and `# END MARSHAL <marker>`. */
  block?: string;
  /** Names the block, so a file can hold several. */
  marker: string;
  /** present (the default) or absent. */
  state?: 'present' | 'absent';
}

/** Ansible's blockinfile: lines kept between `# BEGIN MARSHAL <marker>` and `# END MARSHAL <marker>`. */
export function block<V extends object = Vars>(opts: BlockOptions<V>): HostStep<V> {
  const o = checkKeys('block()', opts, ['path', 'block', 'marker', 'state'], ['path', 'marker']);
  const path = checkPath('block()', o.path);
  const state = (o.state ?? 'present') as 'present' | 'absent';
  if (state !== 'present' && state !== 'absent') throw opError('block()', `\`state\` must be 'present' or 'absent', got ${JSON.stringify(o.state)}`);
  if (typeof o.marker !== 'string' || !/^[^\n]+$/.test(o.marker)) throw opError('block()', '`marker` must be one line of text');
  if (state === 'present' && typeof o.block !== 'string') throw opError('block()', '`block` (text) is required with state present');
  const e = { block: (o.block as string | undefined) ?? '', marker: o.marker, state };
  return textEdit<V>(o, `block ${o.marker}`, path, `block ${o.marker} in ${path}${state === 'absent' ? ' absent' : ''}`, (t) => editBlock(t, e));
}

// ---- directory / symlink / absent ---------------------------------------------------------------------------

export interface DirectoryOptions<V extends object = Vars> extends OpOptions<V>, Attrs {
  /** Absolute path on the host. */
  path: string;
}

/** A directory (parents created as needed) with, when given, owner, group and mode. */
export function directory<V extends object = Vars>(opts: DirectoryOptions<V>): HostStep<V> {
  const o = checkKeys('directory()', opts, ['path', 'owner', 'group', 'mode'], ['path']);
  const path = checkPath('directory()', o.path);
  const want = wantAttrs('directory()', o);
  return opStep<V>(o, `directory ${path}`, {
    check: async (h) => {
      const info = await h.facts.refresh(fileInfo, path);
      if (info.type !== 'absent' && info.type !== 'directory') notA(info, path, 'directory');
      const changes = info.type === 'absent' ? [`${path}: created${want.mode !== undefined ? ` with mode ${octal(want.mode)}` : ''}`] : attrChanges(info, want);
      if (info.type === 'absent' && h.diffMode) h.note(changes[0]!);
      else noteAttrs(h as HostContext, path, changes);
      return info.type === 'directory' && changes.length === 0;
    },
    run: async (h) => {
      if ((await h.facts.get(fileInfo, path)).type === 'absent') await h.run(sh`mkdir -p -- ${path}`);
      h.facts.invalidate(fileInfo, path);
      await fixAttrs(h as HostContext, path, await h.facts.get(fileInfo, path), want);
      h.facts.invalidate(fileInfo, path);
    },
    verify: async (h) => {
      const info = await h.facts.refresh(fileInfo, path);
      expectThat(info.type === 'directory', `${path} to be a directory`, info.type);
      const changes = attrChanges(info, want);
      expectThat(changes.length === 0, `${path} attributes as wanted`, changes.join(', '));
    },
  });
}

export interface SymlinkOptions<V extends object = Vars> extends OpOptions<V> {
  /** Absolute path on the host. */
  path: string;
  /** What the link points to, stored as given (relative targets stay relative). */
  target: string;
}

/** A symbolic link at `path` pointing to `target`; replaces a file or another link, never a directory. */
export function symlink<V extends object = Vars>(opts: SymlinkOptions<V>): HostStep<V> {
  const o = checkKeys('symlink()', opts, ['path', 'target'], ['path', 'target']);
  const path = checkPath('symlink()', o.path);
  if (typeof o.target !== 'string' || o.target === '' || /[\0\n]/.test(o.target)) throw opError('symlink()', '`target` must be a non-empty path');
  const target = o.target;
  return opStep<V>(o, `symlink ${path} → ${target}`, {
    check: async (h) => {
      const info = await h.facts.refresh(fileInfo, path);
      if (info.type === 'directory') notA(info, path, 'symbolic link');
      const ok = info.type === 'link' && info.target === target;
      if (!ok && h.diffMode) h.note(`${path}: ${info.type === 'link' ? `→ ${info.target ?? '?'}` : info.type} → link to ${target}`);
      return ok;
    },
    run: async (h) => {
      await h.run(sh`ln -sfn -- ${target} ${path}`);
      h.facts.invalidate(fileInfo, path);
      h.facts.invalidate(fileText, path);
    },
    verify: async (h) => {
      const info = await h.facts.refresh(fileInfo, path);
      expectThat(info.type === 'link' && info.target === target, `${path} → ${target}`, info.type === 'link' ? `→ ${info.target ?? '?'}` : info.type);
    },
  });
}

export interface AbsentOptions<V extends object = Vars> extends OpOptions<V> {
  /** Absolute path on the host. */
  path: string;
}

/** Nothing at `path`: a file or link is removed, a directory with everything in it. */
export function absent<V extends object = Vars>(opts: AbsentOptions<V>): HostStep<V> {
  const o = checkKeys('absent()', opts, ['path'], ['path']);
  const path = checkPath('absent()', o.path);
  if (path === '/') throw opError('absent()', 'refusing to remove /');
  return opStep<V>(o, `absent ${path}`, {
    check: async (h) => {
      const info = await h.facts.refresh(fileInfo, path);
      if (info.type !== 'absent' && h.diffMode) h.note(`${path}: ${info.type} removed`);
      return info.type === 'absent';
    },
    run: async (h) => {
      await h.run(sh`rm -rf -- ${path}`);
      h.facts.invalidate(fileInfo, path);
      h.facts.invalidate(fileText, path);
    },
    verify: async (h) => {
      const info = await h.facts.refresh(fileInfo, path);
      expectThat(info.type === 'absent', `nothing at ${path}`, info.type);
    },
  });
}
