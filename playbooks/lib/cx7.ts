/**
 * Reusable steps for preparing ConnectX-7 hosts for VF live migration (RHEL 9 guide §11.6).
 * Every step reads the state back: addresses and names are discovered, never guessed.
 */
import { step, across, byVar, flushHandlers, ops, sh, expectEqual, expectThat, fail, describeEvidence, unchanged, type Evidence, type HostContext, type HostStep, type Step, type SummaryBy } from 'marshal';
import { observe, evidenceOf } from './evidence';
import {
  arch, isSupportedArch, rpmPackage,
  mellanoxDevices, CX7_PF_DEVICE, MELLANOX_VENDOR,
  mstflintQuery, versionAtLeast, MIN_CX7_MIGRATION_FW,
  mstconfigQuery, vfMigrationStatus,
  iommu, sriov, vfAddress, vfAddresses, pciDriver,
  eswitchMode, devlinkPorts, vfPort, uplinkPort,
  ovsOtherConfigValue, bridgeExists, bridgePorts,
  nodeDeviceName,
} from './facts';

/** The external_id prepare's add-br sets on a bridge it creates: unprepare-cx7 removes only bridges that carry it. */
export const BRIDGE_MARK = { key: 'marshal-created-by', value: 'prepare-cx7' } as const;

/** The handler 5.2 and 5.3 notify: playbooks using openvswitch() list it in `handlers: cx7Handlers()`. */
export const RESTART_OVS = 'restart openvswitch (hw-offload takes effect)';

/** A source and its destination share a `pair` var: across-steps and rolling batches group by it. */
export const byPair = byVar('pair');

/**
 * The run's summary per pair (`summaryBy: pairSummary`): prepared / refused by preflight with the
 * reasons / failed at step N / not reached, after the recap and in `--report`'s groupSummary.
 */
export const pairSummary: SummaryBy = {
  by: byPair,
  describe: (o) => {
    const f = o.failedAt;
    const why = f ? f.failures.map((x) => `${x.host}: ${x.message}`).join('; ') : '';
    switch (o.status) {
      case 'ok':
        return `prepared (${o.changed} changed)`;
      case 'failed':
      case 'unreachable':
        if (o.status === 'failed' && f!.tags.includes('preflight')) return `refused by preflight, nothing changed: ${why}`;
        return `${o.status === 'failed' ? 'failed' : 'unreachable'} at step ${f!.number} of the play (${f!.step}): ${why}; run again to continue from there`;
      case 'incomplete':
        return 'incomplete (the run stopped): run again to continue';
      case 'not run':
        return 'not reached (the rolling run stopped before its batch): run again';
    }
  },
};

/** Vars every CX-7 host needs (set per host in the inventory). */
export interface Cx7Vars {
  /** The PF's PCI address, e.g. 0000:e1:00.0. */
  pf_pci: string;
  /** The OVS bridge that carries the VF's traffic. */
  ovs_bridge: string;
  /** Pairs a source with its destination: the same value on both. */
  pair: string;
  /** How many VFs step 2 creates (default 1; up to 4 can be live-migrated at once per PF). */
  vf_count?: number | string;
}

type H = HostContext<Cx7Vars>;

/** `vf_count` as a number (default 1); a bad value fails naming the host and the var. */
export function vfCount(h: H): number {
  const raw = h.vars.vf_count ?? 1;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 255) fail(`vf_count "${String(raw)}" on ${h.name} is not a whole number from 1 to 255`, { expected: 'a VF count such as 1 or 4', seen: String(raw) });
  return n;
}

/** Drivers a detached VF may be bound to: the stub the procedure asks for, or VFIO variants libvirt binds. */
export const DETACHED_DRIVERS = ['pci-stub', 'vfio-pci', 'mlx5_vfio_pci'];

// ---- discovery: read from the host every time, so a step never works on stale data ----

export async function vfPci(h: H, index = 0): Promise<string> {
  const vf = await h.fact(vfAddress, h.vars.pf_pci, index);
  if (!vf) fail(`no VF ${index} on ${h.vars.pf_pci} (virtfn${index} is missing): run prepare-cx7 with vf_count >= ${index + 1} first`, { expected: `virtfn${index}`, seen: 'none' });
  return vf;
}

/** The VFs the procedure uses, 0 .. vf_count-1, each address read from its virtfnN link. */
export async function vfList(h: H): Promise<{ index: number; pci: string }[]> {
  const n = vfCount(h);
  return Promise.all(Array.from({ length: n }, async (_, index) => ({ index, pci: await vfPci(h, index) })));
}

