import { execFileSync, spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkHostKey,
  fingerprint,
  hostFieldMatches,
  indexKnownHosts,
  keyTypeOf,
  knownHostName,
  type KnownHostEntry,
  parseKnownHosts,
  verifyHostKey,
} from '../../src/connection/known-hosts';

let dir: string;
const keys: { blob: Buffer; line: string; fp: string }[] = [];

function blobOf(pubLine: string): Buffer {
  return Buffer.from(pubLine.split(/\s+/)[1]!, 'base64');
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'marshal-kh-'));
  for (let i = 0; i < 2; i++) {
    const f = join(dir, `k${i}`);
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', '', '-f', f]);
    const line = readFileSync(`${f}.pub`, 'utf8').trim();
    const fp = execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', `${f}.pub`], { encoding: 'utf8' }).split(/\s+/)[1]!;
    keys.push({ blob: blobOf(line), line, fp });
  }
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('known_hosts parsing and matching', () => {
  it('computes the same SHA256 fingerprint as ssh-keygen', () => {
    for (const k of keys) expect(fingerprint(k.blob)).toBe(k.fp);
  });

  it('names non-22 ports in brackets', () => {
    expect(knownHostName('127.0.0.5', 22)).toBe('127.0.0.5');
    expect(knownHostName('Web1', 2222)).toBe('[web1]:2222');
  });

  it('matches comma lists, wildcards and negation', () => {
    expect(hostFieldMatches('a,b,[c]:2222', '[c]:2222')).toBe(true);
    expect(hostFieldMatches('a,b', 'c')).toBe(false);
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'ok.example.com')).toBe(true);
    expect(hostFieldMatches('*.example.com,!bad.example.com', 'bad.example.com')).toBe(false);
    expect(hostFieldMatches('10.0.0.?', '10.0.0.7')).toBe(true);
  });

  it('matches entries hashed by ssh-keygen -H', () => {
    const f = join(dir, 'hashed');
    writeFileSync(f, `[127.9.9.9]:2222 ${keys[0]!.line}\n`);
    execFileSync('ssh-keygen', ['-q', '-H', '-f', f]);
    const text = readFileSync(f, 'utf8');
    expect(text).toMatch(/^\|1\|/);
    const entries = parseKnownHosts(text, f);
    expect(checkHostKey([indexKnownHosts(entries)], ['[127.9.9.9]:2222'], keys[0]!.blob).status).toBe('known');
    expect(checkHostKey([indexKnownHosts(entries)], ['[127.9.9.9]:2223'], keys[0]!.blob).status).toBe('unknown');
    expect(checkHostKey([indexKnownHosts(entries)], ['[127.9.9.9]:2222'], keys[1]!.blob).status).toBe('changed');
  });

  it('the index finds what a scan of every line finds (a fleet-sized file, several files)', () => {
    // The straightforward scan the index replaces, kept here as the reference.
    const scan = (entries: KnownHostEntry[], name: string, blob: Buffer) => {
      const b64 = blob.toString('base64');
      const revoked = entries.find((e) => e.marker === 'revoked' && e.key === b64);
      if (revoked) return { status: 'revoked', line: revoked.line, file: revoked.file };
      const plain = entries.filter((e) => !e.marker && hostFieldMatches(e.hosts, name));
      const hit = plain.find((e) => e.key === b64) ?? plain.find((e) => e.keyType === keyTypeOf(blob));
      if (!hit) return { status: 'unknown' };
      return { status: hit.key === b64 ? 'known' : 'changed', line: hit.line, file: hit.file };
    };
    const k = (i: number) => keys[i % 2]!.line;
    const lines = Array.from({ length: 300 }, (_, i) => `10.1.${i >> 8}.${i & 255},H${i}.Example.com ${k(i)}`);
    const salt = Buffer.alloc(20, 7);
    const hashed = (name: string) => `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
    lines.push(`*.wild.test,!bad.wild.test ${k(1)}`, `10.1.0.7 ${k(1)}`, `@revoked 10.9.9.9 ${k(0)}`, `@cert-authority *.example.com ${k(1)}`, `10.1.0.?? ${k(0)}`);
    lines.push(`${hashed('secret.example.com')} ${k(1)}`, `${hashed('10.1.0.7')} ${k(0)}`);
    const a = parseKnownHosts(lines.join('\n'), 'a');
    const b = parseKnownHosts(`h5.example.com ${k(0)}\nother ${k(1)}\n`, 'b');
    const verdict = (v: ReturnType<typeof checkHostKey>) => (v.status === 'unknown' ? { status: 'unknown' } : { status: v.status, line: v.entry.line, file: v.entry.file });
    const names = ['secret.example.com', '10.1.0.7', '10.1.0.77', 'h5.example.com', 'H299.EXAMPLE.COM', 'x.wild.test', 'bad.wild.test', 'other', 'nowhere', '10.9.9.9'];
    for (const name of names) {
      for (const key of keys) {
        expect(verdict(checkHostKey([indexKnownHosts(a), indexKnownHosts(b)], [name], key.blob)), name).toEqual(scan([...a, ...b], name, key.blob));
      }
    }
  });

  it('refuses @revoked keys and ignores @cert-authority lines', () => {
    const text = `@cert-authority * ${keys[1]!.line}\n@revoked * ${keys[0]!.line}\n`;
    const entries = parseKnownHosts(text, 'kh');
    expect(checkHostKey([indexKnownHosts(entries)], ['h'], keys[0]!.blob)).toMatchObject({ status: 'revoked', entry: { line: 2 } });
    expect(checkHostKey([indexKnownHosts(entries)], ['h'], keys[1]!.blob).status).toBe('unknown');
  });

  it('skips comments, blank and malformed lines but keeps line numbers', () => {
    const entries = parseKnownHosts(`# c\n\nbroken\nh ${keys[0]!.line}\n`, 'kh');
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ line: 4, hosts: 'h', keyType: 'ssh-ed25519' });
  });
});

