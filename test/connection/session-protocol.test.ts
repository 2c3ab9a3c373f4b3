import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { specFromHostVars } from '../../src/connection/spec';
import { parseSessionMode } from '../../src/connection/session';
import { bootstrapCommand, encodeRequest, FrameParser, sessionScript, type FrameEvent } from '../../src/connection/session-protocol';

const TOKEN = '0123456789abcdef';

/** Feeds `bytes` in chunks of the given sizes (cycled) and joins what comes out. */
function parse(bytes: Buffer, sizes: number[]): { events: FrameEvent[]; stdout: Buffer; stderr: Buffer } {
  const p = new FrameParser(TOKEN);
  const events: FrameEvent[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    events.push(...p.push(bytes.subarray(at, at + n)));
    at += n;
  }
  const join = (t: 'stdout' | 'stderr') => Buffer.concat(events.flatMap((e) => (e.type === t ? [e.chunk] : [])));
  return { events, stdout: join('stdout'), stderr: join('stderr') };
}

function reply(status: number, out: Buffer, err: Buffer): Buffer {
  return Buffer.concat([Buffer.from(`S 4242\nX ${status} ${out.length} ${err.length}\n`), out, err]);
}

const hello = Buffer.from(`motd banner\n@@MARSHAL-SESSION:${TOKEN}:77@@\n`);

describe('session framing (client side)', () => {
  it('keeps any bytes, split anywhere: binary, no trailing newline, empty, and lines that look like headers', () => {
    const out = Buffer.concat([randomBytes(5000), Buffer.from('\nX 0 0 0\nS 1\n'), Buffer.from([0, 255, 10])]);
    const err = Buffer.from('no newline at the end');
    const stream = Buffer.concat([hello, reply(3, out, err), reply(0, Buffer.alloc(0), Buffer.alloc(0))]);
    for (const sizes of [[1], [2, 7], [4096], [stream.length]]) {
      const r = parse(stream, sizes);
      expect(r.stdout).toEqual(out);
      expect(r.stderr).toEqual(err);
      const kinds = r.events.filter((e) => e.type !== 'stdout' && e.type !== 'stderr').map((e) => e.type);
      expect(kinds).toEqual(['hello', 'started', 'exit', 'end', 'started', 'exit', 'end']);
      expect(r.events.find((e) => e.type === 'exit')).toMatchObject({ status: 3, stdoutBytes: out.length, stderrBytes: err.length });
      expect(r.events[0]).toEqual({ type: 'hello', pid: 77 });
    }
  });

  it('passes 100 MB through in chunks without holding it', () => {
    const p = new FrameParser(TOKEN);
    p.push(hello);
    const size = 100 * 1024 * 1024;
    p.push(Buffer.from(`S 1\nX 0 ${size} 0\n`));
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let seen = 0;
    let end = false;
    for (let i = 0; i < 100; i++) {
      for (const e of p.push(chunk)) {
        if (e.type === 'stdout') seen += e.chunk.length;
        if (e.type === 'end') end = true;
      }
    }
    expect(seen).toBe(size);
    expect(end).toBe(true);
  });

  it('refuses a malformed reply instead of guessing', () => {
    const p = new FrameParser(TOKEN);
    p.push(hello);
    expect(() => p.push(Buffer.from('garbage\n'))).toThrow(/malformed session reply/);
    const q = new FrameParser(TOKEN);
    q.push(hello);
    expect(() => q.push(Buffer.alloc(100, 0x41))).toThrow(/no header line/);
  });

  it('encodes a request as a header with byte lengths (multi-byte text counted in bytes)', () => {
    const parts = encodeRequest('echo é\necho 2', Buffer.from([0, 1]));
    expect(Buffer.concat(parts)).toEqual(Buffer.concat([Buffer.from('L 2 2\necho é\necho 2\n'), Buffer.from([0, 1])]));
    expect(Buffer.concat(encodeRequest('true\n', undefined)).toString()).toBe('L 1 0\ntrue\n');
    const big = `: ${'é'.repeat(5000)}`;
    expect(Buffer.concat(encodeRequest(big, undefined)).toString()).toBe(`B ${Buffer.byteLength(big)} 0\n${big}`);
  });

  it('bootstraps with a command line any login shell passes on unchanged', () => {
    const cmd = bootstrapCommand(sessionScript(TOKEN));
    expect(cmd).toMatch(/^exec \/bin\/sh -c 'eval "\$\(head -c \d+\)"'$/);
    expect(cmd.slice(cmd.indexOf("'") + 1, -1)).not.toMatch(/['\\!\n]/);
  });
});

describe('session loop (the sh script, run locally by /bin/sh)', () => {
  it('answers requests with exact frames: any bytes, stdin, exit status, own process group', () => {
    const script = sessionScript(TOKEN);
    const bin = randomBytes(3000);
    const input = Buffer.concat([
      Buffer.from(script),
      ...encodeRequest('cat; echo err >&2; exit 5', bin),
      ...encodeRequest('printf x; ps -o pgid= -p $$ >&2', undefined),
      ...encodeRequest(`printf '%s' '${'y'.repeat(9000)}'\n  echo '  two \\ lines '`, undefined),
    ]);
    const raw = execFileSync('/bin/sh', ['-c', bootstrapCommand(script).replace(/^exec \/bin\/sh -c '(.*)'$/, '$1')], { input, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', TMPDIR: '/tmp' } });
    const r = parse(raw, [raw.length]);
    const exits = r.events.filter((e) => e.type === 'exit');
    expect(exits).toMatchObject([{ status: 5 }, { status: 0 }, { status: 0 }]);
    const pgids = r.events.flatMap((e) => (e.type === 'started' ? [e.pgid] : []));
    expect(r.stdout).toEqual(Buffer.concat([bin, Buffer.from(`x${'y'.repeat(9000)}  two \\ lines \n`)]));
    const [first, second] = r.stderr.toString().split('\n');
    expect(first).toBe('err');
    expect(Number(second!.trim())).toBe(pgids[1]); // the command leads its own process group
  });
});

describe('the session setting', () => {
  it('reads marshal_session from the inventory and names the host and variable when it is wrong', () => {
    expect(specFromHostVars('h1', { marshal_session: 'persistent' }).session).toBe('persistent');
    expect(specFromHostVars('h1', { marshal_session: 'exec' }).session).toBe('exec');
    expect(specFromHostVars('h1', {}).session).toBeUndefined();
    expect(() => specFromHostVars('h1', { marshal_session: 'mitogen' })).toThrow('host h1: marshal_session must be one of persistent, exec, got "mitogen"');
  });

  it('refuses a bad MARSHAL_SESSION by name instead of silently using exec', () => {
    expect(() => parseSessionMode('fast', 'MARSHAL_SESSION')).toThrow(/MARSHAL_SESSION must be one of persistent, exec, got "fast"/);
  });
});
