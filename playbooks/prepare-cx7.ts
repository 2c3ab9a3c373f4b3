/**
 * Prepare a source and a destination host with ConnectX-7 NICs for live migration of a VM
 * with an SR-IOV VF (RHEL 9 virtualization guide §11.6, prerequisites and steps 1-6).
 *
 *   marshal run playbooks/prepare-cx7.ts -i inventory            # the lab
 *   marshal run playbooks/prepare-cx7.ts -i fleet.yml --check    # what would change
 *
 * Both hosts of every pair run in parallel. Preflight runs on every host before anything
 * changes anywhere; if it fails on either host of a pair, neither host is changed.
 */
import { playbook } from 'marshal';
import { cx7Handlers, preflight, prepareSteps, type Cx7Vars } from './lib/cx7';
import { sharedVars } from './lib/vars';

export default playbook<Cx7Vars>({
  name: 'Prepare CX-7 hosts for VF live migration',
  hosts: 'source:destination',
  ...sharedVars('pf_pci', 'ovs_bridge', 'pair', 'vf_count'),
  steps: [...preflight(), ...prepareSteps()],
  handlers: cx7Handlers(),
});