describe('verifyHostKey policies', () => {
  const req = (file: string, policy: 'strict' | 'accept-new' | 'off', k = 0) => ({
    hostLabel: 'web1', host: '127.9.9.1', port: 2222, keyBlob: keys[k]!.blob, files: [file], policy,
  });

  it('strict refuses an unknown key and names its fingerprint', async () => {
    const f = join(dir, 'strict');
    writeFileSync(f, '');
    const o = await verifyHostKey(req(f, 'strict'));
    expect(o.ok).toBe(false);
    expect(!o.ok && o.message).toContain(keys[0]!.fp);
    expect(!o.ok && o.message).toContain('web1');
  });

  it('accept-new records an unknown key once, then refuses a changed one with file:line', async () => {
    const f = join(dir, 'acceptnew');
    writeFileSync(f, '# header without newline');
    expect((await verifyHostKey(req(f, 'accept-new'))).ok).toBe(true);
    expect((await verifyHostKey(req(f, 'accept-new'))).ok).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe(`# header without newline\n[127.9.9.1]:2222 ${keys[0]!.line}\n`);
    const changed = await verifyHostKey(req(f, 'accept-new', 1));
    expect(changed.ok).toBe(false);
    const msg = !changed.ok ? changed.message : '';
    expect(msg).toContain('REMOTE HOST IDENTIFICATION HAS CHANGED');
    expect(msg).toContain('man-in-the-middle');
    expect(msg).toContain(`${f}:2`);
    expect(msg).toContain(keys[0]!.fp);
    expect(msg).toContain(keys[1]!.fp);
  });

  it('off accepts anything and writes nothing', async () => {
    const f = join(dir, 'off');
    writeFileSync(f, '');
    expect((await verifyHostKey(req(f, 'off', 1))).ok).toBe(true);
    expect(readFileSync(f, 'utf8')).toBe('');
  });

  it('accept-new from several processes at once writes each host exactly once', async () => {
    const f = join(dir, 'multi');
    const script = `
      require('ts-node').register({ transpileOnly: true, compilerOptions: { module: 'node16' } });
      const { verifyHostKey } = require(${JSON.stringify(join(__dirname, '../../src/connection/known-hosts.ts'))});
      const key = Buffer.from(process.argv[1], 'base64');
      const fs = require('node:fs');
      // Start together: wait for the parent's go file so every process races for the same hosts.
      process.stdout.write('ready\\n');
      (async () => {
      while (!fs.existsSync(process.argv[2] + '.go')) await new Promise((r) => setTimeout(r, 2));
      await Promise.all(Array.from({ length: 30 }, (_, i) => verifyHostKey({
        hostLabel: 'h' + i, host: '127.8.0.' + (i + 1), port: 2222, keyBlob: key, files: [process.argv[2]], policy: 'accept-new',
      }))).then((rs) => { if (!rs.every((r) => r.ok)) { console.error(JSON.stringify(rs)); process.exit(1); } });
      })();
    `;
    let ready = 0;
    let allReady!: () => void;
    const readyP = new Promise<void>((r) => (allReady = r));
    const runs = Array.from({ length: 3 }, () =>
      new Promise<number>((resolve) => {
        const c = spawn(process.execPath, ['-e', script, keys[0]!.blob.toString('base64'), f], { stdio: ['ignore', 'pipe', 'inherit'] });
        c.stdout.once('data', () => {
          if (++ready === 3) allReady();
        });
        c.on('exit', (code) => {
          allReady(); // a child that died early must not leave us waiting
          resolve(code ?? -1);
        });
      }),
    );
    await readyP;
    writeFileSync(`${f}.go`, '');
    // ...and this process joins in at the same time.
    const mine = Promise.all(
      Array.from({ length: 30 }, (_, i) => verifyHostKey({ ...req(f, 'accept-new'), host: `127.8.0.${i + 1}` })),
    );
    expect(await Promise.all(runs)).toEqual([0, 0, 0]);
    expect((await mine).every((o) => o.ok)).toBe(true);
    const lines = readFileSync(f, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(30);
    expect(new Set(lines).size).toBe(30);
    for (const l of lines) expect(l).toMatch(/^\[127\.8\.0\.\d+\]:2222 ssh-ed25519 [A-Za-z0-9+/=]+$/);
  });
});
