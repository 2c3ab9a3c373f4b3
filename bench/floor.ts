/**
 * The floor: the fastest plain ssh2 program for W(N, S) we could write. One connection per
 * host, every step is one exec channel per host (its own process and exit status, like a
 * Marshal or Ansible step), steps in lockstep across hosts. Reads the same INI inventory.
 *
 *   node floor.js <inventory.ini> <steps> <command>
 *
 * Tuning: TCP_NODELAY, the private key read and parsed once, host keys checked against an
 * in-memory known_hosts map, ssh2's fastest algorithms (curve25519, aes128-gcm, ed25519),
 * at most 32 handshakes in flight (as Marshal), no output beyond a one-line summary.
 */
import { readFileSync } from 'node:fs';
import { Socket } from 'node:net';
import { Client, utils, type ParsedKey } from 'ssh2';

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

async function main(): Promise<void> {
  const [file, stepsArg, command] = process.argv.slice(2);
  if (!file || !stepsArg || !command) throw new Error('usage: floor <inventory.ini> <steps> <command>');
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
  const t1 = performance.now();
  let failures = 0;
  let bytes = 0;
  for (let s = 0; s < Number(stepsArg); s++) {
    const results = await Promise.all(clients.map((c) => exec(c, command)));
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
