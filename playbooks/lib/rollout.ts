/**
 * Rolling changes that take a host down (firmware reset, reboot): the opt-ins and the guard every
 * such step shares. Playbooks run them with `serial: 1, batchBy: byVar('pair')` (one pair at a
 * time), the source's steps before the destination's (never both hosts of a pair down at once),
 * and `anyErrorsFatal` (a host that does not come back stops the rollout before its partner).
 */
import { describeEvidence, fail, ops, sh, step, type Evidence, type HostContext, type HostStep } from 'marshal';
import { domains } from './facts';
import { evidenceOf, observe } from './evidence';

export interface RolloutVars {
  /** 'yes': reset the NIC's firmware (mstfwreset) to apply pending firmware configuration. */
  fw_reset?: string | boolean;
  /** 'yes': reboot hosts where needed (ops.reboot's opt-in). */
  allow_reboot?: string | boolean;
  /** 'yes': also reset or reboot a host with running VMs (they stop). */
  allow_vm_hosts?: string | boolean;
}

export const ROLES = ['source', 'destination'] as const;

export const wants = (v: RolloutVars, name: keyof RolloutVars): boolean => ops.optedIn(v as Record<string, unknown>, name);

/** The running domains of a host, each with its line of `virsh list --all` (none when libvirt is not installed). */
async function runningVms(h: HostContext): Promise<{ name: string; evidence: Evidence }[]> {
  if (!(await h.test(sh`command -v virsh`))) return [];
  const list = await observe(h, domains);
  // the domain's own row: its name as a whole word, then its state
  const row = (name: string) => new RegExp(`\\s${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+running\\s*$`);
  return list.value.filter((d) => d.state === 'running').map((d) => ({ name: d.name, evidence: evidenceOf(list, row(d.name)) }));
}

/**
 * A read-only guard before a host goes down: the opt-in for `how` is given, and no VM runs there
 * unless -e allow_vm_hosts=yes. Runs only where `needed` says the host must go down; `why` reads
 * the evidence of that (the command and line), which a refusal names instead of the step's last command.
 */
export function downGuard<V extends RolloutVars>(
  role: string,
  how: 'firmware reset' | 'reboot',
  needed: (h: HostContext<V>) => Promise<boolean>,
  why: (h: HostContext<V>) => Promise<Evidence>,
): HostStep<V> {
  return step<V>({
    name: `Ready to ${how} the ${role} (opt-in given, no running VM)`,
    hosts: role,
    when: needed,
    verify: async (h) => {
      const optIn = how === 'reboot' ? 'allow_reboot' : 'fw_reset';
      if (!wants(h.vars, optIn)) {
        const evidence = await why(h);
        fail(`refusing to ${how} ${h.name}: it needs the explicit opt-in -e ${optIn}=yes; nothing was changed on it (needed: ${describeEvidence(evidence)})`, { evidence });
      }
      const vms = await runningVms(h as HostContext);
      if (vms.length > 0 && !wants(h.vars, 'allow_vm_hosts')) {
        const names = vms.map((v) => v.name).join(', ');
        fail(`refusing to ${how} ${h.name}: VMs are running there (${names}); migrate or stop them, or pass -e allow_vm_hosts=yes (${vms.map((v) => describeEvidence(v.evidence)).join('; ')})`, {
          expected: 'no running VM',
          seen: names,
          evidence: vms.map((v) => v.evidence),
        });
      }
    },
  });
}
