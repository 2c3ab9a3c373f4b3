import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { spawn } from 'node:child_process';
import { CLI, marshal, ROOT } from '../support/cli';

const PLAYBOOK = join(__dirname, 'fixtures/three-steps.ts');

let fleet: TestFleet;
let inventory: string;

function ini(f: TestFleet, extra: Record<string, string> = {}, more = ''): string {
  const lines = ['[web]'];
  for (const h of f.hosts) {
    const vars = { ansible_host: h.address, ansible_port: String(h.port), ansible_user: 'root', ansible_ssh_private_key_file: f.keyFile, ...(extra[h.name] ? { break_verify: extra[h.name]! } : {}) };
    lines.push(`${h.name} ${Object.entries(vars).map(([k, v]) => `${k}=${/\s/.test(v) ? JSON.stringify(v) : v}`).join(' ')}`);
  }
  lines.push('', '[all:vars]', `marshal_known_hosts=${f.knownHosts}`, 'marshal_host_key_checking=strict', 'greeting=hello from marshal', more);
  return lines.join('\n') + '\n';
}

const greetingFile = (i: number) => join(fleet.hosts[i]!.dir, 'home/state/greeting');

beforeAll(async () => {
  fleet = await startFleet(5);
  inventory = join(fleet.dir, 'hosts.ini');
  writeFileSync(inventory, ini(fleet));
});
afterAll(async () => fleet?.stop());

