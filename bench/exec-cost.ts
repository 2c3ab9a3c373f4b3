/**
 * Client CPU per command, four ways, on the same hosts: ssh2's `client.exec` as the floor uses
 * it, node-ssh's `execCommand`, Marshal's `SshConnection.exec` (wrapper, pgid marker, EOF,
 * masking, result record) with a channel per command, and the same over a persistent session.
 * Rounds alternate between them; medians printed.
 *
 *   npm run bench:exec [-- hosts rounds repeats]     (defaults 10 200 3; hosts on 127.101.x.y)
 *
 * With --workload: whole runs of W(N, S) (the bench's playbook and floor), alternating the
 * floor, the session floor (floor.ts --sessions: Marshal's loop without Marshal), `marshal run`
 * with --session exec and with --session persistent; wall-time and client-CPU medians and each
 * one's ratio to the floor.
 *
 *   npm run bench:exec -- --workload [hosts steps runs]   (defaults 50 100 5; hosts on 127.103.x.y)
 *
 * With --engine: the engine alone (runPlaybook, the console reporter writing to /dev/null) over
 * in-memory connections that answer at once: its CPU per host-step, no ssh, no hosts.
 *
 *   npm run bench:exec -- --engine [hosts steps repeats]   (defaults 50 100 5)
 */
import { createWriteStream, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startFleet, stopFleet, killLeftovers, writeInventory } from './fleet';
import { measure, median } from './measure';
import * as C from './contenders';
import { outcomeOf } from './outcome';
import { SshConnection } from '../src/connection/ssh';
import { runPlaybook } from '../src/scheduler/run';
import { playbook, step, sh } from '../src/index';
import { ConsoleReporter } from '../src/report/console';
import { memoryInventory } from '../test/support/fake';

const COMMAND = 'cat /proc/loadavg';

type Way = 'ssh2 client.exec' | 'node-ssh execCommand' | 'SshConnection.exec' | 'SshConnection.exec (persistent)';

async function main(): Promise<void> {
  if (process.argv.includes('--workload')) return workload();
  if (process.argv.includes('--engine')) return engine();
  const [hosts = 10, rounds = 200, repeats = 3] = process.argv.slice(2).map(Number);
  const dir = join(__dirname, '.work', 'exec-cost');
  killLeftovers(dir);
  const fleet = await startFleet(dir, hosts, 16, 101);
  try {
    const open = (session: 'exec' | 'persistent') =>
      Promise.all(
        fleet.hosts.map(async (h) => {
          const c = new SshConnection({ name: h.name, transport: 'ssh', host: h.address, port: 22, user: 'root', privateKeyFile: fleet.keyFile, knownHostsFiles: [fleet.knownHosts], hostKeyPolicy: 'strict', sshConfigFiles: [], agent: false, session });
          await c.connect();
          return c;
        }),
      );
    const conns = await open('exec');
    const persistent = await open('persistent');
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
      'SshConnection.exec (persistent)': (c) => c.exec(COMMAND),
    };
    const perExec: Record<Way, number[]> = { 'ssh2 client.exec': [], 'node-ssh execCommand': [], 'SshConnection.exec': [], 'SshConnection.exec (persistent)': [] };
    const wallPerRound: Partial<Record<Way, number[]>> = {};
    for (let r = 0; r < repeats; r++) {
      for (const way of Object.keys(ways) as Way[]) {
        const run = ways[way];
        const on = way === 'SshConnection.exec (persistent)' ? persistent : conns;
        for (let w = 0; w < 3; w++) await Promise.all(on.map(run)); // warm up
        const before = process.cpuUsage();
        const t0 = performance.now();
        for (let i = 0; i < rounds; i++) await Promise.all(on.map(run));
        (wallPerRound[way] ??= []).push((performance.now() - t0) / rounds);
        const used = process.cpuUsage(before);
        perExec[way].push((used.user + used.system) / 1000 / (rounds * conns.length));
      }
    }
    process.stdout.write(`client CPU per command (${hosts} hosts x ${rounds} rounds, median of ${repeats}):\n`);
    for (const way of Object.keys(perExec) as Way[]) {
      const wall = median(wallPerRound[way] ?? []);
      process.stdout.write(`  ${way.padEnd(32)} ${median(perExec[way]).toFixed(3)} ms   (${perExec[way].map((x) => x.toFixed(3)).join(', ')}); wall per round ${wall.toFixed(2)} ms\n`);
    }
    await Promise.all([...conns, ...persistent].map((c) => c.close()));
  } finally {
    await stopFleet(fleet);
  }
}

type Mode = 'floor' | 'session-floor' | 'exec' | 'persistent';

