/**
 * kernelArgs(): arguments on the kernel command line of the next boot. With `grubby` (RHEL,
 * Fedora) every boot entry is updated (`grubby --update-kernel=ALL --args=... --remove-args=...`);
 * elsewhere GRUB_CMDLINE_LINUX in /etc/default/grub is edited and the GRUB config regenerated
 * (`update-grub`, else `grub2-mkconfig`/`grub-mkconfig`). The change takes effect at the next
 * boot: reboot with ops.reboot() and check /proc/cmdline with missingFromCmdline().
 */
import { sh, type Command } from '../dsl/command';
import { defineFact } from '../dsl/fact';
import { expectThat } from '../dsl/expect';
import type { HostContext, HostStep, Vars } from '../dsl/types';
import { FactParseError } from '../errors';
import { cmdline, type KernelCmdline } from '../facts/system';
import { fileInfo, fileText } from '../facts/files';
import { checkKeys, opError, opFailure, opStep, type OpOptions } from './common';

export interface KernelArgsOptions<V extends object = Vars> extends OpOptions<V> {
  /** Arguments the next boot must have: `key=value` or a bare flag, e.g. ['intel_iommu=on', 'iommu=pt']. */
  args?: readonly string[];
  /** Arguments it must not have: a bare key removes the key with any value, `key=value` only that value. */
  remove?: readonly string[];
}

/** The boot loader's configured arguments, as one of the two tools sees them. */
export type BootArgs =
  | { tool: 'grubby'; entries: { kernel: string; args: string[] }[] }
  | { tool: 'grub'; args: string[]; mkconfig: 'update-grub' | 'grub2-mkconfig' | 'grub-mkconfig'; text: string };

const GRUB_DEFAULT = '/etc/default/grub';
const GRUB_LINE = /^GRUB_CMDLINE_LINUX=(.*)$/m;

/** Words of a command line, split on spaces outside double quotes. */
export function splitArgs(line: string): string[] {
  return [...line.matchAll(/(?:[^\s"]+|"[^"]*")+/g)].map((m) => m[0]);
}

const keyOf = (arg: string): string => (arg.includes('=') ? arg.slice(0, arg.indexOf('=')) : arg);

/** Removes one level of shell quoting from a /etc/default/grub value: "a b" or 'a b'. */
function unquoteValue(v: string): string {
  const t = v.trim();
  if (t.length >= 2 && ((t.startsWith('"') && t.endsWith('"')) || (t.startsWith("'") && t.endsWith("'")))) return t.slice(1, -1);
  return t;
}

/** Parses the fact's output: a first line naming the tool, then `grubby --info=ALL` or /etc/default/grub. */
export function parseBootArgs(stdout: string): BootArgs {
  const [head = '', ...rest] = stdout.split('\n');
  const body = rest.join('\n');
  if (head === 'grubby') {
    const entries: { kernel: string; args: string[] }[] = [];
    for (const line of body.split('\n')) {
      const m = /^(\w+)=(.*)$/.exec(line.trim());
      if (!m) continue;
      const value = unquoteValue(m[2]!);
      if (m[1] === 'index') entries.push({ kernel: '', args: [] });
      else if (entries.length > 0 && m[1] === 'kernel') entries[entries.length - 1]!.kernel = value;
      else if (entries.length > 0 && m[1] === 'args') entries[entries.length - 1]!.args = splitArgs(value).filter((a) => !a.startsWith('$'));
    }
    if (entries.length === 0) throw new FactParseError('kernel.boot-args', 'grubby --info=ALL listed no boot entry');
    return { tool: 'grubby', entries };
  }
  const m = /^grub (update-grub|grub2-mkconfig|grub-mkconfig)$/.exec(head);
  if (!m) throw new FactParseError('kernel.boot-args', `neither grubby nor a GRUB config tool on the host (first line ${JSON.stringify(head)})`);
  const line = GRUB_LINE.exec(body);
  return { tool: 'grub', args: line ? splitArgs(unquoteValue(line[1]!)) : [], mkconfig: m[1] as 'update-grub', text: body };
}

/** The boot loader's arguments for the next boot: grubby's entries, else /etc/default/grub. */
export const bootArgs = defineFact({
  name: 'kernel.boot-args',
  command: () =>
    sh`if command -v grubby >/dev/null 2>&1; then echo grubby; grubby --info=ALL; else for t in update-grub grub2-mkconfig grub-mkconfig; do if command -v $t >/dev/null 2>&1; then echo "grub $t"; break; fi; done; cat ${GRUB_DEFAULT}; fi`,
  parse: (stdout) => parseBootArgs(stdout),
});

/** What must change in `have` so it holds every `want` and none of `remove`. */
export function argChanges(have: readonly string[], want: readonly string[], remove: readonly string[]): { add: string[]; del: string[] } {
  const add = want.filter((w) => !have.includes(w) || have.some((h) => keyOf(h) === keyOf(w) && h !== w));
  const del = remove.filter((r) => have.some((h) => h === r || (!r.includes('=') && keyOf(h) === r)));
  return { add, del };
}

/** The arguments after the change: a wanted `key=value` replaces the key's other values, as grubby does. */
export function applyArgs(have: readonly string[], want: readonly string[], remove: readonly string[]): string[] {
  let out = have.filter((h) => !remove.some((r) => h === r || (!r.includes('=') && keyOf(h) === r)));
  for (const w of want) {
    const i = out.findIndex((h) => keyOf(h) === keyOf(w));
    if (i < 0) out.push(w);
    else out = [...out.slice(0, i), w, ...out.slice(i + 1).filter((h) => keyOf(h) !== keyOf(w))];
  }
  return out;
}

/** /etc/default/grub with GRUB_CMDLINE_LINUX set to `args` (the line appended when missing). */
export function editGrubDefault(text: string, args: readonly string[]): string {
  const line = `GRUB_CMDLINE_LINUX="${args.join(' ')}"`;
  if (GRUB_LINE.test(text)) return text.replace(GRUB_LINE, line);
  return `${text}${text === '' || text.endsWith('\n') ? '' : '\n'}${line}\n`;
}

/** The grubby command for these changes. */
export function grubbyCommand(add: readonly string[], del: readonly string[]): Command {
  const a = add.length ? sh` --args=${add.join(' ')}` : sh``;
  const r = del.length ? sh` --remove-args=${del.join(' ')}` : sh``;
  return sh`grubby --update-kernel=ALL${a}${r}`;
}

/** The command that regenerates the GRUB config from /etc/default/grub. */
export function mkconfigCommand(tool: 'update-grub' | 'grub2-mkconfig' | 'grub-mkconfig'): Command {
  if (tool === 'update-grub') return sh`update-grub`;
  return tool === 'grub2-mkconfig' ? sh`grub2-mkconfig -o /boot/grub2/grub.cfg` : sh`grub-mkconfig -o /boot/grub/grub.cfg`;
}

/** Entries (or the GRUB default) that do not hold the wanted arguments yet, with what each lacks. */
export function pendingChanges(b: BootArgs, want: readonly string[], remove: readonly string[]): string[] {
  const lists = b.tool === 'grubby' ? b.entries.map((e) => ({ where: e.kernel || 'an entry', args: e.args })) : [{ where: GRUB_DEFAULT, args: b.args }];
  const out: string[] = [];
  for (const l of lists) {
    const { add, del } = argChanges(l.args, want, remove);
    if (add.length || del.length) out.push(`${l.where}: ${[...add.map((a) => `+${a}`), ...del.map((d) => `-${d}`)].join(' ')}`);
  }
  return out;
}

/** The wanted arguments the running kernel's /proc/cmdline lacks (and removed ones it still has). */
export function missingFromCmdline(c: KernelCmdline, want: readonly string[], remove: readonly string[] = []): string[] {
  const have = c.args.map((a) => (a.value === undefined ? a.key : `${a.key}=${a.value}`));
  const { add, del } = argChanges(have, want, remove);
  return [...add, ...del.map((d) => `-${d}`)];
}

function checkArgList(op: string, name: string, v: unknown): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((a) => typeof a === 'string' && /^[A-Za-z0-9_.,:/+-]+(=[A-Za-z0-9_.,:/+=-]*)?$/.test(a))) {
    throw opError(op, `\`${name}\` must be a list of kernel arguments such as ['intel_iommu=on', 'iommu=pt'], got ${JSON.stringify(v)}`);
  }
  return v as string[];
}

