/**
 * The floor: the fastest plain ssh2 program for W(N, S) we could write. One connection per
 * host, every step is one exec channel per host (its own process and exit status, like a
 * Marshal or Ansible step), steps in lockstep across hosts. Reads the same INI inventory.
 *
 *   node floor.js <inventory.ini> <steps> <command> [--sessions]
 *
 * Tuning: TCP_NODELAY, the private key read and parsed once, host keys checked against an
 * in-memory known_hosts map, ssh2's fastest algorithms (curve25519, aes128-gcm, ed25519),
 * at most 32 handshakes in flight (as Marshal), no output beyond a one-line summary.
 *
 * --sessions (the "session floor"): the same program running each step in one persistent
 * session per host with Marshal's own loop and framing (the repository's built
 * dist/connection/session-protocol.js, so `npm run build` first), and nothing else of Marshal: what that protocol costs without
 * Marshal's engine, and so how close to the floor any client of it can get on this machine.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { Client, utils, type ClientChannel, type ParsedKey } from 'ssh2';

interface Target {
  name: string;
  address: string;
  port: number;
  user: string;
}

/** Just enough INI for the bench inventory: host lines with ansible_host, and [all:vars]. */
function readInventory(file: string): { targets: Target[]; key: string; knownHosts: string } {
  const vars: Record<string, string> = {};
  const hostLines: Record<string, string>[] = [];
  let section = '';
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) continue;
    const sec = /^\[(.+)\]$/.exec(line);
    if (sec) {
      section = sec[1]!;
      continue;
    }
    const [first, ...rest] = line.split(/\s+/);
    const kv = Object.fromEntries(rest.map((p) => p.split('=', 2) as [string, string]));
    if (section.endsWith(':vars')) {
      const [k, v] = line.split('=', 2);
      vars[k!.trim()] = v!.trim();
    } else hostLines.push({ name: first!, ...kv });
  }
  const targets = hostLines.map((h) => ({
    name: h.name!,
    address: h.ansible_host ?? h.name!,
    port: Number(h.ansible_port ?? vars.ansible_port ?? 22),
    user: h.ansible_user ?? vars.ansible_user ?? 'root',
  }));
  return { targets, key: vars.ansible_ssh_private_key_file!, knownHosts: vars.marshal_known_hosts! };
}

function knownKeys(file: string): Map<string, Buffer> {
  const map = new Map<string, Buffer>();
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [name, , blob] = line.trim().split(/\s+/);
    if (name && blob) map.set(name, Buffer.from(blob, 'base64'));
  }
  return map;
}

function connect(t: Target, key: ParsedKey, known: Map<string, Buffer>): Promise<Client> {
  return new Promise((resolve, reject) => {
    const sock = new Socket();
    sock.setNoDelay(true);
    sock.on('error', () => undefined); // ssh2 reports it
    sock.connect({ host: t.address, port: t.port });
    const expected = known.get(t.port === 22 ? t.address : `[${t.address}]:${t.port}`);
    const c = new Client();
    let tried = false;
    c.once('ready', () => resolve(c));
    c.once('error', reject);
    c.connect({
      sock,
      username: t.user,
      // The parsed key object goes straight to the publickey method: no re-parse per host.
      authHandler: (_left, _partial, next) => {
        if (tried) return next(false as never);
        tried = true;
        next({ type: 'publickey', username: t.user, key });
      },
      readyTimeout: 60_000,
      hostVerifier: (blob: Buffer) => expected !== undefined && expected.equals(blob),
      algorithms: {
        kex: ['curve25519-sha256', 'curve25519-sha256@libssh.org'],
        cipher: ['aes128-gcm@openssh.com'],
        serverHostKey: ['ssh-ed25519'],
      },
    });
  });
}

function exec(c: Client, command: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    c.exec(command, (err, ch) => {
      if (err) return reject(err);
      const chunks: Buffer[] = [];
      let code = -1;
      ch.on('data', (d: Buffer) => chunks.push(d));
      ch.stderr.on('data', () => undefined);
      ch.on('exit', (c: number | null) => (code = c ?? -1));
      ch.on('close', () => resolve({ code, out: Buffer.concat(chunks).toString('utf8') }));
    });
  });
}

