/**
 * A lab started under a test run stops with it, also when the run is interrupted (no afterAll):
 * a vitest-like child runs the suite's globalSetup and `marshal lab up` (as cx7.test.ts's
 * `marshal demo` does), then is killed; the daemon, the FUSE proxy, the sshd and the mount must go.
 * A lab started by a user (no owner) keeps running after the command that started it exits.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labDown, labStatus } from '../src';
import { marshal, ROOT, CLI } from './cli';
import { labTestNet } from './net';

// a loopback /24 per test of this file's own, clear of the default lab and the other suites
const NETS = [labTestNet(), labTestNet(), labTestNet()];
const NET = (i: number) => NETS[i]!;
const dirs: string[] = [];

afterAll(async () => {
  for (const d of dirs) {
    await labDown({ dir: d }).catch(() => undefined);
    rmSync(d, { recursive: true, force: true });
  }
});

/** Processes whose command line names the lab dir: its daemon, FUSE proxy and sshd (sshd -f <dir>/hosts/...). */
function processesOf(dir: string): string[] {
  const found: string[] = [];
  for (const p of readdirSync('/proc')) {
    if (!/^\d+$/.test(p) || Number(p) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${p}/cmdline`, 'utf8').replace(/\0/g, ' ');
      if (cmd.includes(dir)) found.push(`${p} ${cmd}`);
    } catch {
      /* exited */
    }
  }
  return found;
}

const mounted = (dir: string) => readFileSync('/proc/self/mountinfo', 'utf8').split('\n').some((l) => l.split(' ')[4]?.startsWith(dir));

// The child: the suite's globalSetup, then the built CLI's `lab up`, then it waits to be killed.
const CHILD = `
require(${JSON.stringify(join(ROOT, 'test/support/owner.ts'))}).default();
const [cli, dir, net] = process.argv.slice(1);
require('child_process').execFileSync(process.execPath, [cli, 'lab', 'up', '--dir', dir, '--net', net], { stdio: ['ignore', 'ignore', 'inherit'] });
process.stdout.write('up\\n');
setInterval(() => undefined, 1e6);
`;

function startOwner(dir: string, net: string): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') };
  delete env.MARSHAL_OWNER_PID;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', CHILD, CLI, dir, net], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', () => ok(child));
    child.on('exit', (code) => fail(new Error(`child exited (${code}) before the lab was up: ${err}`)));
  });
}

async function until(what: () => string | undefined, ms = 30_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (let left = what(); left !== undefined; left = what()) {
    if (Date.now() > deadline) throw new Error(`still there after ${ms} ms: ${left}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('a lab started under a test run', () => {
  (['SIGKILL', 'SIGINT'] as const).forEach((signal, i) => {
    it(`${signal} of the run stops the daemon, the FUSE proxy, every sshd and the mount`, async () => {
      const dir = mkdtempSync('/var/tmp/marshal-owner-');
      dirs.push(dir);
      const child = await startOwner(dir, NET(i));
      const before = processesOf(dir);
      expect(before.some((p) => p.includes('daemon')), before.join('\n')).toBe(true);
      expect(before.some((p) => p.includes('sysfs_fuse.py')), before.join('\n')).toBe(true);
      expect(before.filter((p) => p.includes('sshd -D')).length, before.join('\n')).toBe(3);
      expect(mounted(join(dir, 'sysfs'))).toBe(true);
      // SIGINT to the process group, as Ctrl-C does; the lab runs detached, in groups of its own
      if (signal === 'SIGKILL') child.kill('SIGKILL');
      else process.kill(-child.pid!, 'SIGINT');
      await until(() => processesOf(dir)[0]);
      await until(() => (mounted(dir) ? `a mount under ${dir}` : undefined));
      expect(existsSync(join(dir, 'daemon.json'))).toBe(false);
      expect((await labStatus({ dir })).up).toBe(false);
    });
  });

  it('without an owner (a user running `marshal lab up`) the lab outlives the command', async () => {
    const dir = mkdtempSync('/var/tmp/marshal-owner-');
    dirs.push(dir);
    // empty: no owner (marshal() passes this run's env, which names vitest)
    const up = await marshal(['lab', 'up', '--dir', dir, '--net', NET(2)], { env: { MARSHAL_OWNER_PID: '' } });
    expect(up.code, up.stderr).toBe(0);
    await new Promise((r) => setTimeout(r, 1500)); // three owner polls of a daemon that had one
    const s = await labStatus({ dir });
    expect(s.up).toBe(true);
    expect(s.hosts.every((h) => h.running)).toBe(true);
  });
});
