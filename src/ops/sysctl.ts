/**
 * ops.sysctl (Ansible's sysctl, pyinfra's server.sysctl): a kernel parameter's value at runtime
 * (written to /proc/sys, which is what `sysctl -w` does) and persisted as `key = value` in a file of
 * /etc/sysctl.d/ so it holds after a reboot.
 */
import { posix } from 'node:path';
import { sh } from '../dsl/command';
import { expectThat } from '../dsl/expect';
import type { HostStep, Vars } from '../dsl/types';
import { fileInfo, fileText } from '../facts/files';
import { sysctl as sysctlFact, sysctlPath } from '../facts/kernel-params';
import { checkKeys, checkPath, opError, opStep, type OpOptions } from './common';
import { editLine } from './edit';

export interface SysctlOptions<V extends object = Vars> extends OpOptions<V> {
  /** The parameter, in sysctl's dot form: `net.ipv4.ip_forward`. */
  key: string;
  /** The wanted value; fields of a multi-value parameter separated by spaces ('1024 65000'). */
  value: string | number;
  /** Also keep `key = value` in `file` so it holds after a reboot (default true). */
  persist?: boolean;
  /** The persisted settings file (default /etc/sysctl.d/99-marshal.conf). */
  file?: string;
  /** After the file changed, apply all of it with `sysctl -p <file>` (default false). */
  reload?: boolean;
  /** Where the kernel's parameters are read and written (default /proc/sys); another root is for tests and containers. */
  procRoot?: string;
}

export const DEFAULT_SYSCTL_FILE = '/etc/sysctl.d/99-marshal.conf';

const normalise = (v: string): string => v.trim().split(/\s+/).join(' ');

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Pure: the settings file's text with `key = value` in it (replacing an earlier setting of the key). */
export function persistedText(text: string | undefined, key: string, value: string): string | undefined {
  return editLine(text, { state: 'present', line: `${key} = ${value}`, regexp: new RegExp(`^\\s*${escapeRe(key)}\\s*=`) });
}

function checkOptions(o: Record<string, unknown>): { key: string; value: string; file: string | undefined; root: string; reload: boolean } {
  const op = 'sysctl()';
  if (typeof o.key !== 'string' || !/^[A-Za-z0-9_][A-Za-z0-9_.\-/]*$/.test(o.key) || o.key.includes('..')) throw opError(op, `\`key\` must be a parameter such as net.ipv4.ip_forward, got ${JSON.stringify(o.key)}`);
  const raw = typeof o.value === 'number' && Number.isFinite(o.value) ? String(o.value) : o.value;
  if (typeof raw !== 'string' || normalise(raw) === '' || /[\n\0]/.test(raw)) throw opError(op, `\`value\` must be a number or one line of text, got ${JSON.stringify(o.value)}`);
  for (const k of ['persist', 'reload']) if (o[k] !== undefined && typeof o[k] !== 'boolean') throw opError(op, `\`${k}\` must be true or false`);
  const persist = o.persist !== false;
  if (!persist && o.file !== undefined) throw opError(op, '`file` goes with persist (it is not persisted with `persist: false`)');
  const root = o.procRoot === undefined ? '/proc/sys' : checkPath(op, o.procRoot, 'procRoot');
  if (o.reload === true && (!persist || root !== '/proc/sys')) throw opError(op, '`reload` applies the file to the running kernel: it needs persist and the default procRoot');
  return { key: o.key, value: normalise(raw), file: persist ? checkPath(op, o.file ?? DEFAULT_SYSCTL_FILE, 'file') : undefined, root, reload: o.reload === true };
}

/** A kernel parameter with this value now and, unless `persist: false`, after a reboot. */
export function sysctl<V extends object = Vars>(opts: SysctlOptions<V>): HostStep<V> {
  const o = checkKeys('sysctl()', opts, ['key', 'value', 'persist', 'file', 'reload', 'procRoot'], ['key', 'value']);
  const { key, value, file, root, reload } = checkOptions(o);
  const path = sysctlPath(root, key);
  const read = async (h: Parameters<NonNullable<HostStep<V>['check']>>[0], fresh: boolean) => {
    const now = fresh ? await h.facts.refresh(sysctlFact, key, root) : await h.facts.get(sysctlFact, key, root);
    if (now === undefined) throw opError('sysctl()', `the kernel has no parameter ${key} (${path} does not exist)`);
    const cur = file === undefined ? undefined : fresh ? await h.facts.refresh(fileText, file) : await h.facts.get(fileText, file);
    return { now, before: cur?.text, mode: cur?.mode ?? 0o644, after: file === undefined ? undefined : persistedText(cur?.text, key, value) };
  };
  return opStep<V>(o, `sysctl ${key} = ${value}`, {
    check: async (h) => {
      const s = await read(h, true);
      if (s.now !== value && h.diffMode) h.note(`${key}: ${s.now} → ${value}`);
      if (file !== undefined && s.after !== s.before && h.checkMode) h.diff(file, s.before, s.after ?? '');
      return s.now === value && s.after === s.before;
    },
    run: async (h) => {
      const s = await read(h, false);
      try {
        if (s.now !== value) await h.run(sh`printf '%s\\n' ${value} > ${path}`);
        if (file !== undefined && s.after !== undefined && s.after !== s.before) {
          if (s.before === undefined) await h.run(sh`mkdir -p -- ${posix.dirname(file)}`);
          await h.put(file, s.after, { mode: s.mode });
          if (reload) await h.run(sh`sysctl -p -- ${file}`);
        }
      } finally {
        h.facts.invalidate(sysctlFact);
        if (file !== undefined) for (const f of [fileText, fileInfo]) h.facts.invalidate(f, file);
      }
    },
    verify: async (h) => {
      const s = await read(h, true);
      expectThat(s.now === value, `${key} = ${value}`, s.now);
      if (file !== undefined) expectThat(s.after === s.before, `${file} to set ${key} = ${value}`, 'the file does not hold it');
    },
  });
}
