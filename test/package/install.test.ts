/**
 * Marshal as a user gets it: `npm pack`, the tarball installed into new directories outside the
 * repository (npx, then the project's own `npm install`), `marshal init`, `npm test`, `marshal
 * check`, `marshal run --check`, `marshal run` and `marshal exec` of the example on real sshd hosts.
 * Network: the npm registry only (the project's dependencies); a private npm cache per run.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli';
import { startFleet, type TestFleet } from '../support/sshd';
import { iniInventory, recap, sshVars } from '../faults/support';

interface Ran {
  code: number | null;
  out: string;
}

const work = mkdtempSync(join(tmpdir(), 'marshal-install-'));
// a private cache: nothing of this test lands in ~/.npm, and the registry is the only network used
const env = { ...process.env, NO_COLOR: '1', npm_config_cache: join(work, 'npm-cache'), npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false', npm_config_prefer_offline: 'true' };
const project = join(work, 'fleet');
let tarball: string;
let fleet: TestFleet | undefined;

function run(cmd: string, args: string[], cwd: string, timeoutMs = 180_000): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const killer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(killer);
      resolve({ code, out });
    });
  });
}

beforeAll(async () => {
  // --ignore-scripts: `prepare` would rebuild dist/ under the feet of tests running beside this one
  const packed = await run('npm', ['pack', '--ignore-scripts', '--pack-destination', work], ROOT);
  expect(packed.code, packed.out).toBe(0);
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz'))!);
  fleet = await startFleet(2);
}, 180_000);

afterAll(async () => {
  await fleet?.stop();
  rmSync(work, { recursive: true, force: true });
});

describe('the packed tarball in a new project', () => {
  it('marshal init (through npx from the tarball), npm install, npm test, marshal check', async () => {
    // as the README says: mkdir fleet && cd fleet && npx --yes --package=<tgz> -- marshal init . --marshal-spec file:<tgz>
    mkdirSync(project);
    const init = await run('npx', ['--yes', `--package=${tarball}`, '--', 'marshal', 'init', '.', '--marshal-spec', `file:${tarball}`], project);
    expect(init.code, init.out).toBe(0);
    expect(init.out).toContain('playbooks/example.ts');
    const install = await run('npm', ['install'], project);
    expect(install.code, install.out).toBe(0);
    // Marshal's npm name under the alias `marshal`: 'marshal' and 'marshal/runner' resolve to it
    expect(tarball).toMatch(/\/marshal-playbook-\d+\.\d+\.\d+\.tgz$/);
    const deps = await run(process.execPath, ['-p', "[require('./package.json').dependencies.marshal, require('marshal/package.json').name, typeof require('marshal').playbook, typeof require('marshal/runner').loadPlaybook].join(' ')"], project);
    expect(deps.out.trim()).toBe(`file:${tarball} marshal-playbook function function`);
    const test = await run('npm', ['test'], project);
    expect(test.code, test.out).toBe(0);
    expect(test.out).toMatch(/# pass 2/);
    const check = await run('npx', ['marshal', 'check', 'playbooks/example.ts', '-i', 'inventory/hosts.ini'], project);
    expect(check.code, check.out).toBe(0);
    expect(check.out).toContain('playbooks/example.ts: ok (2 steps, 1 hosts)');
    // 98 s alone; it timed out at 240 s inside the full suite at load average ~15 (npm install + a nested npm test)
  }, 420_000);

  it('marshal run --check, marshal run and marshal exec of the example on real sshd hosts', async () => {
    const inv = join(project, 'inventory/test-fleet.ini');
    writeFileSync(inv, iniInventory(fleet!.hosts.map((h) => ({ name: h.name, vars: sshVars(fleet!, h) }))));
    const dry = await run('npx', ['marshal', 'run', 'playbooks/example.ts', '-i', inv, '--check'], project);
    expect(dry.code, `exit ${dry.code}: ${dry.out}`).toBe(0);
    expect(recap(dry.out, 'host1')).toMatchObject({ ok: 2, changed: 1, failed: 0 });
    const real = await run('npx', ['marshal', 'run', 'playbooks/example.ts', '-i', inv], project);
    expect(real.code, `exit ${real.code}: ${real.out}`).toBe(0);
    expect(recap(real.out, 'host2')).toMatchObject({ ok: 2, changed: 1, failed: 0 });
    const again = await run('npx', ['marshal', 'run', 'playbooks/example.ts', '-i', inv], project);
    expect(recap(again.out, 'host1')).toMatchObject({ ok: 2, changed: 0, failed: 0 });
    const exec = await run('npx', ['marshal', 'exec', 'all', '-i', inv, '--', 'cat', '.marshal-example.txt'], project);
    expect(exec.code, exec.out).toBe(0);
    expect(exec.out).toContain('host1 | CHANGED | rc=0 >>\nHello from Marshal, host1!\nhost2 | CHANGED | rc=0 >>\nHello from Marshal, host2!\n');
  }, 120_000);

  it('npx\'s install of the tarball alone (no @types/node anywhere) passes `marshal check` of a playbook outside any project (no TS2688)', async () => {
    const bare = join(work, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'p.ts'), "import { playbook, step, sh } from 'marshal';\nexport default playbook({ name: 'p', hosts: 'all', steps: [step({ name: 'uptime', run: async (h) => (await h.run(sh`uptime`)).stdout })] });\n");
    writeFileSync(join(bare, 'inv.ini'), 'localhost ansible_connection=local\n');
    // the same npx install as the first test's (its cache): no second install
    const check = await run('npx', ['--yes', `--package=${tarball}`, '--', 'marshal', 'check', 'p.ts', '-i', 'inv.ini'], bare);
    expect(check.out).not.toContain('TS2688');
    expect(check.code, check.out).toBe(0);
    expect(check.out).toContain('p.ts: ok (1 steps, 1 hosts)');
  }, 120_000);
});
