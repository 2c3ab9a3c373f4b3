import { describe, expect, it } from 'vitest';
import { execIfSimple } from '../../src/connection/wrap';

describe('execIfSimple', () => {
  it('execs one external command with plain or single-quoted words', () => {
    expect(execIfSimple('cat /proc/loadavg')).toBe('exec cat /proc/loadavg');
    expect(execIfSimple("devlink dev eswitch show pci/0000:e1:00.0")).toBe('exec devlink dev eswitch show pci/0000:e1:00.0');
    expect(execIfSimple("printf-like 'a b' c")).toBe("exec printf-like 'a b' c");
  });
  it('leaves anything the shell must interpret alone', () => {
    for (const cmd of [
      'echo 1 > /sys/bus/pci/devices/x/sriov_numvfs',
      'cat a | wc -l',
      'a; b',
      'a && b',
      'FOO=1 cmd',
      'echo hi',
      'cd /tmp',
      'test -d /root/state',
      'printf %s x',
      "cat -- 'it'\\''s'",
      'ls $HOME',
      'ls `pwd`',
      'sleep 1 &',
      'a\nb',
      'true',
    ]) {
      expect(execIfSimple(cmd), cmd).toBe(cmd);
    }
  });
});
