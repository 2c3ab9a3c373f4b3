/** ops.packages, ops.service, ops.sysctl, ops.user, ops.group: pure helpers, options, and the step logic. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { packageCommands, packagePlan, packages } from '../../src/ops/packages';
import { service, serviceActions } from '../../src/ops/service';
import { persistedText, sysctl } from '../../src/ops/sysctl';
import { group, groupChanges, user, useraddArgs, userChanges, type WantUser } from '../../src/ops/users';
import { parsePackageQuery } from '../../src/facts/package-query';
import { packages as packagesFact, services as servicesFact } from '../../src/facts/packages';
import { step } from '../../src/dsl/step';
import type { UnitStatus } from '../../src/facts/unit';
import { playbook } from '../../src/dsl/playbook';
import { runPlaybook } from '../../src/scheduler/run';
import type { StepList } from '../../src/dsl/types';
import { isPlaybookError } from '../../src/errors';
import { fakeConnector } from '../support/fake';
import { inventory, runLocal, statuses, tempDir } from './helpers';

const usage = (make: () => unknown, msg: string) => {
  let err: unknown;
  try {
    make();
  } catch (e) {
    err = e;
  }
  expect(isPlaybookError(err), `${msg}: ${String(err)}`).toBe(true);
  expect((err as Error).message).toContain(msg);
  expect((err as { file?: string }).file, 'the error names the calling file').toMatch(/system-ops\.test\.ts$/);
};

/** Runs steps against one fake host whose commands `answer` handles; returns the summary and the commands sent. */
async function runFake(steps: StepList, answer: (cmd: string) => { stdout?: string; exitCode?: number }, opts: { check?: boolean; diff?: boolean } = {}) {
  const sent: string[] = [];
  const { connect } = fakeConnector((_h, cmd) => {
    sent.push(cmd);
    return answer(cmd);
  });
  const s = await runPlaybook({ playbook: playbook({ name: 't', hosts: 'all', steps }), inventory, connect, ...opts });
  return { s, sent };
}

describe('packages()', () => {
  const q = parsePackageQuery('dnf\nlshw\tB.02.20-4.el9\tx86_64\nopenssl\t1:3.0.7-27.el9\tx86_64\n@@upgrades\nopenssl.x86_64   1:3.0.7-28.el9   baseos\n');

  it('plans install, upgrade and remove from the query', () => {
    expect(packagePlan(q, ['lshw', 'mstflint', 'openssl'], 'present')).toEqual({ install: ['mstflint'], upgrade: [], remove: [] });
    expect(packagePlan(q, ['lshw', 'mstflint', 'openssl'], 'latest')).toEqual({ install: ['mstflint'], upgrade: ['openssl'], remove: [] });
    expect(packagePlan(q, ['lshw', 'mstflint'], 'absent')).toEqual({ install: [], upgrade: [], remove: ['lshw'] });
  });

  it('one command per kind of change, every missing name in it; apt is noninteractive', () => {
    const plan = { install: ['a', 'b'], upgrade: ['c'], remove: [] };
    expect(packageCommands('dnf', plan).map((c) => c.text)).toEqual(['dnf -y -q install a b', 'dnf -y -q upgrade c']);
    expect(packageCommands('apt', plan, true).map((c) => c.text)).toEqual([
      'env DEBIAN_FRONTEND=noninteractive apt-get -y -q update',
      'env DEBIAN_FRONTEND=noninteractive apt-get -y -q install a b c',
    ]);
    expect(packageCommands('yum', { install: [], upgrade: [], remove: ['x'] }).map((c) => c.text)).toEqual(['yum -y -q remove x']);
    expect(packageCommands('apt', { install: [], upgrade: [], remove: [] }, true)).toEqual([]);
  });

  it('installs only the missing names in one transaction, then is ok; --check --diff says what it would do', async () => {
    const installed = new Set(['lshw']);
    const answer = (cmd: string) => {
      if (cmd.includes('rpm -q')) return { stdout: `dnf\n${[...installed].map((n) => `${n}\t1.0-1\tx86_64\n`).join('')}` };
      const m = /^dnf -y -q install (.*)$/.exec(cmd);
      if (m) for (const n of m[1]!.split(' ')) installed.add(n);
      return {};
    };
    const op = packages({ packages: ['lshw', 'mstflint', 'pciutils'] });
    const checked = await runFake([op], answer, { check: true, diff: true });
    expect(checked.s.results[0]).toMatchObject({ status: 'changed', predicted: true });
    expect(JSON.stringify(checked.s.results[0])).toContain('dnf: install mstflint, pciutils');
    expect(checked.sent.filter((c) => !c.includes('rpm -q'))).toEqual([]);
    const first = await runFake([op], answer);
    expect(statuses(first.s)).toEqual(['changed']);
    expect(first.sent.filter((c) => c.startsWith('dnf '))).toEqual(['dnf -y -q install mstflint pciutils']);
    expect(statuses((await runFake([op], answer)).s)).toEqual(['ok']);
  });

  it('bad options are usage errors naming the line', () => {
    usage(() => packages({ packages: [] }), '`packages` must be a package name or a non-empty list');
    usage(() => packages({ packages: ['-y'] }), 'not a package name: "-y"');
    usage(() => packages({ packages: 'x', state: 'newest' as never }), '`state` must be present, latest or absent');
    usage(() => packages({ packages: 'x', manager: 'zypper' as never }), '`manager` must be dnf, yum or apt');
  });
});

