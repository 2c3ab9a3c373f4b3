/**
 * Facts about one path, for the file operations: `fileInfo` (lstat, plus the content's sha256
 * or the link's target) and `fileText` (the content, with its byte count to detect truncation).
 */
import { defineFact } from '../dsl/fact';
import { sh } from '../dsl/command';
import { FactParseError } from '../errors';

export type FileType = 'file' | 'directory' | 'link' | 'other';

export type FileInfo =
  | { readonly type: 'absent' }
  | {
      readonly type: FileType;
      /** Permission bits, e.g. 0o644 (with setuid/setgid/sticky when set). */
      readonly mode: number;
      readonly owner: string;
      readonly group: string;
      readonly size: number;
      /** Regular files: hex sha256 of the content. */
      readonly sha256?: string;
      /** Symbolic links: the target as stored. */
      readonly target?: string;
    };

const STAT_TYPES: Record<string, FileType> = {
  'regular file': 'file',
  'regular empty file': 'file',
  directory: 'directory',
  'symbolic link': 'link',
};

/** Pure: the output of fileInfo's command. */
export function parseFileInfo(stdout: string): FileInfo {
  const FACT = 'file.info';
  if (stdout === 'absent\n') return { type: 'absent' };
  const lines = stdout.split('\n');
  const [kind, mode, owner, group, size] = lines;
  if (lines.length < 6 || !kind || !/^[0-7]{1,4}$/.test(mode ?? '') || !owner || !group || !/^\d+$/.test(size ?? '')) {
    throw new FactParseError(FACT, `not the output of stat (type, mode, owner, group, size): ${JSON.stringify(stdout.slice(0, 200))}`);
  }
  const type = STAT_TYPES[kind] ?? 'other';
  const base = { type, mode: parseInt(mode!, 8), owner, group, size: Number(size) };
  if (type === 'link') return { ...base, target: lines.slice(5, -1).join('\n') };
  if (type !== 'file') return base;
  const sum = /^([0-9a-f]{64}) {2}-$/.exec(lines[5] ?? '');
  if (!sum) throw new FactParseError(FACT, `no sha256 for a regular file: ${JSON.stringify(lines[5] ?? '')}`);
  return { ...base, sha256: sum[1]! };
}

/** lstat of `path` (links are not followed), the sha256 of a regular file, the target of a link; `absent` when missing. */
export const fileInfo = defineFact({
  name: 'file.info',
  command: (path: string) =>
    sh`if [ -e ${path} ] || [ -L ${path} ]; then LC_ALL=C stat --printf '%F\\n%a\\n%U\\n%G\\n%s\\n' -- ${path} || exit; if [ -L ${path} ]; then readlink -- ${path}; elif [ -f ${path} ]; then sha256sum < ${path}; fi; else echo absent; fi`,
  parse: (stdout) => parseFileInfo(stdout),
});

export interface FileText {
  readonly text: string;
  readonly mode: number;
  readonly owner: string;
  readonly group: string;
}

/** Pure: `<mode> <owner> <group> <byte count>\n<content>`, or exit 3 (absent). Throws unless the content is the whole file as UTF-8. */
export function parseFileText(stdout: string, exitCode: number): FileText | undefined {
  const FACT = 'file.text';
  if (exitCode === 3) return undefined;
  const nl = stdout.indexOf('\n');
  const head = /^([0-7]{1,4}) (\S+) (\S+) (\d+)$/.exec(nl > 0 ? stdout.slice(0, nl) : '');
  if (!head) throw new FactParseError(FACT, `no "mode owner group size" line before the content: ${JSON.stringify(stdout.slice(0, 80))}`);
  const text = stdout.slice(nl + 1);
  const size = Number(head[4]);
  if (Buffer.byteLength(text, 'utf8') !== size) {
    throw new FactParseError(FACT, `read ${Buffer.byteLength(text, 'utf8')} bytes of ${size}: the file is not UTF-8 text, too large to read whole, or changed while read`);
  }
  return { text, mode: parseInt(head[1]!, 8), owner: head[2]!, group: head[3]! };
}

/** A regular file's text with its mode, owner and group (undefined when it does not exist). */
export const fileText = defineFact({
  name: 'file.text',
  command: (path: string) =>
    sh`[ -e ${path} ] || [ -L ${path} ] || exit 3; LC_ALL=C stat -L --printf '%a %U %G %s\\n' -- ${path} && cat -- ${path}`,
  parse: (stdout, exitCode) => parseFileText(stdout, exitCode),
  okExitCodes: [0, 3],
});
