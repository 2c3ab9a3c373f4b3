/** The CX-7 playbooks' shared vars (playbooks/lib/vars.ts): one default, checked per group before anything runs. */
import { describe, expect, it } from 'vitest';
import { planRun } from '../../src/plan/plan';
import { validatePlan } from '../../src/plan/validate';
import { playbook } from '../../src/dsl/playbook';
import { step } from '../../src/dsl/step';
import prepare from '../../playbooks/prepare-cx7';
import fleet from '../../playbooks/prepare-fleet';
import attach from '../../playbooks/attach-vf';
import migrate from '../../playbooks/migrate-vm';
import enable from '../../playbooks/enable-migration-mode';
import { memoryInventory } from '../support/fake';

/** The vars issue 14's inventory sets: no ovs_bridge anywhere. */
const fleetInv = (over: { src?: object; dst?: object; guest?: object } = {}) =>
  memoryInventory({
    source: { src01: { pair: '1', pf_pci: '0000:5e:00.0', vm_name: 'vm1', ...over.src } },
    destination: { dst01: { pair: '1', pf_pci: '0000:5e:00.0', ...over.dst } },
    guests: { guest01: { pair: '1', vm_name: 'vm1', ping_target: '192.0.2.1', ...over.guest } },
  });

describe('shared CX-7 vars', () => {
  for (const [name, pb] of Object.entries({ prepare, fleet, attach, migrate, enable })) {
    it(`${name}: an inventory with only pair, pf_pci and vm_name (and the guest's ping_target) passes validation`, () => {
      expect(() => validatePlan(planRun({ playbook: pb, inventory: fleetInv() }))).not.toThrow();
    });
  }

  it('prepare, fleet and migrate (the users of ovs_bridge) get the one default on both ends', () => {
    for (const pb of [prepare, fleet, migrate]) {
      const plan = planRun({ playbook: pb, inventory: fleetInv() });
      expect(plan.host.get('src01')!.vars.ovs_bridge, pb.name).toBe('ovs-sriov');
      expect(plan.host.get('dst01')!.vars.ovs_bridge, pb.name).toBe('ovs-sriov');
    }
  });

  it('migrate-vm: a missing var is reported per host and group before anything runs; guests need no pf_pci', () => {
    const plan = planRun({ playbook: migrate, inventory: fleetInv({ dst: { pf_pci: '' }, guest: { ping_target: undefined } }) });
    expect(() => validatePlan(plan)).toThrow(/dst01: pf_pci \(required in group destination\)\n\s+guest01: ping_target \(required in group guests\)$/);
  });

  it('a set ovs_bridge wins over the default', () => {
    const plan = planRun({ playbook: prepare, inventory: fleetInv({ src: { ovs_bridge: 'br-vf' } }) });
    expect(plan.host.get('src01')!.vars.ovs_bridge).toBe('br-vf');
    expect(plan.host.get('dst01')!.vars.ovs_bridge).toBe('ovs-sriov');
  });

  it('playbook(): requires by group must map groups to lists', () => {
    const steps = [step({ name: 'x', verify: () => true })];
    expect(() => playbook({ name: 'p', hosts: 'all', requires: { source: 'pf_pci' } as never, steps })).toThrow(/requires\.source must be a list of var names/);
    const pb = playbook({ name: 'p', hosts: 'all', requires: { all: ['pair'], source: ['pf_pci'] }, steps });
    expect(pb.requires).toEqual(['pair']);
    expect(pb.requiresIn).toEqual({ source: ['pf_pci'] });
  });
});
