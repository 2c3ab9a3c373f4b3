/** The stderr filter: markers found wherever chunks split them, bounded memory, linear work. */
import { describe, expect, it } from 'vitest';
import { newMarkers, StderrFilter, type StderrEvent } from '../../src/connection/wrap';

const m = newMarkers();
const opts = { pgid: true, become: true, watchPrompt: true, limit: 1024 * 1024 };

function feed(f: StderrFilter, data: Buffer, size: number): StderrEvent[] {
  const ev: StderrEvent[] = [];
  for (let i = 0; i < data.length; i += size) ev.push(...f.push(data.subarray(i, i + size)));
  return ev;
}

describe('StderrFilter', () => {
  const stream = Buffer.from(`motd from .bashrc\n${m.pgid}4242@@\nsudo lecture\n${m.prompt}\n${m.becomeOk}\nuser é err\n`);

  it('finds every marker and keeps only the user text, whatever the chunk size', () => {
    for (const size of [1, 2, 3, 7, 16, 1000]) {
      const f = new StderrFilter(m, opts);
      const ev = feed(f, stream, size);
      expect(ev, `chunk ${size}`).toEqual([{ type: 'pgid', pgid: 4242 }, { type: 'prompt', count: 1 }, { type: 'become-ok' }]);
      expect(f.cleaned()).toBe('motd from .bashrc\nsudo lecture\nuser é err\n');
      expect(f.pgid).toBe(4242);
    }
  });

  it('passes text that only looks like a marker start', () => {
    const f = new StderrFilter(m, { ...opts, become: false, watchPrompt: false });
    f.push(Buffer.from(`${m.pgid.slice(0, 10)}x\n${m.pgid}7@@\n`));
    f.push(Buffer.from('@@MARSHAL'));
    expect(f.cleaned()).toBe(`${m.pgid.slice(0, 10)}x\n@@MARSHAL`);
  });

  it('bounds 64 MiB of stderr to the limit and scans it in linear time (old filter: 8 MB took 2.3 s, 32 MB 35 s)', () => {
    for (const become of [false, true]) {
      // become without BECOME-OK is the worst case: the filter never stops looking for it.
      const f = new StderrFilter(m, { pgid: true, become, watchPrompt: become, limit: 64 * 1024 });
      f.push(Buffer.from(`${m.pgid}1@@\n`));
      const chunk = Buffer.alloc(32 * 1024, 'a');
      const t0 = performance.now();
      for (let i = 0; i < 2048; i++) f.push(chunk);
      const ms = performance.now() - t0;
      const text = f.cleaned();
      expect(f.truncated).toBe(true);
      expect(text.length).toBeLessThan(65 * 1024 + 200);
      const at = text.indexOf('\n[marshal: ');
      expect(text.slice(at, at + 100)).toMatch(/^\n\[marshal: 63\.9 MiB of output omitted; limit 64 KiB per stream, set --max-output\]\na/);
      // ~0.1 s here; the quadratic filter needs minutes for 64 MiB. A wide margin for a loaded machine.
      expect(ms).toBeLessThan(20_000);
    }
  }, 60_000);
});
