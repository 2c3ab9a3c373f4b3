/**
 * Step 9 and the verification: live-migrate the VM with its VF to the destination, then prove
 * inside the guest that the VF is there and passes traffic.
 *
 *   marshal run playbooks/migrate-vm.ts -i inventory
 *
 * Both ends are re-checked read-only first. Post-copy and vIOMMU domains are refused.
 */
import { playbook, step, across, sh, expectThat, fail, unchanged, StepFailure, type HostContext } from 'marshal';
import { domains, domainXml, classifyMigrationError, links, ping } from './lib/facts';
import { byPair, preparedAssertions } from './lib/cx7';
import { noViommu, vfIdentity, type VfVars } from './lib/vf';
import { sharedVars } from './lib/vars';

interface Vars extends VfVars {
  /** Asking for post-copy is refused: VFIO migration does not support it. */
  migrate_postcopy?: boolean | string;
  /** Destination as libvirt should reach it (default: its inventory address). */
  migrate_dest?: string;
  /** On guests: the address to ping through the VF. */
  ping_target?: string;
}

const truthy = (v: unknown) => v === true || ['yes', 'true', '1'].includes(String(v ?? '').toLowerCase());

async function runningOn(h: HostContext<object>, vm: string): Promise<boolean> {
  return (await h.fact(domains)).some((d) => d.name === vm && d.state === 'running');
}

export default playbook<Vars>({
  name: 'Live-migrate the VM with its CX-7 VF',
  hosts: 'source:destination:guests',
  ...sharedVars('pf_pci', 'ovs_bridge', 'pair', 'vm_name', 'ping_target'),
  steps: [
    ...preparedAssertions('Still prepared', 'source:destination'),
    step({
      name: 'Post-copy is not requested',
      hosts: 'source',
      verify: (h) => {
        if (truthy(h.vars.migrate_postcopy)) fail('VFIO migration is not supported with postcopy migration (unset migrate_postcopy)', { expected: 'pre-copy live migration', seen: '--postcopy requested' });
      },
    }),
    noViommu({ onlyIfRunningHere: true }),
    across({
      name: 'Step 9: VM live-migrated to the destination',
      across: byPair,
      risk: 'migration',
      hosts: 'source:destination',
      run: async (g) => {
        const src = g.one('source');
        const dst = g.one('destination');
        const vm = src.vars.vm_name;
        if (!vm) fail(`no vm_name var on ${src.name}`);
        if (!(await runningOn(src, vm)) && (await runningOn(dst, vm))) return unchanged();
        const desturi = `qemu+ssh://${dst.vars.migrate_dest ?? dst.address}/system`;
        const flags = truthy(src.vars.migrate_postcopy) ? ['--postcopy'] : [];
        src.warn('domjobinfo / domdirtyrate-calc figures count guest RAM only: they ignore the VF while it is attached');
        const res = await src.run(sh`virsh migrate --live --verbose ${flags} --domain ${vm} --desturi ${desturi}`, { okExitCodes: [0, 1] });
        if (res.exitCode !== 0) {
          const why = classifyMigrationError(res.stderr);
          throw new StepFailure('command', `virsh migrate refused (${why.reason}): ${why.message}`, { command: res.command, exitCode: res.exitCode, stderr: res.stderr });
        }
        src.note(`${vm}: ${src.name} → ${dst.name} (${desturi})`);
        return undefined;
      },
      verify: async (g) => {
        const src = g.one('source');
        const dst = g.one('destination');
        const vm = src.vars.vm_name;
        expectThat(await runningOn(dst, vm), `${vm} running on ${dst.name}`, 'not running there');
        expectThat(!(await runningOn(src, vm)), `${vm} no longer running on ${src.name}`, 'still running on the source');
      },
    }),
    across({
      name: 'Guest: VF interface present and passing traffic',
      across: byPair,
      verify: async (g) => {
        const src = g.one('source');
        const guest = g.one('guests');
        const { mac } = await vfIdentity(src);
        const iface = (await guest.fact(links)).find((l) => l.mac?.toLowerCase() === mac);
        expectThat(iface !== undefined, `an interface with the VF's MAC ${mac} in the guest (ip -br link)`, 'none');
        const target = guest.vars.ping_target;
        if (!target) fail(`no ping_target var on ${guest.name}`);
        const p = await guest.fact(ping, target, { iface: iface.name, count: 3 });
        expectThat(p.lossPercent === 0, `0% packet loss pinging ${target} via ${iface.name}`, `${p.lossPercent}% loss`);
        guest.note(`${iface.name} (${mac}) reaches ${target} with 0% loss`);
      },
    }),
  ],
});
