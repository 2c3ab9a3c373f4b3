/**
 * known_hosts checking as OpenSSH does it: plain, hashed (`|1|salt|hmac`), `[host]:port`,
 * comma lists, wildcards and negation, `@revoked` (refuse), `@cert-authority` (ignored).
 * Under accept-new an unknown key is appended under an in-process mutex plus an O_EXCL
 * lock file, so many hosts connecting at once (from one process or several) never
 * duplicate or tear lines.
 */
import { sleep } from '../util/async';
import { createHash, createHmac } from 'node:crypto';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { HostKeyPolicy } from './types';
import { globMatch } from '../util/glob';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker?: 'revoked' | 'cert-authority';
  /** The host field as written (patterns, or a hashed `|1|...` token). */
  hosts: string;
  keyType: string;
  /** base64 of the public key blob. */
  key: string;
}

/** OpenSSH's fingerprint form: `SHA256:` + unpadded base64 of the key blob's SHA-256. */
export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type name at the start of an SSH wire-format public key blob. */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return 'unknown';
  const len = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + len).toString('latin1');
}

/** The name known_hosts uses for host:port: bare for 22, `[host]:port` otherwise. */
export function knownHostName(host: string, port: number): string {
  return port === 22 ? host.toLowerCase() : `[${host.toLowerCase()}]:${port}`;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((rawLine, i) => {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) return;
    const fields = line.split(/\s+/);
    let marker: KnownHostEntry['marker'];
    if (fields[0]?.startsWith('@')) {
      const m = fields.shift();
      if (m === '@revoked') marker = 'revoked';
      else if (m === '@cert-authority') marker = 'cert-authority';
      else return; // unknown marker: OpenSSH skips the line
    }
    const [hosts, keyType, key] = fields;
    if (!hosts || !keyType || !key) return;
    const entry: KnownHostEntry = { file, line: i + 1, hosts, keyType, key };
    if (marker) entry.marker = marker;
    out.push(entry);
  });
  return out;
}

function hashedMatches(token: string, name: string): boolean {
  const parts = token.split('|'); // ['', '1', salt, hmac]
  if (parts.length !== 4 || parts[1] !== '1') return false;
  const salt = Buffer.from(parts[2] ?? '', 'base64');
  const mac = createHmac('sha1', salt).update(name).digest('base64');
  return mac === parts[3];
}

/** Does the host field of an entry name `name` (already in known_hosts form)? */
export function hostFieldMatches(field: string, name: string): boolean {
  if (field.startsWith('|')) return hashedMatches(field, name);
  let matched = false;
  for (const pat of field.split(',')) {
    if (pat === '') continue;
    const negated = pat.startsWith('!');
    const p = negated ? pat.slice(1) : pat;
    // Most patterns are literal names: compare them without building a RegExp per entry.
    const hit = /[*?]/.test(p) ? globMatch(p, name, { classes: false, ignoreCase: true }) : p.toLowerCase() === name.toLowerCase();
    if (hit) {
      if (negated) return false; // a matching negation wins over any positive match
      matched = true;
    }
  }
  return matched;
}

export type HostKeyVerdict =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown'; otherTypes?: string[] }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/**
 * known_hosts entries indexed for lookup: literal names in a map, and only the entries that
 * need matching (hashed, wildcard, negated) scanned per host. A fleet's known_hosts has a line
 * per host; scanning all of them for each of N hosts is O(N²) inside every handshake.
 */
export interface KnownHostsIndex {
  entries: KnownHostEntry[];
  byName: Map<string, number[]>;
  patterned: number[];
  revoked: Map<string, KnownHostEntry>;
}

export function indexKnownHosts(entries: KnownHostEntry[]): KnownHostsIndex {
  const byName = new Map<string, number[]>();
  const patterned: number[] = [];
  const revoked = new Map<string, KnownHostEntry>();
  entries.forEach((e, i) => {
    if (e.marker === 'revoked') {
      if (!revoked.has(e.key)) revoked.set(e.key, e);
      return;
    }
    if (e.marker === 'cert-authority') return;
    if (e.hosts.startsWith('|') || /[*?!]/.test(e.hosts)) {
      patterned.push(i);
      return;
    }
    for (const name of new Set(e.hosts.toLowerCase().split(','))) {
      if (name === '') continue;
      const list = byName.get(name);
      if (list) list.push(i);
      else byName.set(name, [i]);
    }
  });
  return { entries, byName, patterned, revoked };
}

