/**
 * Benchmark (not a test): how long `lab up` takes for a 50-NIC-host lab (25 pairs, plus
 * their 25 guests), then how fast the simulated commands answer over SSH.
 * Run: cd packages/lab && TS_NODE_PROJECT=tsconfig.json npx ts-node --transpile-only test/bench-lab-up.ts [pairs]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { labUp, labDown } from '../src';
import { readInventory, ssh } from './ssh';

async function main(): Promise<void> {
  const pairs = Number(process.argv[2] ?? 25);
  const root = mkdtempSync('/var/tmp/marshal-lab-bench-');
  const dir = join(root, 'lab');
  try {
    const t0 = Date.now();
    const r = await labUp({ dir, pairs, net: '127.199.0' });
    const upMs = Date.now() - t0;
    const nic = r.hosts.filter((h) => h.kind === 'nic').length;
    console.log(`lab up: ${nic} NIC hosts + ${r.hosts.length - nic} guests = ${r.hosts.length} sshd in ${(upMs / 1000).toFixed(2)} s`);
    const again = Date.now();
    await labUp({ dir, pairs, net: '127.199.0' });
    console.log(`lab up again (idempotent): ${((Date.now() - again) / 1000).toFixed(2)} s`);
    const inv = readInventory(r.inventory);
    const one = inv.src01!;
    const t1 = Date.now();
    const n = 200;
    const res = await ssh(one, `for i in $(seq ${n}); do devlink dev eswitch show pci/0000:e1:00.0 >/dev/null; done; echo done`);
    console.log(`${n} devlink calls in one session: ${(Date.now() - t1)} ms (${((Date.now() - t1) / n).toFixed(1)} ms/call) ${res.stdout.trim()}`);
    const t2 = Date.now();
    await Promise.all(Object.values(inv).map((h) => ssh(h, 'uname -m')));
    console.log(`one SSH command on each of ${Object.keys(inv).length} hosts in parallel: ${Date.now() - t2} ms`);
    const t3 = Date.now();
    await labDown({ dir });
    console.log(`lab down: ${((Date.now() - t3) / 1000).toFixed(2)} s`);
  } finally {
    await labDown({ dir }).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
