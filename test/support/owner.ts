/**
 * vitest globalSetup (the core's and the lab's configs): what a test run starts dies with it,
 * also when the run is interrupted (Ctrl-C, SIGTERM, SIGKILL) and no afterAll runs.
 * - MARSHAL_OWNER_PID = this (vitest's main) process: sshd servers (@marshal/sshd-harness) and
 *   labs (`lab up`) started under it stop on their own once it is gone.
 * - TMPDIR = one directory per run, /tmp/marshal-run-<pid>-*: every test's mkdtemp lands in it;
 *   a detached reaper removes it when this process is gone, and a run removes those of dead runs.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pidAlive } from '@marshal/sshd-harness';

const PREFIX = 'marshal-run-';

/** Run dirs whose vitest is gone (its reaper killed with it, or the machine rebooted). */
export function removeStaleRunDirs(base: string): string[] {
  const removed: string[] = [];
  for (const name of readdirSync(base)) {
    const pid = name.startsWith(PREFIX) ? Number(name.slice(PREFIX.length).split('-')[0]) : NaN;
    if (!Number.isInteger(pid) || pidAlive(pid)) continue;
    rmSync(join(base, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

// The reaper: polls the owner once a second; exits when the run dir is gone (normal teardown removed it).
const REAPER = `
const fs = require('fs');
const [dir, pid] = process.argv.slice(1);
const alive = (p) => { try { process.kill(Number(p), 0); return true; } catch (e) { return e.code === 'EPERM'; } };
setInterval(() => {
  if (!fs.existsSync(dir)) process.exit(0);
  if (!alive(pid)) { fs.rmSync(dir, { recursive: true, force: true }); process.exit(0); }
}, 1000);
`;

export default function setup(): () => void {
  const inherited = Number(process.env.MARSHAL_OWNER_PID);
  // a nested run (a test running vitest) keeps its parent run's owner and temp dir
  if (Number.isInteger(inherited) && inherited > 1 && pidAlive(inherited) && process.env.TMPDIR?.includes(PREFIX)) return () => undefined;
  const base = tmpdir();
  removeStaleRunDirs(base);
  const run = mkdtempSync(join(base, `${PREFIX}${process.pid}-`));
  process.env.MARSHAL_OWNER_PID = String(process.pid);
  process.env.TMPDIR = run;
  const reaper = spawn(process.execPath, ['-e', REAPER, run, String(process.pid)], { detached: true, stdio: 'ignore' });
  reaper.unref();
  return () => rmSync(run, { recursive: true, force: true });
}
