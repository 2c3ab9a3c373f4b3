/** Two checkouts on one machine: a second lab on the same addresses must not report servers it does not have. */
import { afterAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { startSshd, stopSshd, listenerPids, type SshdInfo } from '@marshal/sshd-harness';
import { labDown, labStatus, labUp } from '../src';
import { labTestNet } from './net';

const NET = labTestNet();
const OTHER_NET = labTestNet();
const roots: string[] = [];
const root = () => {
  const d = mkdtempSync('/var/tmp/marshal-two-labs-');
  roots.push(d);
  return d;
};

afterAll(async () => {
  for (const d of roots) {
    for (const lab of ['a', 'b']) if (existsSync(join(d, lab))) await labDown({ dir: join(d, lab) }).catch(() => undefined);
    rmSync(d, { recursive: true, force: true });
  }
});

describe('two labs in two dirs on the same machine', () => {
  it('the second lab up on the same addresses fails, naming the lab that holds them; the first keeps running', async () => {
    const r = root();
    const a = join(r, 'a');
    const b = join(r, 'b');
    const up = await labUp({ dir: a, net: NET });
    expect(up.started).toBe(3);
    const err = await labUp({ dir: b, net: NET }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(new RegExp(`${NET.replace(/\./g, '\\.')}\\.\\d+:2222 \\(src01\\) is served by the lab in ${a} \\(sshd pid \\d+\\)`));
    expect(err?.message).toContain(`MARSHAL_LAB_DIR=${a} marshal lab down`);
    expect(err?.message).toContain('--net');
    // nothing of b was started, and a still serves every host
    const sb = await labStatus({ dir: b });
    expect(sb.up).toBe(false);
    expect(sb.hosts.some((h) => h.running)).toBe(false);
    expect((await labStatus({ dir: a })).hosts.every((h) => h.running)).toBe(true);
    const other = await labUp({ dir: b, net: OTHER_NET });
    expect(other.started).toBe(3);
  }, 180_000);

  it('the harness waits for its own sshd: one answered by another server on the address is an error naming it', async () => {
    const r = root();
    const address = `${NET}.250`;
    const first: SshdInfo = await startSshd({ dir: join(r, 'one'), address, port: 2222, authorizedKeys: [] });
    try {
      expect(listenerPids(address, 2222)).toContain(first.pid);
      const err = await startSshd({ dir: join(r, 'two'), address, port: 2222, authorizedKeys: [] }).then(() => undefined, (e: Error) => e);
      expect(err?.message).toMatch(new RegExp(`is not listening there: the address is held by pid ${first.pid} \\(${join(r, 'one')}/sshd_config\\)`));
    } finally {
      await stopSshd(first);
    }
    expect(listenerPids(address, 2222)).toEqual([]);
  }, 60_000);
});
