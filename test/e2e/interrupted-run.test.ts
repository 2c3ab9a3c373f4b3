/**
 * An interrupted test run leaves nothing behind: a vitest-like child (it runs the suite's
 * globalSetup, then starts an sshd test server and a temp dir as tests do) is killed with
 * SIGKILL or with SIGINT to its process group (Ctrl-C); its server and run dir must go.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readlinkSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { pidsInMountNamespace, stopSshd, type SshdInfo } from '@marshal/sshd-harness';

const inNamespace = (pid: number, ns: string): boolean => {
  try {
    return readlinkSync(`/proc/${pid}/ns/mnt`) === ns;
  } catch {
    return false;
  }
};
import { loopbackAddress, makeClientKey } from '../support/sshd';
import { removeStaleRunDirs } from '../support/owner';

const ROOT = resolve(__dirname, '../..');
const started: SshdInfo[] = [];
const keyDir = mkdtempSync(join(tmpdir(), 'marshal-interrupt-'));
const { publicKey } = makeClientKey(keyDir);

afterAll(async () => {
  for (const s of started) await stopSshd(s).catch(() => undefined);
  rmSync(keyDir, { recursive: true, force: true });
});

// The child: its own TMPDIR base (so the parent's run dir is not its base) and no inherited owner.
const CHILD = `
const setup = require(${JSON.stringify(join(ROOT, 'test/support/owner.ts'))}).default;
setup();
const { startSshd } = require(${JSON.stringify(join(ROOT, 'packages/sshd-harness/src/index.ts'))});
const fs = require('fs'), path = require('path'), os = require('os');
const [address, key] = process.argv.slice(1);
(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'marshal-test-'));
  const info = await startSshd({ dir, address, port: 2222, authorizedKeys: [key] });
  process.stdout.write(JSON.stringify({ run: process.env.TMPDIR, dir, info }) + '\\n');
  setInterval(() => undefined, 1e6);
})().catch((e) => { console.error(e); process.exit(3); });
`;

interface Started {
  child: ChildProcess;
  run: string;
  dir: string;
  info: SshdInfo;
}

function startChild(base: string): Promise<Started> {
  const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: base, TS_NODE_PROJECT: join(ROOT, 'tsconfig.json') };
  delete env.MARSHAL_OWNER_PID;
  const child = spawn(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', CHILD, loopbackAddress(), publicKey], { cwd: ROOT, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((ok, fail) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      if (!out.includes('\n')) return;
      const s = JSON.parse(out) as Omit<Started, 'child'>;
      started.push(s.info);
      ok({ child, ...s });
    });
    child.on('exit', (code) => fail(new Error(`child exited (${code}) before starting: ${err}`)));
  });
}

async function until(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`${what} still there after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('an interrupted test run', () => {
  it("this run's own workers see the setup: vitest's pid as owner, a per-run TMPDIR", () => {
    expect(process.env.MARSHAL_OWNER_PID).toBe(String(process.ppid));
    expect(tmpdir()).toMatch(new RegExp(`/marshal-run-${process.ppid}-[^/]+$`));
  });

  for (const how of ['SIGKILL of the runner', 'SIGINT to its process group'] as const) {
    it(`${how}: its sshd (and everything in its namespace) and its run dir are gone`, async () => {
      const base = mkdtempSync(join(tmpdir(), 'marshal-interrupt-base-'));
      try {
        const s = await startChild(base);
        expect(s.run.startsWith(join(base, `marshal-run-${s.child.pid}-`))).toBe(true);
        expect(s.dir.startsWith(s.run)).toBe(true);
        expect(pidsInMountNamespace(s.info.mntNs).length).toBeGreaterThan(0);
        if (how === 'SIGKILL of the runner') s.child.kill('SIGKILL');
        else process.kill(-s.child.pid!, 'SIGINT');
        // the listener and the anchor (the namespace's last process) gone: counting mnt:[N] alone could see the
        // next namespace the kernel numbered N once this one ended (another suite's new sshd)
        await until(`sshd of ${s.info.address}`, () => [s.info.pid, s.info.anchor?.pid].every((p) => p === undefined || !inNamespace(p, s.info.mntNs)));
        await until(`run dir ${s.run}`, () => !existsSync(s.run));
      } finally {
        rmSync(base, { recursive: true, force: true });
      }
    });
  }

  it('a run dir whose vitest is gone is removed by the next run, a live one is kept', () => {
    const base = mkdtempSync(join(tmpdir(), 'marshal-interrupt-base-'));
    try {
      const dead = join(base, 'marshal-run-999999999-abc'); // beyond pid_max: never a live process
      const live = join(base, `marshal-run-${process.pid}-abc`);
      mkdirSync(dead);
      mkdirSync(live);
      expect(removeStaleRunDirs(base)).toEqual(['marshal-run-999999999-abc']);
      expect(existsSync(live)).toBe(true);
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });
});
