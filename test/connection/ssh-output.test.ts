/** Output over a real sshd: bounded per stream, binary-safe; commands no host can run are refused up front. */
import { describe, expect, it } from 'vitest';
import { sh } from '../../src/dsl/command';
import { StepFailure } from '../../src/errors';
import { LocalConnection } from '../../src/connection/local';
import { MAX_COMMAND_BYTES, wrapCommand } from '../../src/connection/wrap';
import { createHostContext, type StepRecorder } from '../../src/lifecycle/context';
import type { Connection } from '../../src/connection/types';
import { connectedHost } from './helpers';

const host = connectedHost();

describe('bounded output', () => {
  it('keeps head and tail of 32 MB of stderr, says what it dropped, and takes seconds, not the old 35 s', async () => {
    const t0 = performance.now();
    const r = await host.conn.exec("printf 'first\\n' >&2; head -c 32000000 /dev/zero | tr '\\0' a >&2; printf '\\nlast\\n' >&2", { maxOutputBytes: 64 * 1024 });
    const secs = (performance.now() - t0) / 1000;
    expect(r.truncated).toBe(true);
    expect(r.stderr.length).toBeLessThan(65 * 1024 + 200);
    expect(r.stderr.startsWith('first\naaa')).toBe(true);
    expect(r.stderr.endsWith('aaa\nlast\n')).toBe(true);
    const at = r.stderr.indexOf('\n[marshal: ');
    expect(r.stderr.slice(at, at + 100)).toMatch(/^\n\[marshal: 30\.5 MiB of output omitted; limit 64 KiB per stream, set --max-output\]\n/);
    expect(secs).toBeLessThan(30); // ~1 s here; a wide margin for a loaded 2-core machine
  }, 60_000);

  it('bounds stdout the same way and keeps its raw bytes (default limit 1 MiB)', async () => {
    const r = await host.conn.exec('head -c 5000000 /dev/zero');
    expect(r.truncated).toBe(true);
    expect(r.stdoutBytes!.length).toBe(1024 * 1024);
    expect(r.stdout).toContain('[marshal: 3.8 MiB of output omitted; limit 1 MiB per stream, set --max-output]');
    const small = await host.conn.exec("printf '\\377\\000\\200'");
    expect(small.truncated).toBeUndefined();
    expect([...small.stdoutBytes!]).toEqual([0xff, 0x00, 0x80]);
  });

  it('h.put of a binary Buffer (all 256 byte values) is changed once, then ok', async () => {
    const recorder: StepRecorder = { phase: 'run', commands: [], notes: [], warnings: [], diffs: [] };
    const h = createHostContext({
      name: 'host1', address: host.fleet.hosts[0]!.address, vars: {}, groups: [], registered: {}, checkMode: false, diffMode: false,
      templatesDir: undefined, connection: async () => host.conn as Connection, become: undefined, becomeFor: () => undefined,
      signal: new AbortController().signal, recorder, log: { info() {}, warn() {}, debug() {} },
    });
    const bytes = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await host.conn.exec('rm -f /root/bin.dat');
    expect(await h.put('/root/bin.dat', bytes)).toEqual({ changed: true });
    expect(await h.put('/root/bin.dat', bytes)).toEqual({ changed: false });
    expect((await host.conn.exec('sha256sum < /root/bin.dat')).stdout.slice(0, 16)).toBe('40aff2e9d2d8922e');
    // A file longer than the capture limit is still compared correctly (read up to the new content's size).
    const big = Buffer.alloc(3 * 1024 * 1024, 7);
    expect(await h.put('/root/big.dat', big)).toEqual({ changed: true });
    expect(await h.put('/root/big.dat', big)).toEqual({ changed: false });
  }, 30_000);
});

describe('commands no host can run', () => {
  const conns = (): [string, Connection][] => [['ssh', host.conn], ['local', new LocalConnection({ name: 'here', transport: 'local', host: 'localhost' })]];

  it('refuses a NUL byte or an oversized command before sending it, with a short message, and stays usable', async () => {
    for (const [kind, conn] of conns()) {
      for (const cmd of [`echo a\0b`, `printf %s ${'x'.repeat(2_000_000)}`]) {
        const err = await conn.exec(cmd).catch((e: unknown) => e);
        expect(err, kind).toBeInstanceOf(StepFailure);
        const f = err as StepFailure;
        expect(f.kind).toBe('error');
        expect(f.message).toMatch(/command not sent: it (contains a NUL byte|is 1\.9 MiB long; a host runs at most 131071 bytes)/);
        expect(f.message).toContain('on stdin');
        expect(f.message.length).toBeLessThan(800);
        expect(f.command!.length).toBeLessThan(300);
      }
      expect((await conn.exec('echo still')).stdout, kind).toBe('still\n');
    }
  });

  it('runs the longest command that fits (131071 bytes after wrapping), measured limit', async () => {
    const markers = (host.conn as unknown as { markers: Parameters<typeof wrapCommand>[1] }).markers;
    const base = sh`echo ok; : `.text;
    const overhead = wrapCommand({ command: base, reportPgid: true }, markers).text.length - base.length;
    const fits = base + 'x'.repeat(MAX_COMMAND_BYTES - overhead - base.length);
    expect((await host.conn.exec(fits)).stdout).toBe('ok\n');
    await expect(host.conn.exec(`${fits}x`)).rejects.toMatchObject({ kind: 'error' });
  });
});
