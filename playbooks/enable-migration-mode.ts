/**
 * Prerequisite 6: VF_MIGRATION_MODE=MIGRATION_ENABLED(2) in the NIC's firmware configuration,
 * rolled out one pair at a time.
 *
 * `mstconfig set` only changes the "Next Boot" value; the firmware applies it after a firmware
 * reset or a reboot. Both take the NIC (or the host) down, so they run only when asked:
 *   -e fw_reset=yes       mstfwreset on each host where the mode is pending (the host stays up)
 *   -e allow_reboot=yes   reboot each such host instead, wait for its new boot id
 * Either way: one pair at a time, the source before the destination (never both down at once),
 * never a host with running VMs unless -e allow_vm_hosts=yes, and the mode is verified `Current`.
 */
import { byVar, expectThat, fail, ops, playbook, sh, step, type HostContext } from 'marshal';
import { mstconfigQuery, vfMigrationStatus, rpmPackage } from './lib/facts';
import { sharedVars } from './lib/vars';
import { downGuard, ROLES, wants, type RolloutVars } from './lib/rollout';
import { evidenceOf, observe } from './lib/evidence';

interface Vars extends RolloutVars {
  pf_pci: string;
  pair: string;
}

const pending = async (h: HostContext<Vars>) => vfMigrationStatus(await h.facts.refresh(mstconfigQuery, h.vars.pf_pci)).inEffect !== true;
const byReset = async (h: HostContext<Vars>) => wants(h.vars, 'fw_reset') && (await pending(h));
const byReboot = async (h: HostContext<Vars>) => !wants(h.vars, 'fw_reset') && wants(h.vars, 'allow_reboot') && (await pending(h));
/** Why the host must go down: mstconfig's VF_MIGRATION_MODE line (Current differs from Next Boot). */
const pendingEvidence = async (h: HostContext<Vars>) => evidenceOf(await observe(h, mstconfigQuery, h.vars.pf_pci), 'VF_MIGRATION_MODE');

/** Reset or reboot one role of the pair, then read the mode back: `Current`, not only `Next Boot`. */
function applyOn(role: string) {
  return [
    downGuard<Vars>(role, 'firmware reset', byReset, pendingEvidence),
    step<Vars>({
      name: `Firmware reset applies VF_MIGRATION_MODE on the ${role} (mstfwreset, -e fw_reset=yes)`,
      hosts: role,
      risk: 'firmware',
      when: byReset,
      run: (h) => h.run(sh`mstfwreset -d ${h.vars.pf_pci} -y reset`),
    }),
    downGuard<Vars>(role, 'reboot', byReboot, pendingEvidence),
    ops.reboot<Vars>({ name: `Reboot the ${role} to apply VF_MIGRATION_MODE (-e allow_reboot=yes)`, hosts: role, when: byReboot, reason: 'VF_MIGRATION_MODE=2' }),
    step<Vars>({
      name: `VF_MIGRATION_MODE in effect on the ${role} (Current = MIGRATION_ENABLED(2))`,
      hosts: role,
      when: (h) => wants(h.vars, 'fw_reset') || wants(h.vars, 'allow_reboot'),
      settle: 30,
      verify: async (h) => {
        const st = vfMigrationStatus(await h.facts.refresh(mstconfigQuery, h.vars.pf_pci));
        expectThat(st.inEffect === true, 'VF_MIGRATION_MODE in effect (Current = MIGRATION_ENABLED(2))', st.param?.current?.raw);
      },
    }),
  ];
}

export default playbook<Vars>({
  name: 'Enable VF_MIGRATION_MODE on CX-7 firmware',
  hosts: 'source:destination',
  ...sharedVars('pf_pci', 'pair'),
  // one pair per batch; a host that fails (or does not come back) stops the rollout before its partner goes down
  serial: 1,
  batchBy: byVar('pair'),
  anyErrorsFatal: true,
  steps: [
    step({
      name: 'mstflint installed',
      verify: async (h) => expectThat((await h.fact(rpmPackage, 'mstflint')).installed, 'package mstflint installed', 'not installed'),
    }),
    step<Vars>({
      name: 'VF_MIGRATION_MODE=MIGRATION_ENABLED(2) for next boot',
      risk: 'firmware',
      check: async (h) => {
        const st = vfMigrationStatus(await h.facts.refresh(mstconfigQuery, h.vars.pf_pci));
        if (st.state === 'absent') fail(`${h.vars.pf_pci}: this firmware does not offer VF_MIGRATION_MODE (update the firmware to >= 28.36.1010)`);
        return st.nextBoot;
      },
      run: (h) => h.run(sh`mstconfig -y -d ${h.vars.pf_pci} set VF_MIGRATION_MODE=2`),
      verify: async (h) => {
        const st = vfMigrationStatus(await h.facts.refresh(mstconfigQuery, h.vars.pf_pci));
        expectThat(st.nextBoot, 'VF_MIGRATION_MODE=MIGRATION_ENABLED(2) in Next Boot', st.param?.next.raw);
        if (!st.inEffect && !wants(h.vars, 'fw_reset') && !wants(h.vars, 'allow_reboot')) {
          h.warn('VF_MIGRATION_MODE is pending: it takes effect after a firmware reset (-e fw_reset=yes) or a reboot (-e allow_reboot=yes)');
        }
      },
    }),
    ...ROLES.map(applyOn),
  ],
});