describe('service()', () => {
  const st = (active: string, unitFile: string, needDaemonReload = false): UnitStatus => ({ load: 'loaded', active, sub: active === 'active' ? 'running' : 'dead', unitFile, needDaemonReload });

  it('acts only on what differs; restarted and reloaded always act', () => {
    expect(serviceActions(st('active', 'enabled'), { state: 'started', enabled: true, daemonReload: true })).toEqual([]);
    expect(serviceActions(st('inactive', 'disabled', true), { state: 'started', enabled: true, daemonReload: true })).toEqual(['daemon-reload', 'enable', 'start']);
    expect(serviceActions(st('active', 'enabled'), { state: 'stopped', enabled: false, daemonReload: false })).toEqual(['disable', 'stop']);
    expect(serviceActions(st('active', 'static'), { enabled: true, daemonReload: false })).toEqual([]);
    expect(serviceActions(st('active', 'enabled'), { state: 'restarted', daemonReload: false })).toEqual(['restart']);
    expect(serviceActions(st('active', 'enabled'), { state: 'reloaded', daemonReload: false })).toEqual(['reload']);
    expect(serviceActions(st('failed', 'enabled'), { state: 'reloaded', daemonReload: false })).toEqual(['start']);
  });

  /** A tiny systemd: one unit, systemctl show / start / stop / enable / disable. */
  function systemd(unit = { active: 'inactive', unitFile: 'disabled' }) {
    return (cmd: string) => {
      if (cmd.startsWith('systemctl show')) return { stdout: `NeedDaemonReload=no\nLoadState=loaded\nActiveState=${unit.active}\nSubState=dead\nUnitFileState=${unit.unitFile}\n` };
      const verb = /^systemctl (\S+) -- app\.service$/.exec(cmd)?.[1];
      if (verb === 'start' || verb === 'restart') unit.active = 'active';
      if (verb === 'stop') unit.active = 'inactive';
      if (verb === 'enable') unit.unitFile = 'enabled';
      if (verb === 'disable') unit.unitFile = 'disabled';
      return {};
    };
  }

  it('started + enabled: changed, then ok; --check changes nothing', async () => {
    const sd = systemd();
    const op = service({ service: 'app', state: 'started', enabled: true });
    const c = await runFake([op], sd, { check: true, diff: true });
    expect(c.s.results[0]).toMatchObject({ status: 'changed', predicted: true });
    expect(JSON.stringify(c.s.results[0])).toContain('app.service: systemctl enable, start');
    const first = await runFake([op], sd);
    expect(statuses(first.s)).toEqual(['changed']);
    expect(first.sent.filter((x) => !x.startsWith('systemctl show'))).toEqual(['systemctl enable -- app.service', 'systemctl start -- app.service']);
    expect(statuses((await runFake([op], sd)).s)).toEqual(['ok']);
    expect(statuses((await runFake([service({ service: 'app', state: 'restarted' })], sd)).s)).toEqual(['changed']);
  });

  it('a unit that does not start fails verify with what it saw', async () => {
    const s = (await runFake([service({ service: 'app', state: 'started' })], (cmd) => (cmd.startsWith('systemctl show') ? { stdout: 'LoadState=loaded\nActiveState=failed\nSubState=failed\nUnitFileState=enabled\n' } : {}))).s;
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { kind: 'verify', message: expect.stringContaining('not running (failed)') } });
  });

  it('an unknown unit fails the step by name', async () => {
    const s = (await runFake([service({ service: 'nope', state: 'started' })], () => ({ stdout: 'LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n' }))).s;
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { message: expect.stringContaining('nope.service: systemd has no such unit') } });
  });

  it('bad options are usage errors', () => {
    usage(() => service({ service: 'x; rm -rf /', state: 'started' }), '`service` must be a unit name');
    usage(() => service({ service: 'x', state: 'running' as never }), '`state` must be started, stopped, restarted or reloaded');
    usage(() => service({ service: 'x' }), 'give at least one of');
  });
});

