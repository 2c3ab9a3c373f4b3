/**
 * The undo of prepare-cx7's steps 5-1: VF representors and the PF uplink off the OVS bridge, the
 * bridge removed when prepare created it, the VFs back to their host driver, the VFs removed, the
 * e-switch back to legacy. Refused (on both hosts of the pair) while a VM holds a VF of the PF.
 * Open vSwitch itself and its other_config (5.1-5.3) stay: they are host-wide, other bridges use them.
 */
import { step, across, sh, expectEqual, expectThat, fail, type HostContext, type HostStep, type Step } from 'marshal';
import { BRIDGE_MARK, byPair, DETACHED_DRIVERS, type Cx7Vars } from './cx7';
import { allDomainXml } from './vf';
import { bridgeExists, bridgeExternalId, bridgePorts, devlinkPorts, eswitchMode, nodeDeviceName, pciDriver, portsOf, sriov, uplinkPort, unitState, vfAddresses } from './facts';

type H = HostContext<Cx7Vars>;

/** Domains on the host (running or not) whose config holds a VF of the PF: `vm1 (0000:e1:00.1)`. */
export async function vfUsers(h: H): Promise<string[]> {
  const vfs = new Set((await h.fact(vfAddresses, h.vars.pf_pci)).map((v) => v.address));
  if (vfs.size === 0) return [];
  return (await allDomainXml(h)).flatMap((d) => {
    const held = d.passthroughPci.filter((p) => vfs.has(p));
    return held.length ? [`${d.name} (${held.join(', ')})`] : [];
  });
}

/** The bridge's ports that prepare put there: the PF uplink (`uplink`) or the VF representors. */
async function ourPorts(h: H, which: 'uplink' | 'representors'): Promise<string[]> {
  const ports = await h.fact(devlinkPorts);
  const names =
    which === 'uplink'
      ? [uplinkPort(ports, h.vars.pf_pci)?.netdev]
      : portsOf(ports, h.vars.pf_pci)
          .filter((p) => p.flavour === 'pcivf')
          .map((p) => p.netdev);
  const wanted = names.filter((n): n is string => !!n);
  const onBridge = await h.fact(bridgePorts, h.vars.ovs_bridge);
  return wanted.filter((n) => onBridge.includes(n));
}

/** OVS steps apply only while the service runs and the bridge exists (ovs-vsctl needs the daemon). */
async function bridgeReachable(h: H): Promise<boolean> {
  return (await h.fact(unitState, 'openvswitch')) === 'active' && (await h.fact(bridgeExists, h.vars.ovs_bridge));
}

function portsOff(n: string, what: string, which: 'uplink' | 'representors'): HostStep<Cx7Vars> {
  return step<Cx7Vars>({
    name: `Undo 5.${n}: ${what} off the OVS bridge`,
    when: bridgeReachable,
    check: async (h) => (await ourPorts(h, which)).length === 0,
    run: async (h) => {
      const cmds = (await ourPorts(h, which)).map((p) => sh`ovs-vsctl --if-exists del-port ${h.vars.ovs_bridge} ${p}`);
      for (const c of cmds) await h.run(c);
    },
    verify: async (h) => {
      const left = await ourPorts(h, which);
      expectThat(left.length === 0, `no ${what} on ${h.vars.ovs_bridge}`, left.join(', '));
    },
  });
}

/** Undo 5.4: only a bridge carrying prepare's mark, and only once nothing else is on it. */
function bridgeRemoved(): HostStep<Cx7Vars> {
  const ours = async (h: H) => (await h.fact(bridgeExternalId, h.vars.ovs_bridge, BRIDGE_MARK.key)) === BRIDGE_MARK.value;
  return step<Cx7Vars>({
    name: 'Undo 5.4: OVS bridge removed (only when prepare-cx7 created it)',
    when: bridgeReachable,
    check: async (h) => {
      if (!(await ours(h))) {
        h.note(`${h.vars.ovs_bridge} kept: prepare-cx7 did not create it (no external_id ${BRIDGE_MARK.key}=${BRIDGE_MARK.value})`);
        return true;
      }
      const others = await h.fact(bridgePorts, h.vars.ovs_bridge);
      if (others.length > 0) {
        h.warn(`${h.vars.ovs_bridge} kept: it also holds ports prepare-cx7 did not add (${others.join(', ')})`);
        return true;
      }
      return false;
    },
    run: (h) => h.run(sh`ovs-vsctl del-br ${h.vars.ovs_bridge}`),
    verify: async (h) => expectEqual(await h.fact(bridgeExists, h.vars.ovs_bridge), false, `bridge ${h.vars.ovs_bridge} exists`),
  });
}