type Protocol = typeof import('../src/connection/session-protocol');

/** One persistent session: the loop over an exec channel, one command at a time. */
interface Session {
  ch: ClientChannel;
  key: string;
  sent: number;
  onOut?: (d: Buffer) => void;
  onErr?: (d: Buffer) => void;
}

function openSession(P: Protocol, c: Client): Promise<Session> {
  const token = randomBytes(8).toString('hex');
  const script = P.sessionScript(token, `@@MARSHAL:${token}:PGID=`);
  return new Promise((resolve, reject) => {
    c.exec(P.bootstrapCommand(script), (err, ch) => {
      if (err) return reject(err);
      const s: Session = { ch, key: randomBytes(16).toString('hex'), sent: 0 };
      const hello = new P.HelloScanner(token);
      let ready = false;
      ch.on('data', (d: Buffer) => {
        if (ready) return s.onOut?.(d);
        if (hello.push(d)) (ready = true), resolve(s);
      });
      ch.stderr.on('data', (d: Buffer) => s.onErr?.(d));
      ch.write(`${script}${s.key}\n`);
    });
  });
}

function sessionExec(P: Protocol, s: Session, command: string): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const id = P.endId(s.key, ++s.sent);
    const out = new P.EndScanner(id, true);
    const err = new P.EndScanner(id, false);
    const chunks: Buffer[] = [];
    const check = (): void => void (out.ended && err.ended && resolve({ code: out.status ?? -1, out: Buffer.concat(chunks).toString('utf8') }));
    s.onOut = (d) => (chunks.push(out.push(d).data), check());
    s.onErr = (d) => (err.push(d), check());
    // As Marshal sends one exec'd simple command: portable, evaluated by the loop's own shell.
    for (const part of P.encodeRequest(`exec ${command}`, undefined, true)) s.ch.write(part);
  });
}

/** The built session protocol of the repository this program was compiled into (bench/.work/...). */
function protocolModule(): string {
  for (let d = __dirname; ; d = dirname(d)) {
    const file = join(d, 'dist/connection/session-protocol.js');
    if (existsSync(file)) return file;
    if (dirname(d) === d) throw new Error(`--sessions: no dist/connection/session-protocol.js above ${__dirname} (npm run build first)`);
  }
}

async function main(): Promise<void> {
  const [file, stepsArg, command, mode] = process.argv.slice(2);
  if (!file || !stepsArg || !command) throw new Error('usage: floor <inventory.ini> <steps> <command> [--sessions]');
  const P = mode === '--sessions' ? (require(protocolModule()) as Protocol) : undefined;
  const { targets, key, knownHosts } = readInventory(file);
  const parsed = utils.parseKey(readFileSync(key));
  if (parsed instanceof Error) throw parsed;
  const known = knownKeys(knownHosts);
  const t0 = performance.now();
  // Handshakes bounded like Marshal's (32 in flight): hundreds at once on 2 cores only queue for CPU.
  const clients: Client[] = new Array(targets.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(32, targets.length) }, async () => {
      while (next < targets.length) {
        const i = next++;
        clients[i] = await connect(targets[i]!, parsed as ParsedKey, known);
      }
    }),
  );
  const sessions = P ? await Promise.all(clients.map((c) => openSession(P, c))) : [];
  const t1 = performance.now();
  let failures = 0;
  let bytes = 0;
  for (let s = 0; s < Number(stepsArg); s++) {
    const results = await Promise.all(P ? sessions.map((x) => sessionExec(P, x, command)) : clients.map((c) => exec(c, command)));
    for (const r of results) {
      if (r.code !== 0) failures++;
      bytes += r.out.length;
    }
  }
  for (const c of clients) c.end();
  const t2 = performance.now();
  process.stdout.write(
    `floor: ${targets.length} hosts x ${stepsArg} steps, ${failures} failures, ${bytes} bytes of output; ` +
      `connect ${Math.round(t1 - t0)} ms, steps ${Math.round(t2 - t1)} ms, start-up ${Math.round(t0)} ms\n`,
  );
  process.exit(failures ? 2 : 0);
}

main().catch((err: Error) => {
  process.stderr.write(`floor: ${err.message}\n`);
  process.exit(1);
});
