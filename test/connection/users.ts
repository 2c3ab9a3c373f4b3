/**
 * Lab-made account files for a test sshd's namespace: copies of the real passwd/group/
 * shadow plus users alice (sudo with password) and bob (sudo NOPASSWD), and a sudoers
 * that says so. Bind-mounted over /etc/* inside the server's namespace only; the real
 * files are read, never changed.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BindMount } from '@marshal/sshd-harness';

export const ALICE_PASSWORD = "s3cret pa$$word 'x'";
export const BOB_PASSWORD = 'bob-pw';

export function sudoAvailable(): boolean {
  try {
    execFileSync('sudo', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function labAccounts(dir: string): BindMount[] {
  mkdirSync(dir, { recursive: true });
  const home = join(dir, 'home');
  mkdirSync(join(home, 'alice'), { recursive: true });
  mkdirSync(join(home, 'bob'), { recursive: true });
  execFileSync('chown', ['4242:4242', join(home, 'alice')]);
  execFileSync('chown', ['4243:4243', join(home, 'bob')]);
  const hash = (pw: string): string => execFileSync('openssl', ['passwd', '-6', '-stdin'], { input: pw, encoding: 'utf8' }).trim();
  const files: Record<string, { text: string; mode: number }> = {
    passwd: {
      text:
        readFileSync('/etc/passwd', 'utf8').trimEnd() +
        `\nalice:x:4242:4242::${join(home, 'alice')}:/bin/sh\nbob:x:4243:4243::${join(home, 'bob')}:/bin/sh\n`,
      mode: 0o644,
    },
    group: { text: readFileSync('/etc/group', 'utf8').trimEnd() + '\nalice:x:4242:\nbob:x:4243:\n', mode: 0o644 },
    shadow: {
      text:
        readFileSync('/etc/shadow', 'utf8').trimEnd() +
        `\nalice:${hash(ALICE_PASSWORD)}:19000:0:99999:7:::\nbob:${hash(BOB_PASSWORD)}:19000:0:99999:7:::\n`,
      mode: 0o640,
    },
    sudoers: {
      text: 'Defaults lecture=never\nroot ALL=(ALL:ALL) ALL\nalice ALL=(ALL:ALL) ALL\nbob ALL=(ALL:ALL) NOPASSWD: ALL\n',
      mode: 0o440,
    },
  };
  return Object.entries(files).map(([name, f]) => {
    const p = join(dir, name);
    writeFileSync(p, f.text);
    chmodSync(p, f.mode);
    return { source: p, target: `/etc/${name}`, readOnly: true };
  });
}
