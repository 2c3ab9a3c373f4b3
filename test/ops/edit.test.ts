import { describe, expect, it } from 'vitest';
import { editBlock, editLine } from '../../src/ops/edit';

describe('editLine (lineinfile rules)', () => {
  const cases: Array<[string, string | undefined, Parameters<typeof editLine>[1], string | undefined]> = [
    ['appends a missing line', 'a\nb\n', { line: 'c', state: 'present' }, 'a\nb\nc\n'],
    ['leaves a present line', 'a\nc\nb\n', { line: 'c', state: 'present' }, 'a\nc\nb\n'],
    ['creates a missing file', undefined, { line: 'x=1', state: 'present' }, 'x=1\n'],
    ['fills an empty file', '', { line: 'x=1', state: 'present' }, 'x=1\n'],
    ['adds the newline a file lacked before appending', 'a', { line: 'b', state: 'present' }, 'a\nb\n'],
    ['replaces the last line matching regexp', 'x=1\ny=2\nx=3\n', { line: 'x=9', regexp: /^x=/, state: 'present' }, 'x=1\ny=2\nx=9\n'],
    ['keeps a matching line that is already right', 'x=9\n', { line: 'x=9', regexp: /^x=/, state: 'present' }, 'x=9\n'],
    ['inserts after the last match of insertAfter', 'a\n[s]\nb\n[s]\nc\n', { line: 'k', insertAfter: /^\[s\]$/, state: 'present' }, 'a\n[s]\nb\n[s]\nk\nc\n'],
    ['inserts before the first match of insertBefore', 'a\nb\nb\n', { line: 'k', insertBefore: /^b$/, state: 'present' }, 'a\nk\nb\nb\n'],
    ['BOF inserts first', 'a\n', { line: 'k', insertBefore: 'BOF', state: 'present' }, 'k\na\n'],
    ['no insertAfter match: at the end', 'a\n', { line: 'k', insertAfter: /^zz/, state: 'present' }, 'a\nk\n'],
    ['absent removes every equal line', 'a\nk\nb\nk\n', { line: 'k', state: 'absent' }, 'a\nb\n'],
    ['absent removes every regexp match', 'x=1\ny\nx=2', { regexp: /^x=/, state: 'absent' }, 'y'],
    ['absent on a missing file is nothing', undefined, { line: 'k', state: 'absent' }, undefined],
    ['absent keeps the text when nothing matches', 'a\n', { line: 'k', state: 'absent' }, 'a\n'],
  ];
  for (const [name, before, e, after] of cases) it(name, () => expect(editLine(before, e)).toBe(after));

  it('a global regexp gives the same answer every time (lastIndex is reset)', () => {
    const e = { line: 'x=2', regexp: /^x=/g, state: 'present' as const };
    expect(editLine('x=1\n', e)).toBe('x=2\n');
    expect(editLine('x=2\n', e)).toBe('x=2\n');
  });
});

describe('editBlock (blockinfile rules)', () => {
  const b = (block: string, state: 'present' | 'absent' = 'present') => ({ block, marker: 'dns', state });
  it('appends a block with its markers', () => {
    expect(editBlock('a\n', b('x\ny'))).toBe('a\n# BEGIN MARSHAL dns\nx\ny\n# END MARSHAL dns\n');
  });
  it('creates a missing file', () => expect(editBlock(undefined, b('x'))).toBe('# BEGIN MARSHAL dns\nx\n# END MARSHAL dns\n'));
  it('replaces the lines between the markers only', () => {
    const t = 'a\n# BEGIN MARSHAL dns\nold\n# END MARSHAL dns\nz\n';
    expect(editBlock(t, b('new\n'))).toBe('a\n# BEGIN MARSHAL dns\nnew\n# END MARSHAL dns\nz\n');
  });
  it('is the same text when the block is already right', () => {
    const t = 'a\n# BEGIN MARSHAL dns\nx\n# END MARSHAL dns\n';
    expect(editBlock(t, b('x'))).toBe(t);
  });
  it('leaves another marker alone and removes its own with state absent', () => {
    const t = '# BEGIN MARSHAL other\no\n# END MARSHAL other\n# BEGIN MARSHAL dns\nx\n# END MARSHAL dns\n';
    expect(editBlock(t, b('', 'absent'))).toBe('# BEGIN MARSHAL other\no\n# END MARSHAL other\n');
    expect(editBlock('a\n', b('', 'absent'))).toBe('a\n');
    expect(editBlock(undefined, b('', 'absent'))).toBeUndefined();
  });
});