export async function vfDevlinkPort(h: H, index = 0) {
  const port = vfPort(await h.fact(devlinkPorts), h.vars.pf_pci, index);
  if (!port) fail(`devlink lists no port for VF ${index} of ${h.vars.pf_pci} (is the e-switch in switchdev mode?)`, { expected: 'a pcivf port', seen: 'none' });
  return port;
}

export async function uplinkNetdev(h: H): Promise<string> {
  const port = uplinkPort(await h.fact(devlinkPorts), h.vars.pf_pci);
  if (!port?.netdev) fail(`devlink lists no uplink netdev for ${h.vars.pf_pci}`, { expected: 'a physical port with a netdev', seen: port ? 'a port without netdev' : 'none' });
  return port.netdev;
}

export async function representorNetdev(h: H, index = 0): Promise<string> {
  const port = await vfDevlinkPort(h, index);
  if (!port.netdev) fail(`devlink port ${port.handle} has no representor netdev`, { expected: 'netdev', seen: 'none' });
  return port.netdev;
}

/** Every used VF's representor netdev. */
async function representorNetdevs(h: H): Promise<string[]> {
  return Promise.all(Array.from({ length: vfCount(h) }, (_, i) => representorNetdev(h, i)));
}

// ---- preflight: read-only, on every host, before anything changes anywhere ----

/** One unmet prerequisite, with the command and the output line it was read from. */
export interface Problem {
  what: string;
  expected: string;
  seen: string;
  evidence: Evidence;
}

/** `what: expected X, saw Y (command: "line")`: each problem names its own evidence. */
export function describeProblem(p: Problem): string {
  return `${p.what}: expected ${p.expected}, saw ${p.seen} (${describeEvidence(p.evidence)})`;
}

async function platformProblems(h: H, problems: Problem[]) {
  const machine = await observe(h, arch);
  if (!isSupportedArch(machine.value)) problems.push({ what: 'CPU architecture', expected: 'x86_64 or aarch64', seen: machine.value, evidence: evidenceOf(machine) });
  // rpm -q, not facts.packageQuery: its query filters out the "package X is not installed" line a problem cites as evidence
  const mstflint = await observe(h, rpmPackage, 'mstflint');
  if (!mstflint.value.installed) problems.push({ what: 'package mstflint', expected: 'installed (dnf install mstflint)', seen: 'not installed', evidence: evidenceOf(mstflint) });
  const ovs = await observe(h, rpmPackage, 'openvswitch');
  if (!ovs.value.installed) problems.push({ what: 'package openvswitch', expected: 'installed (dnf install openvswitch)', seen: 'not installed', evidence: evidenceOf(ovs) });
  return { mstflint: mstflint.value.installed };
}

async function nicProblems(h: H, problems: Problem[]): Promise<boolean> {
  const pf = h.vars.pf_pci;
  const devices = await observe(h, mellanoxDevices);
  const nic = devices.value.find((d) => d.address === pf);
  const expected = `a ConnectX-7 (${MELLANOX_VENDOR}:${CX7_PF_DEVICE})`;
  if (!nic) problems.push({ what: `PCI device ${pf}`, expected, seen: 'no Mellanox device at that address', evidence: evidenceOf(devices, pf) });
  else if (nic.deviceId !== undefined && nic.deviceId !== CX7_PF_DEVICE) {
    problems.push({ what: `PCI device ${pf}`, expected, seen: `${nic.vendorId}:${nic.deviceId} ${nic.description ?? ''}`.trim(), evidence: evidenceOf(devices, pf) });
  }
  return nic !== undefined;
}

const MODE_SEEN = {
  absent: 'not offered by this firmware',
  pending: 'MIGRATION_ENABLED(2) set for next boot only: run mstfwreset or reboot (playbooks/enable-migration-mode.ts)',
  unknown: 'MIGRATION_ENABLED(2) for next boot; current value unknown',
  disabling: 'enabled now but disabled at next boot',
  enabled: '',
} as const;

