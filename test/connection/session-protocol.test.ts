import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { specFromHostVars } from '../../src/connection/spec';
import { parseSessionMode } from '../../src/connection/session';
import { bootstrapCommand, encodeRequest, endId, EndScanner, HelloScanner, sessionScript } from '../../src/connection/session-protocol';

const TOKEN = '0123456789abcdef';
const KEY = 'ffeeddccbbaa99887766554433221100';
/** The end id of the first request of a session keyed KEY. */
const NONCE = endId(KEY, 1);
const PGID = '@@MARSHAL:0011223344556677:PGID=';

/** Feeds `bytes` to a scanner in chunks of the given sizes (cycled): the data passed on, the end, what followed. */
function scan(s: EndScanner, bytes: Buffer, sizes: number[]): { data: Buffer; rest?: Buffer } {
  const data: Buffer[] = [];
  for (let at = 0, k = 0; at < bytes.length; k++) {
    const n = sizes[k % sizes.length]!;
    const r = s.push(bytes.subarray(at, at + n));
    data.push(Buffer.from(r.data));
    at += n;
    if (r.rest) return { data: Buffer.concat(data), rest: Buffer.concat([r.rest, bytes.subarray(at)]) };
  }
  return { data: Buffer.concat(data) };
}

describe('session framing (client side)', () => {
  it('passes any bytes through, split anywhere, up to the end marker: binary, no trailing newline, empty, look-alike markers', () => {
    const out = Buffer.concat([randomBytes(5000), Buffer.from(`\n@@MARSHAL-END:${'0'.repeat(32)}:1:0@@\n@@MARSHAL-END:${endId(KEY, 11)}:0@@\n@@MARSHAL-END:${endId(KEY, 1)}@@\n@@MARSHAL-END:`), Buffer.from([0, 255])]);
    for (const body of [out, Buffer.alloc(0), Buffer.from('no newline')]) {
      const stream = Buffer.concat([body, Buffer.from(`@@MARSHAL-END:${NONCE}:3@@\nnext`)]);
      for (const sizes of [[1], [2, 7], [4096], [stream.length]]) {
        const s = new EndScanner(NONCE, true);
        const r = scan(s, stream, sizes);
        expect(r.data).toEqual(body);
        expect(r.rest?.toString()).toBe('next');
        expect(s.status).toBe(3);
        expect(s.ended).toBe(true);
      }
    }
    const err = new EndScanner(NONCE, false);
    expect(scan(err, Buffer.from(`oops@@MARSHAL-END:${NONCE}@@\n`), [3])).toEqual({ data: Buffer.from('oops'), rest: Buffer.alloc(0) });
    // a line that does not start the marker is passed on at once (the pgid line must not wait)
    expect(new EndScanner(NONCE, false).push(Buffer.from('@@MARSHAL:x:PGID=12@@\n')).data.toString()).toBe('@@MARSHAL:x:PGID=12@@\n');
    expect(new EndScanner(NONCE, false).push(Buffer.from('abc@@MARSH')).data.toString()).toBe('abc');
  });

  it('passes 100 MB through in chunks, holding back no more than a marker', () => {
    const s = new EndScanner(NONCE, true);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    let seen = 0;
    for (let i = 0; i < 100; i++) seen += s.push(chunk).data.length;
    expect(seen).toBe(100 * chunk.length); // nothing that could start the marker is held back
    const r = s.push(Buffer.from(`@@MARSHAL-END:${NONCE}:0@@\n`));
    expect(seen + r.data.length).toBe(100 * chunk.length);
    expect(s.ended).toBe(true);
  });

  it('refuses a malformed end marker instead of guessing', () => {
    expect(() => new EndScanner(NONCE, true).push(Buffer.from(`@@MARSHAL-END:${NONCE}:12x@@\n`))).toThrow(/malformed session end marker/);
  });

  it('finds the hello after a login banner, split anywhere', () => {
    const bytes = Buffer.from(`Welcome!\n@@MARSHAL-SESSION:${TOKEN}:77@@\nrest`);
    for (const n of [1, 5, bytes.length]) {
      const h = new HelloScanner(TOKEN);
      let got: { pid: number; rest: Buffer } | undefined;
      for (let at = 0; at < bytes.length && !got; at += n) got = h.push(bytes.subarray(at, at + n));
      expect(got?.pid).toBe(77);
    }
  });

  it('encodes a request as a header with counts (lines for small commands, bytes for large ones)', () => {
    const parts = encodeRequest('echo é\necho 2', Buffer.from([0, 1]));
    expect(Buffer.concat(parts)).toEqual(Buffer.concat([Buffer.from(`L 2 2 l\necho é\necho 2\n`), Buffer.from([0, 1])]));
    expect(Buffer.concat(encodeRequest('true\n', undefined, true)).toString()).toBe(`L 1 0 p\ntrue\n`);
    const big = `: ${'é'.repeat(5000)}`;
    expect(Buffer.concat(encodeRequest(big, undefined)).toString()).toBe(`B ${Buffer.byteLength(big)} 0 l\n${big}`);
  });

  it('bootstraps with a command line any login shell passes on unchanged', () => {
    const cmd = bootstrapCommand(sessionScript(TOKEN, PGID));
    expect(cmd).toMatch(/^exec \/bin\/sh -c 's="\$\(head -c \d+\)"; .*eval "\$s"'$/);
    expect(cmd.slice(cmd.indexOf("'") + 1, -1)).not.toMatch(/['\\!\n]/);
  });
});

/** Runs the loop under `shell` with these requests on stdin; per request its stdout, stderr (pgid line apart), status. */
function runLoop(shell: string, requests: Buffer[][]) {
  const r = spawnSync(shell, [...(shell === 'bash' ? ['--norc'] : []), '-c', sessionScript(TOKEN, PGID), 'bash'], { input: Buffer.concat([Buffer.from(`${KEY}\n`), ...requests.flat()]), env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SHELL: '/bin/sh' } });
  let out: Buffer = new HelloScanner(TOKEN).push(r.stdout)!.rest;
  let err: Buffer = r.stderr;
  const results = requests.map((_, k) => {
    const n = endId(KEY, k + 1);
    const o = new EndScanner(n, true);
    const e = new EndScanner(n, false);
    const ro = o.push(out);
    const re = e.push(err);
    out = ro.rest!;
    err = re.rest!;
    const m = new RegExp(`^${PGID}(\\d+)@@\n`).exec(re.data.toString());
    return { stdout: ro.data, stderr: re.data.toString().slice(m?.[0].length ?? 0), status: o.status, pgid: Number(m?.[1]) };
  });
  return { results, left: out.length + err.length, loop: r };
}

describe('session loop (the sh script, run locally by dash and by bash)', () => {
  const hasBash = spawnSync('bash', ['-c', 'true']).status === 0;
  for (const shell of ['/bin/sh', ...(hasBash ? ['bash'] : [])]) {
    it(`${shell}: runs requests one after another: any bytes, stdin, exit status, large command text, own process group`, () => {
      const bin = randomBytes(3000);
      const { results, left } = runLoop(shell, [
        encodeRequest('cat; echo err >&2; exit 5', bin),
        encodeRequest('printf x; ps -o pgid= -p $$ >&2', undefined),
        encodeRequest(`printf '%s' '${'y'.repeat(9000)}'\n  echo '  two \\ lines '`, undefined),
        // portable: bash evals it in the command's subshell, which the exec keeps (same pid, own group)
        encodeRequest("exec /bin/sh -c 'ps -o pid=,pgid= -p $$'", undefined, true),
        // killed by a signal: bash's "Killed" report about its job is not the command's stderr
        encodeRequest('echo before >&2; kill -9 $$', undefined),
        // the key is the loop's alone: neither kind of command sees it
        encodeRequest('echo "k=${key:-}"', undefined, true),
        encodeRequest('echo "k=${key:-}"', undefined),
      ]);
      expect(results[0]).toMatchObject({ stdout: bin, stderr: 'err\n', status: 5 });
      expect(results[1]!.stdout.toString()).toBe('x');
      const pgid = Number(results[1]!.stderr.trim());
      expect(pgid).toBe(results[1]!.pgid); // the pgid line names the command's group
      expect(pgid).not.toBe(process.pid); // its own process group
      expect(results[2]).toMatchObject({ stdout: Buffer.from(`${'y'.repeat(9000)}  two \\ lines \n`), stderr: '', status: 0 });
      const [pid, group] = results[3]!.stdout.toString().trim().split(/\s+/).map(Number);
      expect([pid, group]).toEqual([results[3]!.pgid, results[3]!.pgid]);
      expect(results[4]).toMatchObject({ stderr: 'before\n', status: 137 });
      expect(results.slice(5).map((r) => r.stdout.toString())).toEqual(['k=\n', 'k=\n']);
      expect(left).toBe(0);
    });
  }

  it('the bootstrap reads the loop from stdin and runs it (under bash when there is one)', () => {
    const script = sessionScript(TOKEN, PGID);
    const nonce = endId(KEY, 1);
    const r = spawnSync('/bin/sh', ['-c', bootstrapCommand(script).replace(/^exec \/bin\/sh -c '(.*)'$/, '$1')], {
      input: Buffer.concat([Buffer.from(`${script}${KEY}\n`), ...encodeRequest('echo "${BASH_VERSION:+bash}"', undefined)]),
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SHELL: '/bin/sh' },
    });
    const out = new EndScanner(nonce, true).push(new HelloScanner(TOKEN).push(r.stdout)!.rest);
    expect(out.data.toString()).toBe('\n'); // the command itself ran by $SHELL (/bin/sh), not the loop's shell
    expect(r.stderr.toString()).toMatch(new RegExp(`^${PGID}\\d+@@\n`));
  });
});

