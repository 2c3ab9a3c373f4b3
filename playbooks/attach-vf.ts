/**
 * Steps 7-8: write the VF's libvirt interface XML on the source host (templates/mlx_vf.xml.hbs)
 * and attach it to the running VM (`virsh attach-device <vm> <file> --live --config`).
 *
 *   marshal run playbooks/attach-vf.ts -i inventory --diff      # shows the rendered XML
 */
import { playbook, step, across, sh, expectThat, fail } from 'marshal';
import { domains, domainXml } from './lib/facts';
import { byPair, vfPci } from './lib/cx7';
import { sharedVars } from './lib/vars';
import { MAX_MIGRATING_VFS_PER_PF, allDomainXml, noViommu, renderVfXml, vfIdentity, vfsInUse, xmlPath, type VfVars } from './lib/vf';

export default playbook<VfVars>({
  name: 'Attach the CX-7 VF to the VM',
  hosts: 'source:destination',
  ...sharedVars('pf_pci', 'pair', 'vm_name'),
  steps: [
    step({
      name: 'VM is running on the source',
      hosts: 'source',
      verify: async (h) => {
        if (!h.vars.vm_name) fail('no vm_name var for this source host');
        const d = (await h.fact(domains)).find((x) => x.name === h.vars.vm_name);
        expectThat(d?.state === 'running', `domain ${h.vars.vm_name} running`, d ? d.state : 'no such domain');
      },
    }),
    noViommu(),
    across({
      name: 'VF MAC address is unique on source and destination',
      across: byPair,
      verify: async (g) => {
        const src = g.one('source');
        const dst = g.one('destination');
        const { vf, mac } = await vfIdentity(src);
        for (const host of [src, dst]) {
          for (const d of await allDomainXml(host)) {
            // the interface this playbook attached on an earlier run is not a clash
            const clash = d.interfaces.find((i) => i.mac === mac && !(host === src && d.name === src.vars.vm_name && i.sourcePci === vf));
            if (clash) fail(`MAC ${mac} is already used by domain ${d.name} on ${host.name}; set vf_mac to a unique address`, { expected: 'an unused MAC', seen: `${mac} on ${host.name}/${d.name}` });
          }
        }
      },
    }),
    step({
      name: `At most ${MAX_MIGRATING_VFS_PER_PF} VFs of the PF attached to VMs`,
      hosts: 'source',
      verify: async (h) => {
        const vf = await vfPci(h);
        const others = await vfsInUse(h, vf);
        expectThat(others.length < MAX_MIGRATING_VFS_PER_PF, `fewer than ${MAX_MIGRATING_VFS_PER_PF} other VFs of ${h.vars.pf_pci} in use (at most ${MAX_MIGRATING_VFS_PER_PF} can be live-migrated at once)`, `${others.length}: ${others.join(', ')}`);
      },
    }),
    step({
      name: 'Step 7: VF interface XML written',
      hosts: 'source',
      check: async (h) => {
        const { xml } = await renderVfXml(h);
        return (await h.run(sh`cat -- ${xmlPath(h)}`, { okExitCodes: [0, 1] })).stdout === xml;
      },
      run: async (h) => {
        const { xml, mac, vf } = await renderVfXml(h);
        h.note(`${xmlPath(h)}: VF ${vf}, MAC ${mac}`);
        return h.put(xmlPath(h), xml, { mode: 0o644 });
      },
      verify: async (h) => {
        const { xml } = await renderVfXml(h);
        expectThat((await h.run(sh`cat -- ${xmlPath(h)}`)).stdout === xml, `${xmlPath(h)} holds the rendered XML`, 'different content');
      },
    }),
    step({
      name: 'Step 8: VF attached to the VM (live and persistent)',
      hosts: 'source',
      check: async (h) => (await h.fact(domainXml, h.vars.vm_name)).passthroughPci.includes(await vfPci(h)),
      run: (h) => h.run(sh`virsh attach-device ${h.vars.vm_name} ${xmlPath(h)} --live --config`),
      verify: async (h) => {
        const { vf, mac } = await vfIdentity(h);
        const x = await h.fact(domainXml, h.vars.vm_name);
        const iface = x.interfaces.find((i) => i.type === 'hostdev' && i.sourcePci === vf);
        expectThat(iface !== undefined, `a hostdev interface for ${vf} in virsh dumpxml ${h.vars.vm_name}`, x.passthroughPci.join(', ') || 'no hostdev');
        expectThat(iface.mac === mac, `MAC ${mac} on the VF interface`, iface.mac);
      },
    }),
  ],
});