describe('sysctl()', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
    mkdirSync(join(t.dir, 'proc/net/ipv4'), { recursive: true });
    writeFileSync(join(t.dir, 'proc/net/ipv4/ip_forward'), '0\n');
    writeFileSync(join(t.dir, 'proc/net/ipv4/ip_local_port_range'), '32768\t60999\n');
  });
  afterEach(() => t.cleanup());

  it('persistedText replaces an earlier setting of the key and keeps the rest', () => {
    expect(persistedText(undefined, 'net.ipv4.ip_forward', '1')).toBe('net.ipv4.ip_forward = 1\n');
    expect(persistedText('# mine\nnet.ipv4.ip_forward=0\nvm.swappiness = 10\n', 'net.ipv4.ip_forward', '1')).toBe('# mine\nnet.ipv4.ip_forward = 1\nvm.swappiness = 10\n');
    expect(persistedText('net.ipv4Xip_forward = 0\n', 'net.ipv4.ip_forward', '1')).toBe('net.ipv4Xip_forward = 0\nnet.ipv4.ip_forward = 1\n');
  });

  it('sets the runtime value and the file, then is ok; --check --diff shows both and changes nothing', async () => {
    const root = join(t.dir, 'proc');
    const file = join(t.dir, 'sysctl.d/99-marshal.conf');
    const steps = [sysctl({ key: 'net.ipv4.ip_forward', value: 1, procRoot: root, file }), sysctl({ key: 'net.ipv4.ip_local_port_range', value: '32768 60999', procRoot: root, file })];
    const c = await runLocal(steps, { check: true, diff: true });
    expect(statuses(c)).toEqual(['changed', 'changed']);
    const shown = JSON.stringify(c.results);
    expect(shown).toContain('net.ipv4.ip_forward: 0 → 1');
    expect(shown).toContain('+net.ipv4.ip_forward = 1');
    expect(readFileSync(join(root, 'net/ipv4/ip_forward'), 'utf8')).toBe('0\n');
    expect(statuses(await runLocal(steps))).toEqual(['changed', 'changed']);
    expect(readFileSync(join(root, 'net/ipv4/ip_forward'), 'utf8')).toBe('1\n');
    expect(readFileSync(file, 'utf8')).toBe('net.ipv4.ip_forward = 1\nnet.ipv4.ip_local_port_range = 32768 60999\n');
    expect(statuses(await runLocal(steps))).toEqual(['ok', 'ok']);
  });

  it('persist: false touches no file; a missing key fails naming it', async () => {
    const root = join(t.dir, 'proc');
    expect(statuses(await runLocal([sysctl({ key: 'net.ipv4.ip_forward', value: '1', procRoot: root, persist: false })]))).toEqual(['changed']);
    const s = await runLocal([sysctl({ key: 'net.ipv4.nope', value: '1', procRoot: root, persist: false })]);
    expect(s.results[0]).toMatchObject({ status: 'failed', failure: { message: expect.stringContaining('the kernel has no parameter net.ipv4.nope') } });
  });

  it('bad options are usage errors', () => {
    usage(() => sysctl({ key: '../etc/passwd', value: 1 }), '`key` must be a parameter');
    usage(() => sysctl({ key: 'vm.swappiness', value: '1\n2' }), '`value` must be a number or one line');
    usage(() => sysctl({ key: 'vm.swappiness', value: 1, persist: false, file: '/etc/x.conf' }), '`file` goes with persist');
    usage(() => sysctl({ key: 'vm.swappiness', value: 1, procRoot: '/tmp/p', reload: true }), '`reload` applies the file');
  });
});

