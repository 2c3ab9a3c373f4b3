/**
 * Issue 14 items 3-5 on the simulated lab: the OVS restart as a handler, unprepare-cx7 and its
 * round trip, migrating there and back with several VFs, and resumable fleet runs with a per-pair summary.
 */
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { labDown, labUp } from '../src/index';
import { marshal, ROOT } from './cli';

const PB = (name: string) => join(ROOT, 'playbooks', `${name}.ts`);
/** A loopback /24 of this process's own, clear of the default lab and the other suites (cx7 uses 127.200-239, two-labs 127.160-189). */
const NET = `127.${120 + (process.pid % 30)}.${(process.pid >> 5) % 256}`;
const dirs: string[] = [];

/** A lab from a shipped scenario name or from scenario YAML text (written to a temp file). */
async function lab(scenario = 'default', pairs?: number) {
  const dir = mkdtempSync('/var/tmp/marshal-fleet-');
  dirs.push(dir);
  let file = scenario;
  if (scenario.includes('\n')) {
    file = join(dir, 'scenario.yml');
    writeFileSync(file, scenario);
  }
  const up = await labUp({ dir, scenario: file, net: NET, ...(pairs ? { pairs } : {}) });
  return { dir, inventory: up.inventory, state: () => JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')).hosts };
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) {
    await labDown({ dir });
    rmSync(dir, { recursive: true, force: true });
  }
});
afterAll(async () => {
  for (const dir of dirs.splice(0)) await labDown({ dir }).catch(() => undefined);
});

const recap = (out: string, host: string) => new RegExp(`${host}\\s+: ok=\\d+\\s+changed=(\\d+)\\s+unreachable=(\\d+)\\s+failed=(\\d+)`).exec(out);

describe('step 5.5: the Open vSwitch restart is a handler', () => {
  it('a run that dies after 5.2 changed hw-offload restarts openvswitch on the rerun', async () => {
    // src01's sshd drops the session at `ovs-vsctl add-br brdrop`: after 5.2/5.3 changed, before the restart
    const l = await lab('description: drop at add-br brdrop\nhosts:\n  src01:\n    faults: { drop: [ovs-vsctl add-br brdrop] }\n');
    // (src01 alone, from step 1: the pair preflight needs both hosts)
    const first = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory, '-e', 'ovs_bridge=brdrop', '--limit', 'src01', '--start-at-task', 'Step 1:*'], { timeoutMs: 180_000 });
    expect(first.code, first.stdout).not.toBe(0);
    expect(first.stdout).toMatch(/failed: \[src01\] Step 5.4: OVS bridge exists · connection lost/);
    let src = l.state().src01;
    expect(src.ovs.otherConfig['hw-offload']).toBe('true');
    expect(src.ovs.offloadActive, 'ovs-vswitchd started before hw-offload was set').toBe(false);
    const rerun = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory], { timeoutMs: 180_000 });
    expect(rerun.code, rerun.stdout).toBe(0);
    // nothing changed 5.2 in this run: the restart comes from the notification left on the host
    expect(rerun.stdout).toMatch(/STEP \[Step 5\.2: Open vSwitch other_config:hw-offload=true\] \**\n(?:.+\n)*?ok: \[src01\]/);
    expect(rerun.stdout).toMatch(/HANDLER \[restart openvswitch \(hw-offload takes effect\)\] \**\n(?:.+\n)*?changed: \[src01\]/);
    src = l.state().src01;
    expect(src.ovs.offloadActive).toBe(true);
    // and once it ran, a third run restarts nothing
    const third = await marshal(['run', PB('prepare-cx7'), '-i', l.inventory], { timeoutMs: 180_000 });
    expect(third.code, third.stdout).toBe(0);
    expect(third.stdout).not.toContain('HANDLER [');
    expect(recap(third.stdout, 'src01')![1]).toBe('0');
  }, 600_000);
});