/** Checks a presented key against the indexed known_hosts files, in order, for the given names (first one is primary). */
export function checkHostKey(indexes: KnownHostsIndex[], names: string[], keyBlob: Buffer): HostKeyVerdict {
  const b64 = keyBlob.toString('base64');
  const type = keyTypeOf(keyBlob);
  for (const index of indexes) {
    const revoked = index.revoked.get(b64);
    if (revoked) return { status: 'revoked', entry: revoked };
  }
  const plain: KnownHostEntry[] = [];
  for (const index of indexes) {
    // Candidates in file order, as a scan of every line would find them.
    const hits = new Set<number>();
    for (const n of names) for (const i of index.byName.get(n.toLowerCase()) ?? []) hits.add(i);
    for (const i of index.patterned) if (names.some((n) => hostFieldMatches(index.entries[i]!.hosts, n))) hits.add(i);
    for (const i of [...hits].sort((a, b) => a - b)) plain.push(index.entries[i]!);
  }
  const same = plain.find((e) => e.key === b64);
  if (same) return { status: 'known', entry: same };
  // As OpenSSH: only a different key of the SAME type is a changed key. Keys of other types
  // (e.g. only RSA from `ssh-keyscan -t rsa`) leave this type unknown.
  const other = plain.find((e) => e.keyType === type);
  if (other) return { status: 'changed', entry: other };
  return plain.length > 0 ? { status: 'unknown', otherTypes: [...new Set(plain.map((e) => e.keyType))] } : { status: 'unknown' };
}

/** Host key algorithms (ssh2 names) that verify each known_hosts key type. */
const ALGORITHMS_FOR_TYPE: Record<string, string[]> = {
  'ssh-rsa': ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'],
  'ssh-ed25519': ['ssh-ed25519'],
  'ecdsa-sha2-nistp256': ['ecdsa-sha2-nistp256'],
  'ecdsa-sha2-nistp384': ['ecdsa-sha2-nistp384'],
  'ecdsa-sha2-nistp521': ['ecdsa-sha2-nistp521'],
};

/**
 * The host key algorithms to offer, as OpenSSH orders them: those of the key types known_hosts
 * holds for this host first (so a server with several keys shows one we can check), the others
 * after; undefined (ssh2's default) when nothing is known for the host.
 */
export function hostKeyAlgorithms(files: string[], host: string, port: number, defaults: readonly string[]): { algorithms: string[]; knownTypes: string[] } | undefined {
  const names = [knownHostName(host, port)];
  const types: string[] = [];
  for (const index of files.map((f) => loadKnownHosts(f))) {
    const hits = new Set<number>();
    for (const i of index.byName.get(names[0]!) ?? []) hits.add(i);
    for (const i of index.patterned) if (hostFieldMatches(index.entries[i]!.hosts, names[0]!)) hits.add(i);
    for (const i of [...hits].sort((a, b) => a - b)) types.push(index.entries[i]!.keyType);
  }
  const known = [...new Set(types)].flatMap((t) => ALGORITHMS_FOR_TYPE[t] ?? []).filter((a) => defaults.includes(a));
  if (known.length === 0) return undefined;
  return { algorithms: [...new Set([...known, ...defaults])], knownTypes: [...new Set(types)] };
}

const cache = new Map<string, { mtimeMs: number; size: number; index: KnownHostsIndex }>();

/** Reads, parses and indexes a known_hosts file, reusing the work while the file is unchanged. */
export function loadKnownHosts(file: string): KnownHostsIndex {
  let st;
  try {
    st = statSync(file);
  } catch {
    return indexKnownHosts([]);
  }
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === st.mtimeMs && hit.size === st.size) return hit.index;
  const index = indexKnownHosts(parseKnownHosts(readFileSync(file, 'utf8'), file));
  cache.set(file, { mtimeMs: st.mtimeMs, size: st.size, index });
  return index;
}

export interface VerifyRequest {
  /** Inventory name, for messages. */
  hostLabel: string;
  host: string;
  port: number;
  keyBlob: Buffer;
  files: string[];
  policy: HostKeyPolicy;
}

export type VerifyOutcome = { ok: true; added?: { file: string; line: string }; entry?: KnownHostEntry } | { ok: false; message: string };

function changedMessage(req: VerifyRequest, entry: KnownHostEntry): string {
  const name = knownHostName(req.host, req.port);
  return [
    `${req.hostLabel}: REMOTE HOST IDENTIFICATION HAS CHANGED for ${name}!`,
    'IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY: possible man-in-the-middle attack, or the host key was just changed.',
    `Offending ${entry.keyType} key in ${entry.file}:${entry.line} (expected ${fingerprint(Buffer.from(entry.key, 'base64'))})`,
    `The server presented ${keyTypeOf(req.keyBlob)} key ${fingerprint(req.keyBlob)}.`,
    `Remove the old entry (ssh-keygen -R '${name}' -f ${entry.file}) if the change is expected.`,
  ].join('\n');
}

