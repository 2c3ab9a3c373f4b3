/** Test helpers: a world on a fake clock, a command runner over the tools, and the reference samples. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { World } from '../src/model/world';
import { buildWorld } from '../src/model/build';
import { loadScenario, parseScenario } from '../src/scenario';
import { runTool } from '../src/tools';
import type { NicHostState, ToolResult } from '../src/model/types';
import { visibleVfs, writeNumVfs } from '../src/model/nic';
import { nodedevName } from '../src/model/pci';

export interface TestWorld {
  world: World;
  clock: { t: number };
  files: Map<string, string>;
  /** Runs `tool arg arg` (split on spaces) on a host; `answer` feeds a prompt. */
  run(host: string, line: string, answer?: string): ToolResult & { kind: 'done' };
  runRaw(host: string, line: string, answer?: string): ToolResult;
  nic(name: string): NicHostState;
  tick(ms?: number): void;
}

export function testWorld(scenario: string = 'default', pairs = 1, yamlText?: string): TestWorld {
  const sc = yamlText !== undefined ? parseScenario(yamlText, 'inline.yml') : loadScenario(scenario);
  const clock = { t: 1_000_000 };
  const world = new World(buildWorld(sc, { net: '127.99.0', pairs }), { vfDelayMs: 100, migrationMs: 300, now: () => clock.t });
  const files = new Map<string, string>();
  const runRaw = (host: string, line: string, answer?: string): ToolResult => {
    const [tool, ...argv] = line.split(' ').filter(Boolean);
    const h = world.host(host);
    if (!h) throw new Error(`no host ${host}`);
    return runTool({
      world,
      host: h,
      tool: tool!,
      argv,
      cwd: '/root',
      readFile: (f) => files.get(f.startsWith('/') ? f : `/root/${f}`),
      ...(answer !== undefined ? { answer } : {}),
      changed: () => undefined,
    });
  };
  return {
    world,
    clock,
    files,
    runRaw,
    run(host, line, answer) {
      const r = runRaw(host, line, answer);
      if (r.kind !== 'done') throw new Error(`${line} on ${host}: expected an answer, got ${r.kind}`);
      return r;
    },
    nic(name) {
      const h = world.host(name);
      if (!h || h.kind !== 'nic') throw new Error(`no NIC host ${name}`);
      return h;
    },
    tick(ms = 1000) {
      clock.t += ms;
    },
  };
}

/** device-outputs.md, in the repository's test/fixtures/reference (its README names the source), shared with the core's fact tests. */
export function referenceText(): string {
  return readFileSync(resolve(__dirname, '../../../test/fixtures/reference/device-outputs.md'), 'utf8');
}

/** The first fenced block after `marker` in device-outputs.md, verbatim, with its final newline. */
export function referenceBlock(marker: string): string {
  const md = referenceText();
  const at = md.indexOf(marker);
  if (at < 0) throw new Error(`marker not found in device-outputs.md: ${marker}`);
  const open = md.indexOf('```\n', at);
  const close = md.indexOf('\n```', open + 4);
  return md.slice(open + 4, close + 1);
}

export const XML_VF1 = `<interface type='hostdev' managed='yes'>
  <mac address='52:54:00:56:8c:f7'/>
  <source>
    <address type='pci' domain='0x0000' bus='0xe1' slot='0x00' function='0x1'/>
  </source>
</interface>
`;

export function vfXml(pci: string, mac: string): string {
  const [dom, bus, sf] = pci.split(':') as [string, string, string];
  const [slot, fn] = sf.split('.') as [string, string];
  return `<interface type='hostdev' managed='yes'><mac address='${mac}'/><source><address type='pci' domain='0x${dom}' bus='0x${bus}' slot='0x${slot}' function='0x${fn}'/></source></interface>`;
}

/** Steps 1-5 of the procedure on one host, for `n` VFs (the sysfs write goes through the model). */
export function prepare(t: TestWorld, host: string, n = 1): void {
  const p = t.nic(host).pfs[0]!;
  const pf = p.pci;
  expectOk(t.run(host, `devlink dev eswitch set pci/${pf} mode switchdev`));
  if (writeNumVfs(p, '0', t.clock.t, 100, () => false) || writeNumVfs(p, String(n), t.clock.t, 100, () => false)) throw new Error('numvfs refused');
  t.tick(200);
  const vfs = visibleVfs(p, t.clock.t);
  for (const vf of vfs) {
    expectOk(t.run(host, `virsh nodedev-detach ${nodedevName(vf.pci)} --driver pci-stub`));
    expectOk(t.run(host, `devlink port function set pci/${pf}/${vf.index + 1} migratable enable`));
  }
  expectOk(t.run(host, 'systemctl start openvswitch'));
  expectOk(t.run(host, 'ovs-vsctl set Open_vSwitch . other_config:hw-offload=true'));
  expectOk(t.run(host, 'ovs-vsctl --may-exist add-br ovs-sriov'));
  expectOk(t.run(host, 'systemctl restart openvswitch'));
  expectOk(t.run(host, `ovs-vsctl --may-exist add-port ovs-sriov ${p.netdev}`));
  for (const vf of vfs) expectOk(t.run(host, `ovs-vsctl --may-exist add-port ovs-sriov ${vf.representor}`));
}

export function expectOk(r: ToolResult & { kind: 'done' }): ToolResult & { kind: 'done' } {
  if (r.code !== 0) throw new Error(`exit ${r.code}: ${r.stderr}${r.stdout}`);
  return r;
}
