/**
 * prepare-cx7 for whole fleets, in rolling batches of source/destination pairs: each batch is
 * prepared (preflight included) before the next starts, and a pair is never split across batches.
 *
 *   marshal run playbooks/prepare-fleet.ts -i fleet.yml                  # 5 pairs at a time
 *   MARSHAL_FLEET_BATCH=25% marshal run playbooks/prepare-fleet.ts -i fleet.yml
 *   marshal run playbooks/prepare-fleet.ts -i fleet.yml --limit 'rack1*'
 *
 * Resumable: run it again after a failure or an interrupt; every step checks first, so what is
 * done reports ok and each pair continues where it stands. The recap ends with a line per pair.
 */
import { playbook } from 'marshal';
import { byPair, cx7Handlers, pairSummary, preflight, prepareSteps, type Cx7Vars } from './lib/cx7';
import { sharedVars } from './lib/vars';

export default playbook<Cx7Vars>({
  name: 'Prepare a CX-7 fleet for VF live migration (rolling, by pair)',
  hosts: 'source:destination',
  ...sharedVars('pf_pci', 'ovs_bridge', 'pair', 'vf_count'),
  serial: process.env.MARSHAL_FLEET_BATCH ?? 5,
  batchBy: byPair,
  // stop rolling out when a batch goes badly: more than a fifth of its hosts failed
  maxFailPercentage: 20,
  // where each pair stands (prepared / refused by preflight / failed at step N / not reached): a rerun continues from there
  summaryBy: pairSummary,
  steps: [...preflight(), ...prepareSteps()],
  handlers: cx7Handlers(),
});
