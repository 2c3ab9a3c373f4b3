/**
 * Steps 7-8: write each VF's libvirt interface XML on the source host (templates/mlx_vf.xml.hbs)
 * and attach it to its running VM (`virsh attach-device <vm> <file> --live --config`).
 * One VM with `vm_name` (VF `vf_index`, default 0), or several with `vms: [{ name, vfs: [...] }]`.
 *
 *   marshal run playbooks/attach-vf.ts -i inventory --diff      # shows the rendered XML
 */
import { playbook, step, across, sh, expectThat, fail, type HostContext } from 'marshal';
import { domains, domainXml } from './lib/facts';
import { byPair } from './lib/cx7';
import { sharedVars } from './lib/vars';
import { MAX_MIGRATING_VFS_PER_PF, allDomainXml, noViommu, renderVfXml, vfAssignments, vfsInUse, vmsOf, xmlPath, type VfAssignment, type VfVars } from './lib/vf';

type H = HostContext<VfVars>;

/** Assignments whose XML file does not hold the rendered XML yet. */
async function unwritten(h: H): Promise<{ a: VfAssignment; xml: string }[]> {
  const out: { a: VfAssignment; xml: string }[] = [];
  for (const a of await vfAssignments(h)) {
    const xml = renderVfXml(h, a);
    if ((await h.run(sh`cat -- ${xmlPath(h, a.vm, a.index)}`, { okExitCodes: [0, 1] })).stdout !== xml) out.push({ a, xml });
  }
  return out;
}

/** Assignments whose VF is not in its VM's domain XML yet. */
async function unattached(h: H): Promise<VfAssignment[]> {
  const out: VfAssignment[] = [];
  for (const a of await vfAssignments(h)) if (!(await h.fact(domainXml, a.vm)).passthroughPci.includes(a.vf)) out.push(a);
  return out;
}

export default playbook<VfVars>({
  name: 'Attach the CX-7 VF to the VM',
  hosts: 'source:destination',
  ...sharedVars('pf_pci', 'pair', 'vm_name', 'vf_count'),
  steps: [
    step({
      name: 'VM is running on the source',
      hosts: 'source',
      verify: async (h) => {
        const list = await h.fact(domains);
        for (const vm of vmsOf(h)) {
          const d = list.find((x) => x.name === vm.name);
          expectThat(d?.state === 'running', `domain ${vm.name} running`, d ? d.state : 'no such domain');
        }
      },
    }),
    noViommu(),
    across({
      name: 'VF MAC address is unique on source and destination',
      across: byPair,
      verify: async (g) => {
        const src = g.one('source');
        const dst = g.one('destination');
        for (const { vm, vf, mac } of await vfAssignments(src)) {
          for (const host of [src, dst]) {
            for (const d of await allDomainXml(host)) {
              // the interface this playbook attached on an earlier run is not a clash
              const clash = d.interfaces.find((i) => i.mac === mac && !(host === src && d.name === vm && i.sourcePci === vf));
              if (clash) fail(`MAC ${mac} is already used by domain ${d.name} on ${host.name}; set vf_mac to a unique address`, { expected: 'an unused MAC', seen: `${mac} on ${host.name}/${d.name}` });
            }
          }
        }
      },
    }),
    step({
      name: `At most ${MAX_MIGRATING_VFS_PER_PF} VFs of the PF attached to VMs`,
      hosts: 'source',
      verify: async (h) => {
        const ours = (await vfAssignments(h)).map((a) => a.vf);
        const others = await vfsInUse(h, ours);
        const total = others.length + ours.length;
        expectThat(total <= MAX_MIGRATING_VFS_PER_PF, `at most ${MAX_MIGRATING_VFS_PER_PF} VFs of ${h.vars.pf_pci} given to VMs (at most ${MAX_MIGRATING_VFS_PER_PF} can be live-migrated at once)`, `${total}: ${ours.length} asked for (${ours.join(', ')}), ${others.length} already in use${others.length ? ` (${others.join(', ')})` : ''}`);
      },
    }),
    step({
      name: 'Step 7: VF interface XML written',
      hosts: 'source',
      check: async (h) => (await unwritten(h)).length === 0,
      run: async (h) => {
        for (const { a, xml } of await unwritten(h)) {
          h.note(`${xmlPath(h, a.vm, a.index)}: ${a.vm}, VF ${a.index} (${a.vf}), MAC ${a.mac}`);
          await h.put(xmlPath(h, a.vm, a.index), xml, { mode: 0o644 });
        }
      },
      verify: async (h) => {
        const left = await unwritten(h);
        expectThat(left.length === 0, 'each VF interface file holds the rendered XML', left.map(({ a }) => `${xmlPath(h, a.vm, a.index)} differs`).join(', '));
      },
    }),
    step({
      name: 'Step 8: VF attached to the VM (live and persistent)',
      hosts: 'source',
      check: async (h) => (await unattached(h)).length === 0,
      run: async (h) => {
        for (const a of await unattached(h)) await h.run(sh`virsh attach-device ${a.vm} ${xmlPath(h, a.vm, a.index)} --live --config`);
      },
      verify: async (h) => {
        for (const { vm, vf, mac } of await vfAssignments(h)) {
          const x = await h.fact(domainXml, vm);
          const iface = x.interfaces.find((i) => i.type === 'hostdev' && i.sourcePci === vf);
          expectThat(iface !== undefined, `a hostdev interface for ${vf} in virsh dumpxml ${vm}`, x.passthroughPci.join(', ') || 'no hostdev');
          expectThat(iface.mac === mac, `MAC ${mac} on the VF interface of ${vm}`, iface.mac);
        }
      },
    }),
  ],
});