/** VFs bound to a stub or VFIO driver (what step 3 or libvirt left), which nodedev-reattach gives back. */
async function detachedVfs(h: H): Promise<string[]> {
  const vfs = await h.fact(vfAddresses, h.vars.pf_pci);
  const drivers = await Promise.all(vfs.map(async (v) => ({ vf: v.address, driver: await h.fact(pciDriver, v.address) })));
  return drivers.filter((d) => d.driver !== null && DETACHED_DRIVERS.includes(d.driver)).map((d) => d.vf);
}

function vfsReattached(): HostStep<Cx7Vars> {
  return step<Cx7Vars>({
    name: 'Undo 3: VFs back to their host driver',
    check: async (h) => (await detachedVfs(h)).length === 0,
    run: async (h) => {
      for (const vf of await detachedVfs(h)) await h.run(sh`virsh nodedev-reattach ${nodeDeviceName(vf)}`);
    },
    verify: async (h) => {
      const left = await detachedVfs(h);
      expectThat(left.length === 0, `no VF of ${h.vars.pf_pci} on ${DETACHED_DRIVERS.join('/')}`, left.join(', '));
    },
  });
}

function vfsRemoved(): HostStep<Cx7Vars> {
  return step<Cx7Vars>({
    name: 'Undo 2: VFs removed',
    check: async (h) => (await h.fact(sriov, h.vars.pf_pci)).numVfs === 0,
    run: (h) => h.run(sh`echo 0 > ${`/sys/bus/pci/devices/${h.vars.pf_pci}/sriov_numvfs`}`),
    // the kernel removes the VFs' devices asynchronously
    settle: 15,
    verify: async (h) => {
      expectEqual((await h.fact(sriov, h.vars.pf_pci)).numVfs, 0, 'sriov_numvfs');
      const left = await h.fact(vfAddresses, h.vars.pf_pci);
      expectThat(left.length === 0, `no virtfn links under ${h.vars.pf_pci}`, left.map((v) => `virtfn${v.index}`).join(', '));
    },
  });
}

function legacyMode(): HostStep<Cx7Vars> {
  return step<Cx7Vars>({
    name: 'Undo 1: e-switch in legacy mode',
    check: async (h) => (await h.fact(eswitchMode, h.vars.pf_pci)) === 'legacy',
    run: (h) => h.run(sh`devlink dev eswitch set ${`pci/${h.vars.pf_pci}`} mode legacy`),
    verify: async (h) => expectEqual(await h.fact(eswitchMode, h.vars.pf_pci), 'legacy', 'e-switch mode'),
  });
}

/** Refuses the whole pair while a VM on either host holds a VF of the PF: nothing changes on either. */
export function noVmUsesTheVfs(): Step<Cx7Vars> {
  return across<Cx7Vars>({
    name: 'Preflight: no VM uses a VF of the PF (on either host of the pair)',
    tags: ['preflight'],
    across: byPair,
    verify: async (g) => {
      const problems: string[] = [];
      for (const h of g.hosts) {
        const users = await vfUsers(h);
        if (users.length) problems.push(`${h.name}: ${users.join(', ')}`);
      }
      if (problems.length) {
        fail(`VFs of the PF are in use by VMs: ${problems.join('; ')}; detach them (virsh detach-device) or migrate the VMs away first`, { expected: 'no domain holding a VF of the PF', seen: problems });
      }
    },
  });
}

/** Steps 5-1 of prepare-cx7, undone in reverse order. */
export function unprepareSteps(): Step<Cx7Vars>[] {
  return [noVmUsesTheVfs(), portsOff('7', 'VF representors', 'representors'), portsOff('6', 'PF uplink', 'uplink'), bridgeRemoved(), vfsReattached(), vfsRemoved(), legacyMode()];
}
