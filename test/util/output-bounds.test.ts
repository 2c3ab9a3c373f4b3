/** The bounded-output pieces: head+tail buffer, byte-bounded tail, sizes. */
import { describe, expect, it } from 'vitest';
import { HeadTailBuffer } from '../../src/util/head-tail-buffer';
import { tailBounded } from '../../src/util/byte-tail';
import { formatBytes, parseBytes } from '../../src/util/bytes';
import { UsageError } from '../../src/errors';

describe('HeadTailBuffer', () => {
  it('keeps everything under the limit', () => {
    const b = new HeadTailBuffer(100);
    b.push(Buffer.from('hello '));
    b.push(Buffer.from('world'));
    expect(b.text()).toBe('hello world');
    expect(b.truncated).toBe(false);
  });

  it('keeps the head and the tail of a long stream, with a note saying how much was dropped', () => {
    const b = new HeadTailBuffer(1024, ', set --max-output');
    for (let i = 0; i < 4096; i++) b.push(Buffer.from(`${String(i).padStart(7, '0')}\n`));
    const text = b.text();
    expect(b.truncated).toBe(true);
    expect(b.size).toBe(4096 * 8);
    expect(text.startsWith('0000000\n0000001\n')).toBe(true);
    expect(text.endsWith('0004094\n0004095\n')).toBe(true);
    expect(text).toContain('\n[marshal: 31 KiB of output omitted; limit 1 KiB per stream, set --max-output]\n');
    expect(b.rawBytes().length).toBe(1024);
  });

  it('holds at most the limit plus one chunk however many bytes pass, in chunks big or tiny', () => {
    const b = new HeadTailBuffer(64 * 1024);
    const chunk = Buffer.alloc(32 * 1024, 'a');
    for (let i = 0; i < 3200; i++) b.push(chunk); // 100 MiB
    const held = (x: HeadTailBuffer) => (x as unknown as { tail: Buffer[] }).tail.reduce((n, c) => n + c.length, 0);
    expect(held(b)).toBeLessThanOrEqual(64 * 1024);
    const tiny = new HeadTailBuffer(4096);
    for (let i = 0; i < 200_000; i++) tiny.push(Buffer.from([i & 0xff]));
    expect((tiny as unknown as { tail: Buffer[] }).tail.length).toBeLessThanOrEqual(1025);
    expect(tiny.rawBytes()[4095]).toBe((200_000 - 1) & 0xff);
  });
});

describe('tailBounded', () => {
  it('keeps the last lines when they are short', () => {
    expect(tailBounded('a\nb\nc\nd\ne\nf\ng\n', 5, 4096)).toBe('c\nd\ne\nf\ng');
  });

  it('caps a single huge line in bytes, keeping its end and marking the cut', () => {
    const t = tailBounded(`${'x'.repeat(1_000_000)}END`, 5, 4096);
    expect(Buffer.byteLength(t)).toBeLessThan(4200);
    expect(t.slice(-6)).toBe('xxxEND');
    expect(t.slice(0, 60)).toMatch(/^\[marshal: 972\.6 KiB cut; last 4 KiB shown\]\n/);
  });

  it('never splits a multi-byte character', () => {
    const t = tailBounded('é'.repeat(5000), 5, 4095);
    expect(t).not.toContain('\ufffd');
  });
});

describe('byte sizes', () => {
  it('formats and parses binary units', () => {
    expect(formatBytes(198.2 * 1024 * 1024)).toBe('198.2 MiB');
    expect(formatBytes(512)).toBe('512 B');
    expect(parseBytes('1MiB', '--max-output')).toBe(1048576);
    expect(parseBytes('512k', '--max-output')).toBe(524288);
    expect(parseBytes(4096, '--max-output')).toBe(4096);
  });

  it('names the setting when a size is not one', () => {
    expect(() => parseBytes('lots', '--max-output')).toThrow(UsageError);
    expect(() => parseBytes('lots', '--max-output')).toThrow(/--max-output: "lots" is not a size/);
    expect(() => parseBytes('10', '--max-output')).toThrow(/below the minimum of 1 KiB/);
  });
});