/** W(N, S) end to end: the floor, the session floor and `marshal run` in both session modes, runs rotated so load drift hits all alike. */
async function workload(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--workload');
  const [hosts = 50, steps = 100, runs = 5] = args.map(Number);
  const repo = resolve(__dirname, '..');
  const dir = join(__dirname, '.work', 'sessions');
  mkdirSync(dir, { recursive: true });
  killLeftovers(join(dir, 'fleet'));
  const fleet = await startFleet(join(dir, 'fleet'), hosts, 16, 103);
  try {
    const inv = writeInventory(fleet, hosts, join(dir, `inventory-${hosts}.ini`));
    const playbook = C.marshalPlaybook(dir, steps);
    const floorJs = C.buildFloor(repo, dir);
    const call = (m: Mode): C.Invocation => {
      if (m === 'floor' || m === 'session-floor') return C.floor(floorJs, inv, steps, m === 'session-floor');
      return { ...C.marshal(repo, playbook, inv, hosts), env: { ...process.env, MARSHAL_SESSION: m } };
    };
    const modes: Mode[] = ['floor', 'session-floor', 'exec', 'persistent'];
    const walls: Record<Mode, number[]> = { floor: [], 'session-floor': [], exec: [], persistent: [] };
    const cpus: Record<Mode, number[]> = { floor: [], 'session-floor': [], exec: [], persistent: [] };
    await measure(call('exec').argv, { scratchDir: dir, cwd: repo }); // compiles the playbook once
    for (let r = 0; r < runs; r++) {
      for (const m of [...modes.slice(r % modes.length), ...modes.slice(0, r % modes.length)]) {
        const c = call(m);
        const res = await measure(c.argv, { scratchDir: dir, ...(c.cwd ? { cwd: c.cwd } : {}), ...(c.env ? { env: c.env } : {}) });
        const outcome = outcomeOf(c, res.stdout, hosts, steps);
        if (res.exitCode !== 0 || outcome.failures > 0) throw new Error(`${m} run failed (exit ${res.exitCode}): ${res.stdout.slice(-500)}`);
        walls[m].push(res.wallMs);
        cpus[m].push(res.cpuMs);
        process.stdout.write(`  W(${hosts},${steps}) ${m.padEnd(13)} ${(res.wallMs / 1000).toFixed(2)} s, client CPU ${(res.cpuMs / 1000).toFixed(2)} s\n`);
      }
    }
    const floorMs = median(walls.floor);
    process.stdout.write(`W(${hosts},${steps}), median of ${runs} alternating runs:\n`);
    for (const m of modes) {
      process.stdout.write(`  ${m.padEnd(13)} ${(median(walls[m]) / 1000).toFixed(2)} s  (${(median(walls[m]) / floorMs).toFixed(2)}x the floor), client CPU ${(median(cpus[m]) / 1000).toFixed(2)} s\n`);
    }
  } finally {
    await stopFleet(fleet);
  }
}

/** The engine alone: N in-memory hosts x S one-command steps, CPU per host-step (no ssh). */
async function engine(): Promise<void> {
  const args = process.argv.slice(2).filter((a) => a !== '--engine');
  const [hosts = 50, steps = 100, repeats = 5] = args.map(Number);
  const pb = playbook({
    name: 'engine',
    hosts: 'all',
    steps: Array.from({ length: steps }, (_, i) => step({ name: `cat loadavg ${i + 1}`, readOnly: true, run: (h) => h.run(sh`cat /proc/loadavg`) })),
  });
  const inventory = memoryInventory({ bench: Object.fromEntries(Array.from({ length: hosts }, (_, i) => [`h${i + 1}`, {}])) });
  const answer = { stdout: '0.10 0.20 0.30 1/100 4242\n', stderr: '', exitCode: 0, durationMs: 0.1 };
  const connection = (name: string) => ({
    spec: { name, transport: 'ssh' as const, host: name },
    connect: async () => undefined,
    exec: async (command: string) => ({ ...answer, command }),
    putFile: async () => undefined,
    close: async () => undefined,
  });
  const perStep: number[] = [];
  for (let r = 0; r < repeats + 1; r++) {
    const out = createWriteStream('/dev/null');
    const before = process.cpuUsage();
    await runPlaybook({ playbook: pb, inventory, forks: hosts, connect: async (h) => connection(h), reporters: [new ConsoleReporter({ out })] });
    const used = process.cpuUsage(before);
    out.end();
    if (r > 0) perStep.push(((used.user + used.system) / (hosts * steps))); // the first run warms the JIT up
  }
  process.stdout.write(`engine alone, ${hosts} hosts x ${steps} steps: ${median(perStep).toFixed(1)} us of CPU a host-step (median of ${repeats}: ${perStep.map((x) => x.toFixed(1)).join(', ')})\n`);
}

main().catch((err: Error) => {
  process.stderr.write(`exec-cost: ${err.message}\n`);
  process.exit(1);
});
