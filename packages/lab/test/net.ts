/**
 * A loopback /24 of this test file's own for a lab. Every lab test takes its addresses here: a
 * lock file per /24 in a directory every checkout on the machine shares, so concurrent runs (several
 * worktrees, several files) never start two labs on one address (the cause of sporadic "connection
 * refused" and exit-4 failures: a test reached another lab's sshd, or lost its address to it during a reboot).
 */
import { afterAll } from 'vitest';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { pidAlive } from '@marshal/sshd-harness';

const LOCKS = '/var/tmp/marshal-lab-test-nets';
/** 127.100.0.0-127.119.255.255: no other test's addresses (the core's sshd tests use 127.140-179). */
const FIRST = 100;
const SLOTS = 20 * 256;

const held = new Set<string>();
const release = () => {
  for (const f of held) rmSync(f, { force: true });
  held.clear();
};
process.on('exit', release);

/** Reserves a free /24 (e.g. `127.104.37`) until this file's tests end; call it at a test file's top level. */
export function labTestNet(): string {
  mkdirSync(LOCKS, { recursive: true });
  const start = process.pid % SLOTS;
  for (let k = 0; k < SLOTS; k++) {
    const i = (start + k) % SLOTS;
    const net = `127.${FIRST + Math.floor(i / 256)}.${i % 256}`;
    const file = `${LOCKS}/${net}`;
    try {
      const fd = openSync(file, 'wx');
      writeSync(fd, `${process.pid}\n`);
      closeSync(fd);
      held.add(file);
      if (held.size === 1) afterAll(release);
      return net;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    // a lock left by a killed run: reclaimed only when its process is gone (a live owner keeps it)
    const owner = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(owner) && owner > 0 && !pidAlive(owner)) rmSync(file, { force: true });
  }
  throw new Error(`no free loopback /24 for a lab test: ${SLOTS} locks in ${LOCKS} are held`);
}
