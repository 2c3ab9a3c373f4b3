/**
 * ops.packages end to end with the real apt-get and dpkg, on a real sshd host: its /etc, dpkg
 * database, apt lists and caches, /var/log and /opt are copies or temp dirs bind-mounted in its own
 * mount namespace, and its only apt source is a local repository of .debs built here (file:, no network).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';

const PLAYBOOK = join(__dirname, 'fixtures/apt-packages.ts');
const realStatus = createHash('sha256').update(readFileSync('/var/lib/dpkg/status')).digest('hex');
let fleet: TestFleet | undefined;
let root = '';
let inventory: string;

/** Builds marshal-<name>_<version>_all.deb (one file under /opt/marshal/) into `repo`. */
function deb(repo: string, name: string, version: string): void {
  const d = join(root, 'build', `${name}-${version}`);
  mkdirSync(join(d, 'DEBIAN'), { recursive: true });
  mkdirSync(join(d, 'opt/marshal'), { recursive: true });
  writeFileSync(join(d, 'DEBIAN/control'), `Package: ${name}\nVersion: ${version}\nArchitecture: all\nMaintainer: Marshal tests <tests@marshal.invalid>\nDescription: test package for ops.packages\n`);
  writeFileSync(join(d, 'opt/marshal', name), `${version}\n`);
  execFileSync('dpkg-deb', ['--root-owner-group', '-Zgzip', '--build', d, join(repo, `${name}_${version}_all.deb`)], { stdio: 'ignore' });
}

function repository(): string {
  const repo = join(root, 'opt/marshal-repo');
  mkdirSync(repo, { recursive: true });
  for (const [n, v] of [['marshal-hello', '1.0'], ['marshal-tools', '2.0'], ['marshal-up', '1.1'], ['marshal-old', '1.0']]) deb(repo, n!, v!);
  deb(join(root, 'build'), 'marshal-up', '1.0'); // installed before the run; the repository has 1.1
  // the Packages index as dpkg-scanpackages writes it (control fields, then Filename, Size, SHA256), without needing dpkg-dev
  const packages = readdirSync(repo)
    .filter((f) => f.endsWith('.deb'))
    .map((f) => {
      const bytes = readFileSync(join(repo, f));
      const control = execFileSync('dpkg-deb', ['-f', join(repo, f)], { encoding: 'utf8' }).trimEnd();
      return `${control}\nFilename: ./${f}\nSize: ${bytes.length}\nSHA256: ${createHash('sha256').update(bytes).digest('hex')}\n`;
    })
    .join('\n');
  writeFileSync(join(repo, 'Packages'), packages);
  const sum = createHash('sha256').update(packages).digest('hex');
  writeFileSync(join(repo, 'Release'), `Origin: marshal-tests\nLabel: marshal-tests\nDate: ${new Date().toUTCString()}\nSHA256:\n ${sum} ${Buffer.byteLength(packages)} Packages\n`);
  return repo;
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'marshal-apt-'));
  execFileSync('cp', ['-a', '/etc', join(root, 'etc')]);
  execFileSync('cp', ['-a', '/var/lib/dpkg', join(root, 'dpkg')]);
  // apt in the copy: only the local repository, none of the machine's hooks (appstream, packagekit...)
  for (const d of ['apt.conf.d', 'sources.list.d']) rmSync(join(root, 'etc/apt', d), { recursive: true, force: true });
  mkdirSync(join(root, 'etc/apt/sources.list.d'));
  mkdirSync(join(root, 'etc/apt/apt.conf.d'));
  writeFileSync(join(root, 'etc/apt/sources.list'), 'deb [trusted=yes] file:/opt/marshal-repo ./\n');
  for (const d of ['apt-lists/partial', 'apt-cache/archives/partial', 'log/apt', 'opt']) mkdirSync(join(root, d), { recursive: true });
  repository();
  fleet = await startFleet(1, () => ({
    binds: [
      { source: join(root, 'etc'), target: '/etc' },
      { source: join(root, 'dpkg'), target: '/var/lib/dpkg' },
      { source: join(root, 'apt-lists'), target: '/var/lib/apt/lists' },
      { source: join(root, 'apt-cache'), target: '/var/cache/apt' },
      { source: join(root, 'log'), target: '/var/log' },
      { source: join(root, 'opt'), target: '/opt' },
    ],
  }));
  const pid = String(fleet.hosts[0]!.pid);
  for (const p of ['build/marshal-up_1.0_all.deb', 'opt/marshal-repo/marshal-old_1.0_all.deb']) {
    execFileSync('nsenter', ['-t', pid, '-m', 'dpkg', '-i', p.replace(/^opt\//, '/opt/').replace(/^build\//, `${root}/build/`)], { stdio: 'ignore' });
  }
  const h = fleet.hosts[0]!;
  inventory = join(fleet.dir, 'hosts.ini');
  writeFileSync(inventory, `deb1 ansible_host=${h.address} ansible_port=${h.port} ansible_user=root ansible_ssh_private_key_file=${fleet.keyFile} marshal_known_hosts=${fleet.knownHosts}\n`);
}, 120_000);

afterAll(async () => {
  await fleet?.stop();
  if (root) rmSync(root, { recursive: true, force: true });
  expect(createHash('sha256').update(readFileSync('/var/lib/dpkg/status')).digest('hex')).toBe(realStatus);
  expect(existsSync('/opt/marshal')).toBe(false);
});

const status = (name: string) => {
  const block = readFileSync(join(root, 'dpkg/status'), 'utf8').split('\n\n').find((b) => b.startsWith(`Package: ${name}\n`));
  return block ? `${/^Status: (.*)$/m.exec(block)?.[1]} ${/^Version: (.*)$/m.exec(block)?.[1]}` : undefined;
};
const recap = (out: string) => /deb1\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=0\s+failed=0/.exec(out)?.slice(1);

describe('ops.packages with the real apt-get and dpkg', () => {
  it('--check --diff changes nothing; a run installs, upgrades and removes; the second run is all ok', async () => {
    expect(status('marshal-up')).toBe('install ok installed 1.0');
    const check = await marshal(['run', PLAYBOOK, '-i', inventory, '--check', '--diff']);
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(check.stdout).toContain('apt: install marshal-hello, marshal-tools');
    expect(check.stdout).toContain('apt: remove marshal-old 1.0');
    expect(status('marshal-hello')).toBeUndefined();

    const first = await marshal(['run', PLAYBOOK, '-i', inventory, '--diff']);
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toContain('apt: upgrade marshal-up 1.0 → 1.1');
    expect(recap(first.stdout)).toEqual(['3', '3']);
    expect(status('marshal-hello')).toBe('install ok installed 1.0');
    expect(status('marshal-tools')).toBe('install ok installed 2.0');
    expect(status('marshal-up')).toBe('install ok installed 1.1');
    expect(status('marshal-old') ?? 'not in the database').not.toMatch(/ok installed/);
    expect(readFileSync(join(root, 'opt/marshal/marshal-hello'), 'utf8')).toBe('1.0\n');
    expect(readdirSync(join(root, 'opt/marshal')).sort()).toEqual(['marshal-hello', 'marshal-tools', 'marshal-up']);

    const second = await marshal(['run', PLAYBOOK, '-i', inventory]);
    expect(second.code, second.stdout + second.stderr).toBe(0);
    expect(recap(second.stdout)).toEqual(['3', '0']);
    expect(statSync(join(root, 'apt-lists')).isDirectory()).toBe(true);
  }, 180_000);
});