describe('session loop: temp dirs of loops killed without their trap', () => {
  it('a new loop removes the dirs of dead loops (named by pid) and keeps live ones and its own', () => {
    const tmp = mkdtempSync(join(tmpdir(), 'marshal-session-sweep-'));
    try {
      const dead = spawnSync('/bin/sh', ['-c', 'echo $$']).stdout.toString().trim(); // a pid that has exited
      mkdirSync(join(tmp, `marshal-session.${dead}.AbCdEf`));
      mkdirSync(join(tmp, `marshal-session.${process.pid}.GhIjKl`));
      const script = sessionScript(TOKEN, PGID);
      const input = Buffer.concat([Buffer.from(`${script}${KEY}\n`), ...encodeRequest('ls "$TMPDIR"', 'stdin makes a dir')]);
      const r = spawnSync('/bin/sh', ['-c', bootstrapCommand(script).replace(/^exec \/bin\/sh -c '(.*)'$/, '$1')], { input, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SHELL: '/bin/sh', TMPDIR: tmp } });
      const listed = r.stdout.toString();
      expect(listed).not.toContain(`marshal-session.${dead}.`);
      expect(listed).toContain(`marshal-session.${process.pid}.GhIjKl`);
      expect(listed).toMatch(/marshal-session\.\d+\.\w{6}\n(.|\n)*marshal-session/); // its own, named by its pid
      // its own dir went with its EXIT trap; the live one stays
      expect(readdirSync(tmp)).toEqual([`marshal-session.${process.pid}.GhIjKl`]);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
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