async function applyChange(h: HostContext, want: readonly string[], remove: readonly string[]): Promise<void> {
  const b = await h.facts.refresh(bootArgs);
  if (b.tool === 'grubby') {
    const all = b.entries.map((e) => argChanges(e.args, want, remove));
    const add = [...new Set(all.flatMap((c) => c.add))];
    const del = [...new Set(all.flatMap((c) => c.del))];
    await h.run(grubbyCommand(add, del));
    return;
  }
  const current = await h.fact(fileText, GRUB_DEFAULT);
  if (!current) throw opFailure(`${GRUB_DEFAULT} is missing: cannot set the kernel command line without grubby`);
  await h.put(GRUB_DEFAULT, editGrubDefault(current.text, applyArgs(b.args, want, remove)), { mode: current.mode & 0o7777 });
  h.facts.invalidate(fileInfo, GRUB_DEFAULT);
  h.facts.invalidate(fileText, GRUB_DEFAULT);
  await h.run(mkconfigCommand(b.mkconfig));
}

/**
 * The next boot's kernel command line holds `args` and none of `remove`. check reads the boot
 * loader (grubby --info=ALL or /etc/default/grub); run changes it; verify reads it again. When
 * /proc/cmdline (the running kernel) still differs the step notes that a reboot is needed.
 */
export function kernelArgs<V extends object = Vars>(opts: KernelArgsOptions<V>): HostStep<V> {
  const o = checkKeys('kernelArgs()', opts, ['args', 'remove'], []);
  const want = checkArgList('kernelArgs()', 'args', o.args);
  const remove = checkArgList('kernelArgs()', 'remove', o.remove);
  if (want.length + remove.length === 0) throw opError('kernelArgs()', 'give `args` to add or `remove` to remove (both are empty)');
  const clash = want.find((w) => remove.some((r) => r === w || r === keyOf(w)));
  if (clash) throw opError('kernelArgs()', `${clash} is both in \`args\` and in \`remove\``);
  const name = `kernel command line ${[...want, ...remove.map((r) => `-${r}`)].join(' ')}`;
  const noteRunning = async (h: HostContext) => {
    const missing = missingFromCmdline(await h.facts.refresh(cmdline), want, remove);
    if (missing.length) h.note(`configured for the next boot; the running kernel's /proc/cmdline lacks ${missing.join(' ')}: a reboot is needed`);
  };
  return opStep<V>(o, name, {
    check: async (h) => {
      const pending = pendingChanges(await h.facts.refresh(bootArgs), want, remove);
      for (const p of pending) h.note(`would change ${p}`);
      if (pending.length === 0) await noteRunning(h as HostContext);
      return pending.length === 0;
    },
    run: (h) => applyChange(h as HostContext, want, remove),
    verify: async (h) => {
      const pending = pendingChanges(await h.facts.refresh(bootArgs), want, remove);
      expectThat(pending.length === 0, `the boot loader to hold ${name.slice('kernel command line '.length)}`, pending.join('; '));
      await noteRunning(h as HostContext);
    },
  });
}