describe('user() and group()', () => {
  const alice = { name: 'alice', uid: 4242, gid: 4242, comment: '', home: '/home/alice', shell: '/bin/sh', group: 'alice', groups: ['audio', 'video'] };
  const want = (w: Partial<WantUser>): WantUser => ({ user: 'alice', append: false, system: false, createHome: true, ...w });

  it('userChanges: only what differs, groups exact or appended', () => {
    expect(userChanges(alice, want({ uid: 4242, shell: '/bin/sh', groups: ['video', 'audio'] }))).toEqual({ args: [], notes: [] });
    expect(userChanges(alice, want({ shell: '/bin/bash', groups: ['video', 'wheel'] }))).toEqual({ args: ['-s', '/bin/bash', '-G', 'video,wheel'], notes: ['shell /bin/sh → /bin/bash', 'groups +wheel -audio'] });
    expect(userChanges(alice, want({ groups: ['wheel'], append: true }))).toEqual({ args: ['-a', '-G', 'wheel'], notes: ['groups +wheel'] });
    expect(userChanges(alice, want({ groups: ['audio'], append: true }))).toEqual({ args: [], notes: [] });
    expect(userChanges(alice, want({ uid: 5000, group: 'staff' })).args).toEqual(['-u', '5000', '-g', 'staff']);
  });

  it('useraddArgs and groupChanges', () => {
    expect(useraddArgs(want({ uid: 5000, groups: ['wheel'], shell: '/bin/bash', system: true }))).toEqual(['-r', '-m', '-u', '5000', '-G', 'wheel', '-s', '/bin/bash', '--', 'alice']);
    expect(useraddArgs(want({ createHome: false }))).toEqual(['-M', '--', 'alice']);
    expect(groupChanges(undefined, 5000)).toEqual(['created with gid 5000']);
    expect(groupChanges({ name: 'g', gid: 10, members: [] }, 11)).toEqual(['gid 10 → 11']);
    expect(groupChanges({ name: 'g', gid: 10, members: [] }, undefined)).toEqual([]);
  });

  it('bad options are usage errors', () => {
    usage(() => user({ user: 'bad name' }), '`user` must be a user or group name');
    usage(() => user({ user: 'a', uid: -1 }), '`uid` must be a non-negative integer');
    usage(() => user({ user: 'a', shell: 'bash' }), '`shell` must be an absolute path');
    usage(() => user({ user: 'a', remove: true }), '`remove` goes with state absent');
    usage(() => user({ user: 'a', password: 'hunter2' }), '`password` must be a crypt(3) hash');
    usage(() => group({ group: 'g', gid: 1.5 }), '`gid` must be a non-negative integer');
    usage(() => group({ group: 'g', state: 'gone' as never }), "`state` must be 'present' or 'absent'");
  });
});

describe('the operations forget the facts they change', () => {
  it('packages() forgets facts.packages, service() facts.services, once they ran', async () => {
    let installed = false;
    let active = 'inactive';
    const gathered: string[] = [];
    const answer = (cmd: string) => {
      if (cmd.includes('echo dpkg')) {
        gathered.push('packages');
        return { stdout: `rpm\n${installed ? 'lshw\t1-1\tx86_64\n' : ''}` };
      }
      if (cmd.startsWith('systemctl list-units')) {
        gathered.push('services');
        return { stdout: `app.service loaded ${active} dead App\n` };
      }
      if (cmd.includes('rpm -q')) return { stdout: `dnf\n${installed ? 'lshw\t1-1\tx86_64\n' : ''}` };
      if (cmd.startsWith('systemctl show')) return { stdout: `LoadState=loaded\nActiveState=${active}\nSubState=dead\nUnitFileState=static\n` };
      if (cmd === 'dnf -y -q install lshw') installed = true;
      if (cmd === 'systemctl start -- app.service') active = 'active';
      return {};
    };
    const seen: unknown[] = [];
    const read = (name: string) => step({ name, verify: async (h) => void seen.push(Object.keys((await h.facts.get(packagesFact)).packages), (await h.facts.get(servicesFact))['app.service']?.active) });
    const { s } = await runFake([read('before'), packages({ packages: 'lshw' }), service({ service: 'app', state: 'started' }), read('after')], answer);
    expect(statuses(s)).toEqual(['ok', 'changed', 'changed', 'ok']);
    expect(gathered).toEqual(['packages', 'services', 'packages', 'services']);
    expect(seen).toEqual([[], 'inactive', ['lshw'], 'active']);
  });
});

describe('user() password', () => {
  const HASH = '$6$salt$abcdefghijklmnopqrstuvwxyz0123456789';
  it('is compared on the host and set with usermod -p only when it differs; the hash is a masked secret', async () => {
    let shadow = '!';
    const answer = (cmd: string) => {
      if (cmd.startsWith('getent passwd')) return { stdout: 'app:x:4301:4301::/home/app:/bin/sh\napp\napp\n' };
      if (cmd.startsWith('[ "$(getent shadow')) return { exitCode: cmd.includes(`'${shadow}'`) ? 0 : 1 };
      const m = /^usermod '-p' '([^']+)' '--' app$/.exec(cmd);
      if (m) shadow = m[1]!;
      return {};
    };
    const op = user({ user: 'app', password: HASH });
    const first = await runFake([op], answer, { diff: true });
    expect(statuses(first.s)).toEqual(['changed']);
    expect(first.s.results[0]!.notes).toEqual(['user app: password changed']);
    expect(shadow).toBe(HASH);
    expect(JSON.stringify(first.s.results)).not.toContain('abcdefghijklmnopqrstuvwxyz');
    expect(statuses((await runFake([op], answer)).s)).toEqual(['ok']);
  });
});
