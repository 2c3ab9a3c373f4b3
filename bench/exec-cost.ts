/**
 * Client CPU per command, three ways, on the same connections: ssh2's `client.exec` as the
 * floor uses it, node-ssh's `execCommand`, and Marshal's `SshConnection.exec` (wrapper, pgid
 * marker, EOF, masking, result record). Rounds alternate between the three; medians printed.
 *
 *   npm run bench:exec [-- hosts rounds repeats]     (defaults 10 200 3; hosts on 127.101.x.y)
 */
import { join } from 'node:path';
import { startFleet, stopFleet, killLeftovers } from './fleet';
import { median } from './measure';
import { SshConnection } from '../src/connection/ssh';

const COMMAND = 'cat /proc/loadavg';

type Way = 'ssh2 client.exec' | 'node-ssh execCommand' | 'SshConnection.exec';

async function main(): Promise<void> {
  const [hosts = 10, rounds = 200, repeats = 3] = process.argv.slice(2).map(Number);
  const dir = join(__dirname, '.work', 'exec-cost');
  killLeftovers(dir);
  const fleet = await startFleet(dir, hosts, 16, 101);
  try {
    const conns = await Promise.all(
      fleet.hosts.map(async (h) => {
        const c = new SshConnection({ name: h.name, transport: 'ssh', host: h.address, port: 22, user: 'root', privateKeyFile: fleet.keyFile, knownHostsFiles: [fleet.knownHosts], hostKeyPolicy: 'strict', sshConfigFiles: [], agent: false });
        await c.connect();
        return c;
      }),
    );
    // The node-ssh object behind each connection (private field: this is a measurement tool).
    const nodeSsh = (c: SshConnection) => (c as unknown as { ssh: import('node-ssh').NodeSSH }).ssh;
    const ways: Record<Way, (c: SshConnection) => Promise<unknown>> = {
      'ssh2 client.exec': (c) =>
        new Promise((resolve, reject) =>
          nodeSsh(c).connection!.exec(COMMAND, (err, ch) => {
            if (err) return reject(err);
            const out: Buffer[] = [];
            ch.on('data', (d: Buffer) => out.push(d));
            ch.stderr.on('data', () => undefined);
            ch.on('close', () => resolve(Buffer.concat(out)));
          }),
        ),
      'node-ssh execCommand': (c) => nodeSsh(c).execCommand(COMMAND, { noTrim: true }),
      'SshConnection.exec': (c) => c.exec(COMMAND),
    };
    const perExec: Record<Way, number[]> = { 'ssh2 client.exec': [], 'node-ssh execCommand': [], 'SshConnection.exec': [] };
    for (let r = 0; r < repeats; r++) {
      for (const way of Object.keys(ways) as Way[]) {
        const run = ways[way];
        for (let w = 0; w < 3; w++) await Promise.all(conns.map(run)); // warm up
        const before = process.cpuUsage();
        for (let i = 0; i < rounds; i++) await Promise.all(conns.map(run));
        const used = process.cpuUsage(before);
        perExec[way].push((used.user + used.system) / 1000 / (rounds * conns.length));
      }
    }
    process.stdout.write(`client CPU per command (${hosts} hosts x ${rounds} rounds, median of ${repeats}):\n`);
    for (const way of Object.keys(perExec) as Way[]) {
      process.stdout.write(`  ${way.padEnd(22)} ${median(perExec[way]).toFixed(3)} ms   (${perExec[way].map((x) => x.toFixed(3)).join(', ')})\n`);
    }
    await Promise.all(conns.map((c) => c.close()));
  } finally {
    await stopFleet(fleet);
  }
}

main().catch((err: Error) => {
  process.stderr.write(`exec-cost: ${err.message}\n`);
  process.exit(1);
});