async function firmwareProblems(h: H, problems: Problem[]) {
  const pf = h.vars.pf_pci;
  const q = await observe(h, mstflintQuery, pf);
  const fw = q.value;
  if (!versionAtLeast(fw.runningVersion, MIN_CX7_MIGRATION_FW)) {
    problems.push({
      what: 'running firmware',
      expected: `>= ${MIN_CX7_MIGRATION_FW}`,
      seen: fw.runningVersion + (fw.resetPending ? ` (${fw.fwVersion} flashed, not yet running)` : ''),
      evidence: evidenceOf(q, fw.fwVersionRunning !== undefined ? /^FW Version\(Running\):/ : /^FW Version:/),
    });
  }
  const c = await observe(h, mstconfigQuery, pf);
  const mode = vfMigrationStatus(c.value);
  if (mode.state !== 'enabled') {
    const seen = mode.state === 'disabled' ? `${mode.param?.current?.raw ?? mode.param?.next.raw ?? 'disabled'} (run playbooks/enable-migration-mode.ts)` : MODE_SEEN[mode.state];
    problems.push({ what: 'VF_MIGRATION_MODE', expected: 'MIGRATION_ENABLED(2), in effect', seen, evidence: evidenceOf(c, 'VF_MIGRATION_MODE') });
  }
}

/** Runs every prerequisite check and reports all problems at once, each with expected, seen and evidence. */
export async function prerequisites(h: H): Promise<Problem[]> {
  const problems: Problem[] = [];
  const pf = h.vars.pf_pci;
  const { mstflint } = await platformProblems(h, problems);
  const nic = await nicProblems(h, problems);
  if (mstflint && nic) await firmwareProblems(h, problems);
  else if (!mstflint) {
    problems.push({ what: 'firmware version, PSID, VF_MIGRATION_MODE', expected: 'checked with mstflint/mstconfig', seen: 'not checked: mstflint is missing', evidence: problems.find((p) => p.what === 'package mstflint')!.evidence });
  }
  const io = await observe(h, iommu);
  if (!io.value.enabled) {
    problems.push({ what: 'IOMMU', expected: 'enabled (intel_iommu=on on Intel; /sys/kernel/iommu_groups non-empty)', seen: `disabled (cmdline: ${io.value.cmdline.trim() || 'empty'})`, evidence: evidenceOf(io, /^iommu_groups=/) });
  }
  if (nic) {
    const sr = await observe(h, sriov, pf);
    if (sr.value.totalVfs < 1) problems.push({ what: 'SR-IOV', expected: 'sriov_totalvfs >= 1', seen: String(sr.value.totalVfs), evidence: evidenceOf(sr, '/sriov_totalvfs:') });
  }
  return problems;
}

export function preflight(): Step<Cx7Vars>[] {
  return [
    step<Cx7Vars>({
      name: 'Preflight: CX-7 prerequisites (arch, packages, NIC, firmware, migration mode, IOMMU, SR-IOV)',
      tags: ['preflight'],
      verify: async (h) => {
        const problems = await prerequisites(h);
        if (problems.length > 0) {
          fail(problems.map(describeProblem).join('; '), {
            expected: problems.map((p) => `${p.what}: ${p.expected}`),
            seen: problems.map((p) => `${p.what}: ${p.seen}`),
            evidence: problems.map((p) => p.evidence),
          });
        }
      },
    }),
    across<Cx7Vars>({
      name: 'Preflight: source and destination have the same PSID and firmware',
      tags: ['preflight'],
      across: byPair,
      verify: async (g) => {
        const src = g.one('source');
        const dst = g.one('destination');
        const [a, b] = await Promise.all([observe(src, mstflintQuery, src.vars.pf_pci), observe(dst, mstflintQuery, dst.vars.pf_pci)]);
        const fwLine = (q: typeof a) => (q.value.fwVersionRunning !== undefined ? /^FW Version\(Running\):/ : /^FW Version:/);
        const problems: string[] = [];
        const evidence: Evidence[] = [];
        const differ = (what: string, x: string, y: string, line: (q: typeof a) => RegExp) => {
          if (x === y) return;
          const [ea, eb] = [evidenceOf(a, line(a)), evidenceOf(b, line(b))];
          problems.push(`${what}: ${src.name} has ${x} (${describeEvidence(ea)}), ${dst.name} has ${y} (${describeEvidence(eb)}); expected the same`);
          evidence.push(ea, eb);
        };
        differ('PSID', a.value.psid, b.value.psid, () => /^PSID:/);
        differ('firmware', a.value.runningVersion, b.value.runningVersion, fwLine);
        if (problems.length) fail(problems.join('; '), { expected: 'same PSID and firmware', seen: problems, evidence });
      },
    }),
  ];
}

// ---- steps 1-5 of the procedure ----

export function switchdev(): HostStep<Cx7Vars> {
  return step<Cx7Vars>({
    name: 'Step 1: e-switch in switchdev mode',
    check: async (h) => (await h.fact(eswitchMode, h.vars.pf_pci)) === 'switchdev',
    run: (h) => h.run(sh`devlink dev eswitch set ${`pci/${h.vars.pf_pci}`} mode switchdev`),
    verify: async (h) => expectEqual(await h.fact(eswitchMode, h.vars.pf_pci), 'switchdev', 'e-switch mode'),
  });
}

