/**
 * Undo prepare-cx7 on a source and a destination (steps 5-1 in reverse): the VF representors and
 * the PF uplink off the OVS bridge, the bridge removed when prepare-cx7 created it (its external_id
 * marshal-created-by=prepare-cx7), the VFs back to their host driver, the VFs removed, the e-switch
 * back to legacy. Refused on both hosts of a pair while a VM on either holds a VF of the PF.
 *
 *   marshal run playbooks/unprepare-cx7.ts -i inventory
 *   marshal run playbooks/unprepare-cx7.ts -i fleet.yml --check    # what would change
 */
import { playbook } from 'marshal';
import { type Cx7Vars } from './lib/cx7';
import { unprepareSteps } from './lib/unprepare';
import { sharedVars } from './lib/vars';

export default playbook<Cx7Vars>({
  name: 'Undo the CX-7 preparation for VF live migration',
  hosts: 'source:destination',
  ...sharedVars('pf_pci', 'ovs_bridge', 'pair', 'vf_count'),
  steps: unprepareSteps(),
});
