/**
 * Prerequisite 6: VF_MIGRATION_MODE=MIGRATION_ENABLED(2) in the NIC's firmware configuration.
 *
 * `mstconfig set` only changes the "Next Boot" value; the firmware applies it after a firmware
 * reset or a cold reboot. The reset takes the NIC down, so this playbook runs `mstfwreset` only
 * when asked explicitly:  marshal run playbooks/enable-migration-mode.ts -i inventory -e fw_reset=yes
 */
import { playbook, step, sh, expectThat, fail } from 'marshal';
import { mstconfigQuery, vfMigrationStatus, rpmPackage } from './lib/facts';
import { sharedVars } from './lib/vars';

interface Vars {
  pf_pci: string;
  /** 'yes' to run mstfwreset when the setting is pending (takes the NIC down). */
  fw_reset?: string | boolean;
}

const wantsReset = (v: Vars) => v.fw_reset === true || ['yes', 'true', '1'].includes(String(v.fw_reset ?? '').toLowerCase());

export default playbook<Vars>({
  name: 'Enable VF_MIGRATION_MODE on CX-7 firmware',
  hosts: 'source:destination',
  ...sharedVars('pf_pci'),
  steps: [
    step({
      name: 'mstflint installed',
      verify: async (h) => expectThat((await h.fact(rpmPackage, 'mstflint')).installed, 'package mstflint installed', 'not installed'),
    }),
    step({
      name: 'VF_MIGRATION_MODE=MIGRATION_ENABLED(2) for next boot',
      risk: 'firmware',
      check: async (h) => {
        const st = vfMigrationStatus(await h.fact(mstconfigQuery, h.vars.pf_pci));
        if (st.state === 'absent') fail(`${h.vars.pf_pci}: this firmware does not offer VF_MIGRATION_MODE (update the firmware to >= 28.36.1010)`);
        return st.nextBoot;
      },
      run: (h) => h.run(sh`mstconfig -y -d ${h.vars.pf_pci} set VF_MIGRATION_MODE=2`),
      verify: async (h) => {
        const st = vfMigrationStatus(await h.fact(mstconfigQuery, h.vars.pf_pci));
        expectThat(st.nextBoot, 'VF_MIGRATION_MODE=MIGRATION_ENABLED(2) in Next Boot', st.param?.next.raw);
        if (!st.inEffect) h.warn('VF_MIGRATION_MODE is pending: it takes effect after a firmware reset (-e fw_reset=yes) or a cold reboot');
      },
    }),
    step({
      name: 'Firmware reset applies VF_MIGRATION_MODE (mstfwreset, only with -e fw_reset=yes)',
      risk: 'firmware',
      check: async (h) => {
        const st = vfMigrationStatus(await h.fact(mstconfigQuery, h.vars.pf_pci));
        if (st.inEffect) return true;
        if (!wantsReset(h.vars)) {
          h.warn(`${h.name}: VF_MIGRATION_MODE is set for next boot only; not resetting the NIC without -e fw_reset=yes`);
          return true;
        }
        return false;
      },
      run: (h) => h.run(sh`mstfwreset -d ${h.vars.pf_pci} -y reset`),
      settle: 30,
      verify: async (h) => {
        const st = vfMigrationStatus(await h.fact(mstconfigQuery, h.vars.pf_pci));
        expectThat(st.inEffect === true, 'VF_MIGRATION_MODE in effect (Current = MIGRATION_ENABLED(2))', st.param?.current?.raw);
      },
    }),
  ],
});