export function vfsCreated(): HostStep<Cx7Vars> {
  const numvfs = (h: H) => `/sys/bus/pci/devices/${h.vars.pf_pci}/sriov_numvfs`;
  return step<Cx7Vars>({
    name: 'Step 2: VFs created (vf_count, default 1)',
    check: async (h) => {
      const want = vfCount(h);
      const sr = await h.fact(sriov, h.vars.pf_pci);
      if (want > sr.totalVfs) fail(`vf_count ${want} is above ${h.vars.pf_pci}'s sriov_totalvfs ${sr.totalVfs}`, { expected: `<= ${sr.totalVfs}`, seen: want });
      // the kernel changes a nonzero count only through 0, which destroys the VFs (and breaks VMs using them)
      if (sr.numVfs !== 0 && sr.numVfs !== want) fail(`${sr.numVfs} VFs exist on ${h.vars.pf_pci}, vf_count asks for ${want}; this procedure will not destroy them (run unprepare-cx7 first)`, { expected: want, seen: sr.numVfs });
      return sr.numVfs === want && (await h.fact(vfAddresses, h.vars.pf_pci)).length === want;
    },
    run: (h) => h.run(sh`echo ${String(vfCount(h))} > ${numvfs(h)}`),
    // the kernel creates the VFs, their representors and netdevs asynchronously
    settle: 15,
    verify: async (h) => {
      const want = vfCount(h);
      expectEqual((await h.fact(sriov, h.vars.pf_pci)).numVfs, want, 'sriov_numvfs');
      const vfs = await h.fact(vfAddresses, h.vars.pf_pci);
      expectThat(vfs.length === want, `${want} virtfn links under ${h.vars.pf_pci}`, vfs.map((v) => `virtfn${v.index}`).join(', ') || 'none yet');
      for (const v of vfs) h.note(`VF ${v.index} is ${v.address}`);
    },
  });
}

/** The used VFs whose driver is a host network driver (not none, a stub or VFIO). */
async function attachedVfs(h: H): Promise<{ pci: string; driver: string | null }[]> {
  const vfs = await Promise.all((await vfList(h)).map(async (v) => ({ pci: v.pci, driver: await h.fact(pciDriver, v.pci) })));
  return vfs.filter((v) => v.driver !== null && !DETACHED_DRIVERS.includes(v.driver));
}

export function vfDetached(): HostStep<Cx7Vars> {
  return step<Cx7Vars>({
    name: 'Step 3: VF detached from its host driver',
    check: async (h) => (await attachedVfs(h)).length === 0,
    run: async (h) => {
      for (const v of await attachedVfs(h)) await h.run(sh`virsh nodedev-detach ${nodeDeviceName(v.pci)} --driver pci-stub`);
    },
    verify: async (h) => {
      const left = await attachedVfs(h);
      expectThat(left.length === 0, `every VF bound to none of the host's network drivers (${DETACHED_DRIVERS.join(', ')} or none)`, left.map((v) => `${v.pci}: ${v.driver}`).join(', '));
    },
  });
}

/** The used VFs' devlink ports whose `migratable` is not enabled. */
async function notMigratable(h: H) {
  const ports = await Promise.all(Array.from({ length: vfCount(h) }, (_, i) => vfDevlinkPort(h, i)));
  return ports.filter((p) => p.function?.migratable !== true);
}

export function vfMigratable(): HostStep<Cx7Vars> {
  return step<Cx7Vars>({
    name: 'Step 4: VF port migratable',
    check: async (h) => (await notMigratable(h)).length === 0,
    run: async (h) => {
      for (const p of await notMigratable(h)) await h.run(sh`devlink port function set ${p.handle} migratable enable`);
    },
    verify: async (h) => {
      const left = await notMigratable(h);
      const show = (m: boolean | undefined) => (m === undefined ? 'absent (migration capability not active)' : m ? 'enable' : 'disable');
      expectThat(left.length === 0, 'every VF port migratable enable', left.map((p) => `${p.handle} migratable ${show(p.function?.migratable)}`).join(', '));
    },
  });
}

/** An operation's step whose verify is re-tried for `seconds` (ops take no settle): ovs-vswitchd may still be coming up. */
function settled(s: HostStep<Cx7Vars>, seconds = 10): HostStep<Cx7Vars> {
  return Object.freeze({ ...s, settle: seconds });
}

