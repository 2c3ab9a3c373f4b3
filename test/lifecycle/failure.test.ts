/** The rule for which command a failure names: its own, its evidence, or (only without either) the last one run. */
import { describe, expect, it } from 'vitest';
import { toFailure } from '../../src/lifecycle/failure';
import { expectEqual, expectThat, fail } from '../../src/dsl/expect';
import { StepFailure } from '../../src/errors';

const LAST = "grep -H . /sys/bus/pci/devices/0000:5e:00.0/sriov_totalvfs";
const MST = { command: "mstflint -d 0000:5e:00.0 query", line: 'FW Version:            28.35.1000' };

function caught(f: () => void): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  throw new Error('did not throw');
}

describe('toFailure: the command a verify failure names', () => {
  it('without a command or evidence, the last command the step ran is appended', () => {
    const f = toFailure(caught(() => expectEqual('disabled', 'enabled', 'mode')), undefined, LAST);
    expect(f.command).toBe(LAST);
    expect(f.message).toBe(`mode: expected enabled, saw disabled (${LAST})`);
    expect(f.evidence).toBeUndefined();
  });

  it('with evidence, the last command is not appended: the message names the evidence', () => {
    const f = toFailure(caught(() => expectEqual('28.35.1000', '28.36.1010', 'running firmware', MST)), undefined, LAST);
    expect(f.command).toBeUndefined();
    expect(f.message).not.toContain('sriov_totalvfs');
    expect(f.message).toBe('running firmware: expected 28.36.1010, saw 28.35.1000 (mstflint -d 0000:5e:00.0 query: "FW Version:            28.35.1000")');
    expect(f.evidence).toEqual([MST]);
  });

  it('expectThat and fail carry evidence the same way; fail leaves its message as written', () => {
    const t = toFailure(caught(() => expectThat(false, 'IOMMU enabled', 'disabled', { command: 'ls /sys/kernel/iommu_groups' })), undefined, LAST);
    expect(t.message).toBe('expected IOMMU enabled, saw disabled (ls /sys/kernel/iommu_groups)');
    expect(t.command).toBeUndefined();
    const ev = [MST, { command: 'cat /proc/cmdline', line: 'ro quiet' }];
    const f = toFailure(caught(() => fail('two problems', { evidence: ev })), undefined, LAST);
    expect(f.message).toBe('two problems');
    expect(f.evidence).toEqual(ev);
    expect(f.command).toBeUndefined();
  });

  it("a failure's own command wins, and a command failure never borrows the last one", () => {
    const own = toFailure(new StepFailure('verify', 'bad', { command: 'virsh list' }), undefined, LAST);
    expect(own.command).toBe('virsh list');
    expect(own.message).toBe('bad (virsh list)');
    const cmd = toFailure(new StepFailure('command', 'exited 1'), undefined, LAST);
    expect(cmd.command).toBeUndefined();
  });
});
