/**
 * IOMMU for VF passthrough (RHEL 9 "Enabling IOMMU"): `grubby --update-kernel=ALL --args=...`
 * with `intel_iommu=on iommu=pt` on Intel, `iommu=pt` on AMD (its IOMMU is on by default), then a
 * reboot, rolled out one pair at a time (the source before the destination), and verified in
 * /proc/cmdline and /sys/kernel/iommu_groups. Hosts that already boot with the arguments are left
 * alone. The reboot needs -e allow_reboot=yes (without it nothing changes on the host), and a host
 * with running VMs is refused unless -e allow_vm_hosts=yes.
 */
import { byVar, defineFact, expectThat, fail, facts, ops, playbook, sh, step, type HostContext } from 'marshal';
import { iommu } from './lib/facts';
import { sharedVars } from './lib/vars';
import { downGuard, ROLES, type RolloutVars } from './lib/rollout';
import { evidenceOf, observe } from './lib/evidence';

interface Vars extends RolloutVars {
  pair: string;
}

const INTEL = ['intel_iommu=on', 'iommu=pt'];
const AMD = ['iommu=pt'];

/** The CPU vendor as /proc/cpuinfo names it (GenuineIntel, AuthenticAMD). */
const cpuVendor = defineFact({
  name: 'cpu.vendor',
  command: () => sh`grep -m1 '^vendor_id' /proc/cpuinfo`,
  parse: (stdout) => /^vendor_id\s*:\s*(\S+)/.exec(stdout.trim())?.[1] ?? '',
});

async function wanted(h: HostContext<Vars>): Promise<string[]> {
  const vendor = await h.facts.get(cpuVendor);
  if (vendor === 'GenuineIntel') return INTEL;
  if (vendor === 'AuthenticAMD') return AMD;
  return fail(`${h.name}: no IOMMU arguments known for CPU vendor ${JSON.stringify(vendor)} (expected GenuineIntel or AuthenticAMD)`);
}

/** The running kernel lacks some of the arguments: this host needs the change and a reboot. */
const needsBoot = async (h: HostContext<Vars>) => ops.missingFromCmdline(await h.facts.refresh(facts.cmdline), await wanted(h)).length > 0;
/** Why the host must reboot: the running kernel's command line, which lacks the arguments. */
const cmdlineEvidence = async (h: HostContext<Vars>) => evidenceOf(await observe(h, facts.cmdline));
const isIntel = async (h: HostContext<Vars>) => (await h.facts.get(cpuVendor)) === 'GenuineIntel';

function rebootOn(role: string) {
  return [
    ops.reboot<Vars>({ name: `Reboot the ${role} into the IOMMU arguments (-e allow_reboot=yes)`, hosts: role, when: needsBoot, reason: 'IOMMU kernel arguments' }),
    step<Vars>({
      name: `IOMMU on in the running kernel of the ${role} (/proc/cmdline, /sys/kernel/iommu_groups)`,
      hosts: role,
      verify: async (h) => {
        const missing = ops.missingFromCmdline(await h.facts.refresh(facts.cmdline), await wanted(h));
        expectThat(missing.length === 0, `/proc/cmdline with ${(await wanted(h)).join(' ')}`, `lacks ${missing.join(' ')}`);
        const io = await h.fact(iommu);
        expectThat(io.groups > 0, 'IOMMU groups in /sys/kernel/iommu_groups', `${io.groups} groups`);
      },
    }),
  ];
}

export default playbook<Vars>({
  name: 'Enable the IOMMU on the kernel command line',
  hosts: 'source:destination',
  ...sharedVars('pair'),
  serial: 1,
  batchBy: byVar('pair'),
  anyErrorsFatal: true,
  steps: [
    // before anything changes: the boot loader is only edited on hosts that may then be rebooted
    downGuard<Vars>('source', 'reboot', needsBoot, cmdlineEvidence),
    downGuard<Vars>('destination', 'reboot', needsBoot, cmdlineEvidence),
    ops.kernelArgs<Vars>({ name: 'Kernel arguments intel_iommu=on iommu=pt (Intel)', args: INTEL, when: async (h) => (await needsBoot(h)) && (await isIntel(h)) }),
    ops.kernelArgs<Vars>({ name: 'Kernel argument iommu=pt (AMD)', args: AMD, when: async (h) => (await needsBoot(h)) && !(await isIntel(h)) }),
    ...ROLES.map(rebootOn),
  ],
});