describe('marshal run against five real sshd hosts', () => {
  it('--check changes nothing and says what would change', async () => {
    const r = await marshal(['run', PLAYBOOK, '-i', inventory, '--check']);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    expect(r.stdout).toContain('would change: [host1]');
    for (let i = 0; i < 5; i++) expect(existsSync(join(fleet.hosts[i]!.dir, 'home/state'))).toBe(false);
  });

  it('runs three steps on 5 hosts in parallel; recap and JSON report agree; rerun changes nothing', async () => {
    const report = join(fleet.dir, 'report.json');
    const log = join(fleet.dir, 'run.log');
    const r = await marshal(['run', PLAYBOOK, '-i', inventory, '--report', report, '--log-file', log]);
    expect(r.code, r.stderr + r.stdout).toBe(0);
    for (let i = 1; i <= 5; i++) expect(r.stdout).toMatch(new RegExp(`host${i}\\s+: ok=3\\s+changed=3\\s+unreachable=0\\s+failed=0\\s+skipped=0\\s+rescued=0\\s+ignored=0`));
    for (let i = 0; i < 5; i++) {
      expect(readFileSync(greetingFile(i), 'utf8')).toBe('hello from marshal');
      expect(statSync(greetingFile(i)).mode & 0o777).toBe(0o600);
    }
    const json = JSON.parse(readFileSync(report, 'utf8'));
    expect(json.exitCode).toBe(0);
    expect(json.results).toHaveLength(15);
    expect(Object.values(json.stats).every((s: any) => s.changed === 3 && s.failed === 0)).toBe(true);
    // the steps overlapped across hosts: every host started step 1 before any host finished step 1
    const step1 = json.results.filter((x: any) => x.step === 'state directory exists');
    const firstEnd = Math.min(...step1.map((x: any) => Date.parse(x.startedAt) + x.durationMs));
    expect(step1.every((x: any) => Date.parse(x.startedAt) <= firstEnd)).toBe(true);
    const lines = readFileSync(log, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const results = lines.filter((l) => l.event === 'step_result');
    expect(results).toHaveLength(15);
    expect(results[0]).toMatchObject({ status: 'changed', exit_code: 0 });
    expect(typeof results[0].duration_ms).toBe('number');

    const again = await marshal(['run', PLAYBOOK, '-i', inventory]);
    expect(again.code).toBe(0);
    for (let i = 1; i <= 5; i++) expect(again.stdout).toMatch(new RegExp(`host${i}\\s+: ok=3\\s+changed=0`));
  });

  it('a failing verify fails that host with expected/seen; others finish; exit 2', async () => {
    const inv = join(fleet.dir, 'broken.ini');
    writeFileSync(inv, ini(fleet, { host3: 'something else' }).replace('greeting=hello from marshal', 'greeting=second greeting'));
    const r = await marshal(['run', PLAYBOOK, '-i', inv]);
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('failed: [host3] greeting written · greeting: expected something else, saw second greeting (cat /root/state/greeting)');
    expect(r.stdout).toMatch(/host3\s+: ok=1\s+changed=0\s+unreachable=0\s+failed=1/);
    expect(r.stdout).toMatch(/host5\s+: ok=3\s+changed=1\s+unreachable=0\s+failed=0/);
  });

  it('an unreachable host gives exit 4 and the others finish', async () => {
    const inv = join(fleet.dir, 'unreachable.ini');
    writeFileSync(inv, ini(fleet).replace('[all:vars]', `ghost ansible_host=127.0.0.1 ansible_port=1 ansible_user=root ansible_ssh_private_key_file=${fleet.keyFile}\n\n[all:vars]`));
    const r = await marshal(['run', PLAYBOOK, '-i', inv]);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/unreachable: \[ghost\] .*refused/);
    expect(r.stdout).toMatch(/ghost\s+: ok=0\s+changed=0\s+unreachable=1/);
    expect(r.stdout).toMatch(/host1\s+: ok=3/);
  });

  it('a hostile var reaches the remote command as literal text', async () => {
    const evil = '$(touch /root/pwned); `touch /root/pwned2`';
    const inv = join(fleet.dir, 'evil.ini');
    writeFileSync(inv, ini(fleet).replace(/\n\[web\]\n/, '\n[web]\n'));
    const r = await marshal(['run', PLAYBOOK, '-i', inv, '--limit', 'host1', '-e', JSON.stringify({ greeting: evil })]);
    expect(r.code, r.stdout).toBe(0);
    expect(readFileSync(greetingFile(0), 'utf8')).toBe(evil);
    expect(existsSync(join(fleet.hosts[0]!.dir, 'home/pwned'))).toBe(false);
    expect(existsSync(join(fleet.hosts[0]!.dir, 'home/pwned2'))).toBe(false);
  });

  it('--step asks before each step: no skips it, yes runs it', async () => {
    const r = await marshal(['run', PLAYBOOK, '-i', inventory, '--limit', 'host4', '--step', '-e', 'greeting=stepwise'], { input: 'y\nn\nn\n' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stderr).toContain('Perform step: state directory exists (N)o/(y)es/(c)ontinue:');
    expect(r.stdout).toContain('STEP [state directory exists]');
    expect(r.stdout).not.toContain('STEP [greeting written]');
    expect(readFileSync(greetingFile(3), 'utf8')).toBe('hello from marshal');
  });

  it('a reader that goes away (`| head`) does not stop the run half-way: the steps finish, the report says so', async () => {
    const report = join(fleet.dir, 'epipe-report.json');
    const child = spawn(process.execPath, [CLI, 'run', PLAYBOOK, '-i', inventory, '-e', 'greeting=after-the-pipe-closed', '--report', report], {
      cwd: ROOT,
      env: { ...process.env, NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    // Take the first chunk, then close our end as `head -1` would.
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
    expect(stderr).not.toMatch(/EPIPE|Unhandled/);
    expect(code, stderr).toBe(0);
    for (let i = 0; i < 5; i++) expect(readFileSync(greetingFile(i), 'utf8')).toBe('after-the-pipe-closed');
    expect(JSON.parse(readFileSync(report, 'utf8')).exitCode).toBe(0);
  });

  it('--list-tasks and --list-hosts touch no host', async () => {
    const r = await marshal(['run', PLAYBOOK, '-i', inventory, '--list-tasks', '--list-hosts', '--tags', 'mode']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('greeting is private');
    expect(r.stdout).not.toContain('greeting written');
    expect(r.stdout).toContain('hosts (5):');
  });
});

describe('host keys', () => {
  it('an unknown key under strict is refused with its fingerprint', async () => {
    const inv = join(fleet.dir, 'unknown-key.ini');
    const empty = join(fleet.dir, 'empty_known_hosts');
    writeFileSync(empty, '');
    writeFileSync(inv, ini(fleet).replace(`marshal_known_hosts=${fleet.knownHosts}`, `marshal_known_hosts=${empty}`));
    const r = await marshal(['run', PLAYBOOK, '-i', inv, '--limit', 'host2']);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/unreachable: \[host2\].*SHA256:[A-Za-z0-9+/]{43}/);
    expect(readFileSync(empty, 'utf8')).toBe('');
  });

  it('a changed key is refused under accept-new', async () => {
    const inv = join(fleet.dir, 'changed-key.ini');
    const kh = join(fleet.dir, 'changed_known_hosts');
    // the right address, someone else's key
    const other = fleet.hosts[3]!.hostKey;
    writeFileSync(kh, `[${fleet.hosts[1]!.address}]:${fleet.hosts[1]!.port} ${other}\n`);
    writeFileSync(inv, ini(fleet).replace(`marshal_known_hosts=${fleet.knownHosts}`, `marshal_known_hosts=${kh}`).replace('marshal_host_key_checking=strict', 'marshal_host_key_checking=accept-new'));
    const r = await marshal(['run', PLAYBOOK, '-i', inv, '--limit', 'host2']);
    expect(r.code).toBe(4);
    expect(r.stdout).toMatch(/unreachable: \[host2\].*(CHANGED|changed)/);
  });
});
