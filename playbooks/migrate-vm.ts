/**
 * Step 9 and the verification: live-migrate the VM with its VF to the destination, then prove
 * inside the guest that the VF is there and passes traffic.
 *
 *   marshal run playbooks/migrate-vm.ts -i inventory
 *
 * Both ends are re-checked read-only first. Post-copy and vIOMMU domains are refused.
 */
import { playbook, step, across, sh, expectThat, fail, unchanged, StepFailure, type HostContext, type HostGroupView } from 'marshal';
import { domains, domainXml, classifyMigrationError, links, ping, vfAddresses } from './lib/facts';
import { byPair, preparedAssertions } from './lib/cx7';
import { migrationWaves, noViommu, vfAssignments, vmsOf, type VfVars } from './lib/vf';
import { sharedVars } from './lib/vars';

interface Vars extends VfVars {
  /** Asking for post-copy is refused: VFIO migration does not support it. */
  migrate_postcopy?: boolean | string;
  /** A host as libvirt should reach it as the migration's target (default: its inventory address). */
  migrate_dest?: string;
  /** Where the VMs go: `destination` (default) or `source` (the way back). */
  migrate_to?: string;
  /** On guests: the address to ping through the VF. */
  ping_target?: string;
}

type H = HostContext<Vars>;

const truthy = (v: unknown) => v === true || ['yes', 'true', '1'].includes(String(v ?? '').toLowerCase());

async function runningOn(h: HostContext<object>, vm: string): Promise<boolean> {
  return (await h.fact(domains)).some((d) => d.name === vm && d.state === 'running');
}

/** The pair's hosts in the direction asked for (migrate_to, read on the source). */
function ends(g: HostGroupView<Vars>): { from: H; to: H } {
  const src = g.one('source');
  const dst = g.one('destination');
  const to = String(src.vars.migrate_to ?? 'destination');
  if (to !== 'destination' && to !== 'source') fail(`migrate_to "${to}" on ${src.name} is neither destination nor source`, { expected: 'destination or source', seen: to });
  return to === 'source' ? { from: dst, to: src } : { from: src, to: dst };
}

/** VFs of the PF each VM holds on `from`, counted by PF (what the per-PF migration limit counts). */
async function vfsByPf(from: H, vm: string): Promise<Map<string, number>> {
  const ours = new Set((await from.fact(vfAddresses, from.vars.pf_pci)).map((v) => v.address));
  const held = (await from.fact(domainXml, vm)).passthroughPci.filter((p) => ours.has(p)).length;
  return new Map(held ? [[from.vars.pf_pci, held]] : []);
}

/** One `virsh migrate`; a refusal comes back as a StepFailure naming libvirt's reason and text. */
async function migrateOne(from: H, to: H, vm: string): Promise<StepFailure | undefined> {
  const desturi = `qemu+ssh://${to.vars.migrate_dest ?? to.address}/system`;
  const flags = truthy(from.vars.migrate_postcopy) ? ['--postcopy'] : [];
  const res = await from.run(sh`virsh migrate --live --verbose ${flags} --domain ${vm} --desturi ${desturi}`, { okExitCodes: [0, 1] });
  if (res.exitCode === 0) {
    from.note(`${vm}: ${from.name} → ${to.name} (${desturi})`);
    return undefined;
  }
  const why = classifyMigrationError(res.stderr);
  return new StepFailure('command', `virsh migrate refused (${why.reason}): ${why.message} (domain ${vm})`, { command: res.command, exitCode: res.exitCode, stderr: res.stderr });
}

export default playbook<Vars>({
  name: 'Live-migrate the VM with its CX-7 VF',
  hosts: 'source:destination:guests',
  ...sharedVars('pf_pci', 'ovs_bridge', 'pair', 'vm_name', 'ping_target', 'vf_count'),
  steps: [
    // step 3 is left out: libvirt's managed hostdev gives a VF back to its host driver when the VM leaves and detaches it again when one arrives
    ...preparedAssertions('Still prepared', 'source:destination', { except: ['Step 3'] }),
    step({
      name: 'Post-copy is not requested',
      hosts: 'source',
      verify: (h) => {
        if (truthy(h.vars.migrate_postcopy)) fail('VFIO migration is not supported with postcopy migration (unset migrate_postcopy)', { expected: 'pre-copy live migration', seen: '--postcopy requested' });
      },
    }),
    noViommu({ onlyIfRunningHere: true }),
    across({
      name: 'Step 9: VM live-migrated to the destination (or back: migrate_to=source)',
      across: byPair,
      risk: 'migration',
      hosts: 'source:destination',
      run: async (g) => {
        const { from, to } = ends(g);
        const todo: string[] = [];
        for (const { name } of vmsOf(g.one('source'))) {
          if (await runningOn(from, name)) todo.push(name);
          else if (!(await runningOn(to, name))) fail(`${name} runs neither on ${from.name} nor on ${to.name}`, { expected: `${name} running on ${from.name}`, seen: 'not running' });
        }
        if (todo.length === 0) return unchanged();
        from.warn('domjobinfo / domdirtyrate-calc figures count guest RAM only: they ignore the VF while it is attached');
        const perVm = new Map(await Promise.all(todo.map(async (vm) => [vm, await vfsByPf(from, vm)] as const)));
        // VMs migrate concurrently, at most 4 VFs of one PF at a time (QEMU's DMA logging limit)
        for (const wave of migrationWaves(todo, (vm) => perVm.get(vm)!)) {
          const refused = (await Promise.all(wave.map((vm) => migrateOne(from, to, vm)))).filter((r) => r !== undefined);
          if (refused.length === 1) throw refused[0];
          if (refused.length > 1) throw new StepFailure('command', refused.map((r) => r.message).join('; '));
        }
        return undefined;
      },
      verify: async (g) => {
        const { from, to } = ends(g);
        for (const { name } of vmsOf(g.one('source'))) {
          expectThat(await runningOn(to, name), `${name} running on ${to.name}`, 'not running there');
          expectThat(!(await runningOn(from, name)), `${name} no longer running on ${from.name}`, `still running on ${from.name}`);
        }
      },
    }),
    across({
      name: 'Guest: VF interface present and passing traffic',
      across: byPair,
      verify: async (g) => {
        const src = g.one('source');
        const guests = g.hosts.filter((h) => h.groups.includes('guests'));
        for (const vm of vmsOf(src)) {
          const guest = guests.find((h) => h.vars.vm_name === vm.name);
          if (!guest) {
            // guests are optional in the inventory: without one the in-guest check cannot run, which is said, not hidden
            src.warn(`${vm.name}: no guest host (group guests, vm_name ${vm.name}, pair ${g.key}): the VF was not checked inside the VM`);
            continue;
          }
          const target = guest.vars.ping_target;
          if (!target) fail(`no ping_target var on ${guest.name}`);
          for (const { mac } of (await vfAssignments(src)).filter((a) => a.vm === vm.name)) {
            const iface = (await guest.fact(links)).find((l) => l.mac?.toLowerCase() === mac);
            expectThat(iface !== undefined, `an interface with the VF's MAC ${mac} in ${guest.name} (ip -br link)`, 'none');
            const p = await guest.fact(ping, target, { iface: iface.name, count: 3 });
            expectThat(p.lossPercent === 0, `0% packet loss pinging ${target} via ${iface.name} in ${guest.name}`, `${p.lossPercent}% loss`);
            guest.note(`${iface.name} (${mac}) reaches ${target} with 0% loss`);
          }
        }
      },
    }),
  ],
});