/** Step 5: Open vSwitch carries the VF's traffic while the e-switch is in switchdev mode. */
export function openvswitch(): HostStep<Cx7Vars>[] {
  const otherConfig = (key: string, value: string, n: string) =>
    step<Cx7Vars>({
      name: `Step 5.${n}: Open vSwitch other_config:${key}=${value}`,
      check: async (h) => (await h.fact(ovsOtherConfigValue, key)) === value,
      run: (h) => h.run(sh`ovs-vsctl set Open_vSwitch . ${`other_config:${key}=${value}`}`),
      // ovs-vswitchd reads hw-offload only when it starts; the notification is kept on the host, so a run that dies before the restart still restarts next time
      notify: RESTART_OVS,
      verify: async (h) => expectEqual(await h.fact(ovsOtherConfigValue, key), value, `other_config:${key}`),
    });
  const missing = async (h: H, netdevs: (h: H) => Promise<string[]>) => {
    const ports = await h.fact(bridgePorts, h.vars.ovs_bridge);
    return (await netdevs(h)).filter((n) => !ports.includes(n));
  };
  const portOnBridge = (n: string, what: string, netdevs: (h: H) => Promise<string[]>) =>
    step<Cx7Vars>({
      name: `Step 5.${n}: ${what} on the OVS bridge`,
      check: async (h) => (await missing(h, netdevs)).length === 0,
      run: async (h) => {
        for (const p of await missing(h, netdevs)) await h.run(sh`ovs-vsctl add-port ${h.vars.ovs_bridge} ${p}`);
      },
      verify: async (h) => {
        const left = await missing(h, netdevs);
        const ports = await h.fact(bridgePorts, h.vars.ovs_bridge);
        expectThat(left.length === 0, `${(await netdevs(h)).join(', ')} on ${h.vars.ovs_bridge}`, ports.join(', ') || 'no ports');
      },
    });
  return [
    settled(ops.service<Cx7Vars>({ name: 'Step 5.1: openvswitch service running', service: 'openvswitch', state: 'started' })),
    otherConfig('hw-offload', 'true', '2'),
    otherConfig('max-idle', '300000', '3'),
    step<Cx7Vars>({
      name: 'Step 5.4: OVS bridge exists',
      check: (h) => h.fact(bridgeExists, h.vars.ovs_bridge),
      // one transaction: a bridge Marshal created always carries the mark unprepare-cx7 removes it by
      run: (h) => h.run(sh`ovs-vsctl add-br ${h.vars.ovs_bridge} -- br-set-external-id ${h.vars.ovs_bridge} ${BRIDGE_MARK.key} ${BRIDGE_MARK.value}`),
      verify: async (h) => expectEqual(await h.fact(bridgeExists, h.vars.ovs_bridge), true, `bridge ${h.vars.ovs_bridge} exists`),
    }),
    // the restart runs here, before the ports are added, as the guide orders it
    flushHandlers<Cx7Vars>('Step 5.5: openvswitch restarted so hw-offload takes effect (when 5.2 or 5.3 changed)'),
    portOnBridge('6', 'PF uplink', async (h) => [await uplinkNetdev(h)]),
    portOnBridge('7', 'VF representor', representorNetdevs),
  ];
}

export function cx7Handlers(): HostStep<Cx7Vars>[] {
  return [
    settled(ops.service<Cx7Vars>({ name: RESTART_OVS, service: 'openvswitch', state: 'restarted' })),
  ];
}

/** Steps 1-5 (step 6 is the same on the destination: the runner does both hosts at once). */
export function prepareSteps(): Step<Cx7Vars>[] {
  return [switchdev(), vfsCreated(), vfDetached(), vfMigratable(), ...openvswitch()];
}

/** Read-only re-checks of what prepareSteps() achieves, for playbooks that must not change it. */
export function preparedAssertions(prefix: string, hosts?: string, opts: { except?: readonly string[] } = {}): Step<Cx7Vars>[] {
  const left = (name: string) => !(opts.except ?? []).some((e) => name.startsWith(`${e}:`));
  return prepareSteps()
    .filter((s): s is HostStep<Cx7Vars> => s.kind === 'host' && s.verify !== undefined && !s.when && s.meta === undefined && left(s.name))
    .map((s) => step<Cx7Vars>({ name: `${prefix}: ${s.name.replace(/^Step [\d.]+: /, '')}`, tags: ['preflight'], ...(hosts ? { hosts } : {}), verify: s.verify! }));
}

export { unchanged };