function verdictOutcome(req: VerifyRequest, v: HostKeyVerdict): VerifyOutcome | undefined {
  switch (v.status) {
    case 'known':
      return { ok: true, entry: v.entry };
    case 'revoked':
      return { ok: false, message: `${req.hostLabel}: host key ${fingerprint(req.keyBlob)} for ${knownHostName(req.host, req.port)} is marked @revoked in ${v.entry.file}:${v.entry.line}` };
    case 'changed':
      return { ok: false, message: changedMessage(req, v.entry) };
    case 'unknown':
      return undefined;
  }
}

function lookup(req: VerifyRequest): HostKeyVerdict {
  const names = [knownHostName(req.host, req.port)];
  return checkHostKey(
    req.files.map((f) => loadKnownHosts(f)),
    names,
    req.keyBlob,
  );
}

/** Verifies a server's host key under the given policy; may append under accept-new. */
export async function verifyHostKey(req: VerifyRequest): Promise<VerifyOutcome> {
  if (req.policy === 'off') return { ok: true };
  const verdict = lookup(req);
  const first = verdictOutcome(req, verdict);
  if (first) return first;
  const file = req.files[0];
  if (req.policy === 'strict' || !file) {
    const others = verdict.status === 'unknown' && verdict.otherTypes ? ` (known_hosts has only ${verdict.otherTypes.join(', ')} keys for it)` : '';
    return {
      ok: false,
      message: `${req.hostLabel}: host key for ${knownHostName(req.host, req.port)} is not known (${keyTypeOf(req.keyBlob)} ${fingerprint(req.keyBlob)})${others}` +
        (req.policy === 'strict' ? ` and host key checking is strict; add it to ${file ?? 'a known_hosts file'} or use accept-new` : ': no known_hosts file to record it in'),
    };
  }
  return withFileLock(file, () => {
    // Another connection (or process) may have recorded this host while we waited.
    cache.delete(file);
    const again = verdictOutcome(req, lookup(req));
    if (again) return again;
    const line = `${knownHostName(req.host, req.port)} ${keyTypeOf(req.keyBlob)} ${req.keyBlob.toString('base64')}`;
    appendLine(file, line);
    cache.delete(file);
    return { ok: true, added: { file, line } };
  });
}

function appendLine(file: string, line: string): void {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  let prefix = '';
  if (existsSync(file)) {
    const size = statSync(file).size;
    if (size > 0) {
      const fd = openSync(file, 'r');
      const last = Buffer.alloc(1);
      try {
        readSync(fd, last, 0, 1, size - 1);
      } finally {
        closeSync(fd);
      }
      if (last[0] !== 0x0a) prefix = '\n';
    }
  }
  // One write(2) with O_APPEND: a reader never sees half a line from us.
  appendFileSync(file, `${prefix}${line}\n`, { mode: 0o600 });
}

const inProcess = new Map<string, Promise<unknown>>();

/** Runs `fn` holding an in-process mutex and a cross-process `<file>.lock` (O_EXCL). */
export async function withFileLock<T>(file: string, fn: () => T): Promise<T> {
  const prev = inProcess.get(file) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => (release = r));
  const chained = prev.then(() => mine);
  inProcess.set(file, chained);
  await prev;
  try {
    const unlock = await acquireLockFile(`${file}.lock`);
    try {
      return fn();
    } finally {
      unlock();
    }
  } finally {
    release();
    if (inProcess.get(file) === chained) inProcess.delete(file);
  }
}

/** A lock older than this is left over from a crashed process and is broken. */
const STALE_LOCK_MS = 10_000;

async function acquireLockFile(lock: string): Promise<() => void> {
  mkdirSync(dirname(lock), { recursive: true, mode: 0o700 });
  let delay = 2;
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx', 0o600);
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      return () => {
        try {
          unlinkSync(lock);
        } catch {
          /* already broken as stale by someone else */
        }
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      try {
        if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS) unlinkSync(lock);
      } catch {
        /* released meanwhile */
      }
      if (Date.now() > deadline) throw new Error(`could not lock ${lock} within 30 s (remove it if no marshal is running)`);
      await sleep(delay + Math.random() * delay);
      delay = Math.min(delay * 2, 50);
    }
  }
}
