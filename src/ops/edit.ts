/**
 * Pure text edits behind line() and block(): Ansible's lineinfile and blockinfile rules.
 * Text in, text out; `undefined` is a file that does not exist.
 */

export interface LineEdit {
  /** The line wanted (state present) or removed (state absent, without regexp). */
  line?: string;
  /** Lines matching it are replaced (present: the last match) or removed (absent). */
  regexp?: RegExp;
  /** Where a new line goes: after the last line matching, or 'EOF' (the default). */
  insertAfter?: RegExp | 'EOF';
  /** Where a new line goes: before the first line matching, or 'BOF'. */
  insertBefore?: RegExp | 'BOF';
  /** present or absent. */
  state: 'present' | 'absent';
}

function split(text: string): { lines: string[]; eol: boolean } {
  if (text === '') return { lines: [], eol: true };
  const eol = text.endsWith('\n');
  return { lines: (eol ? text.slice(0, -1) : text).split('\n'), eol };
}

// a file that ended without a newline gets one when a line is added after its last line
const join = (lines: string[], eol: boolean): string => (lines.length === 0 ? '' : lines.join('\n') + (eol ? '\n' : ''));

const test = (re: RegExp, s: string): boolean => {
  re.lastIndex = 0;
  return re.test(s);
};

function lastIndex(lines: string[], re: RegExp): number {
  for (let i = lines.length - 1; i >= 0; i--) if (test(re, lines[i]!)) return i;
  return -1;
}

/** Where a new line is inserted (an index into lines) under insertAfter/insertBefore. */
function insertAt(lines: string[], e: LineEdit): number {
  if (e.insertBefore !== undefined) {
    if (e.insertBefore === 'BOF') return 0;
    const i = lines.findIndex((l) => test(e.insertBefore as RegExp, l));
    return i >= 0 ? i : lines.length;
  }
  if (e.insertAfter !== undefined && e.insertAfter !== 'EOF') {
    const i = lastIndex(lines, e.insertAfter);
    return i >= 0 ? i + 1 : lines.length;
  }
  return lines.length;
}

/** The file's text after the edit (the same text when nothing needs doing). */
export function editLine(text: string | undefined, e: LineEdit): string | undefined {
  if (e.state === 'absent') {
    if (text === undefined) return undefined;
    const { lines, eol } = split(text);
    const kept = lines.filter((l) => (e.regexp ? !test(e.regexp, l) : l !== e.line));
    return kept.length === lines.length ? text : join(kept, eol);
  }
  const line = e.line!;
  const { lines, eol } = split(text ?? '');
  if (e.regexp) {
    const i = lastIndex(lines, e.regexp);
    if (i >= 0) {
      if (lines[i] === line) return text;
      lines[i] = line;
      return join(lines, eol);
    }
  }
  if (lines.includes(line)) return text;
  const at = insertAt(lines, e);
  lines.splice(at, 0, line);
  return join(lines, eol || at === lines.length - 1);
}

export interface BlockEdit {
  block: string;
  marker: string;
  /** present or absent. */
  state: 'present' | 'absent';
}

export const beginMarker = (marker: string): string => `# BEGIN MARSHAL ${marker}`;
export const endMarker = (marker: string): string => `# END MARSHAL ${marker}`;

/** The file's text with the block between its markers replaced, appended, or removed. */
export function editBlock(text: string | undefined, e: BlockEdit): string | undefined {
  if (text === undefined && e.state === 'absent') return undefined;
  const { lines, eol } = split(text ?? '');
  const begin = lines.indexOf(beginMarker(e.marker));
  const end = begin >= 0 ? lines.indexOf(endMarker(e.marker), begin + 1) : -1;
  const body = e.block === '' ? [] : e.block.replace(/\n$/, '').split('\n');
  const wanted = e.state === 'present' ? [beginMarker(e.marker), ...body, endMarker(e.marker)] : [];
  if (begin >= 0 && end >= 0) {
    const current = lines.slice(begin, end + 1);
    if (current.join('\n') === wanted.join('\n')) return text;
    lines.splice(begin, end - begin + 1, ...wanted);
    return join(lines, eol);
  }
  if (e.state === 'absent') return text;
  return join([...lines, ...wanted], true);
}
