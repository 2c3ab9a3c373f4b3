/**
 * Python's `shlex.split(line, comments=True)` (POSIX mode), which Ansible's INI plugin uses to
 * split host lines: quotes are removed, `#` outside quotes starts a comment, even mid-word.
 */

export class ShlexError extends Error {}

const WHITESPACE = ' \t\r\n';
const QUOTES = `'"`;

export function shlexSplit(line: string): string[] {
  const out: string[] = [];
  let token = '';
  let quoted = false;
  let inToken = false;
  let i = 0;
  const emit = (): void => {
    if (inToken || quoted) out.push(token);
    token = '';
    quoted = false;
    inToken = false;
  };
  while (i < line.length) {
    const c = line[i]!;
    if (WHITESPACE.includes(c)) {
      emit();
      i++;
    } else if (c === '#') {
      break; // a comment: the rest of the line is ignored
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ShlexError('No escaped character');
      token += line[i + 1];
      inToken = true;
      i += 2;
    } else if (QUOTES.includes(c)) {
      quoted = true;
      inToken = true;
      i++;
      for (;;) {
        if (i >= line.length) throw new ShlexError('No closing quotation');
        const q = line[i]!;
        if (q === c) {
          i++;
          break;
        }
        // inside double quotes a backslash escapes only `"` and `\`; inside single quotes nothing
        if (c === '"' && q === '\\') {
          const n = line[i + 1];
          if (n === undefined) throw new ShlexError('No escaped character');
          token += n === '"' || n === '\\' ? n : q + n;
          i += 2;
          continue;
        }
        token += q;
        i++;
      }
    } else {
      token += c;
      inToken = true;
      i++;
    }
  }
  emit();
  return out;
}
