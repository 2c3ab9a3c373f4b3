/**
 * Hosts that cannot be reached or refuse us, mixed into one run with healthy hosts: connection
 * refused, a port that never speaks (connect timeout), a name under .invalid (RFC 6761), a
 * wrong key and a wrong password. Each is unreachable with its reason, once, and the healthy
 * hosts finish; exit 4.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loopbackAddress, makeClientKey, startFleet, type TestFleet } from '../support/sshd';
import { marshal } from '../support/cli';
import { knownHostsLine } from '@marshal/sshd-harness';
import { labAccounts } from '../connection/users';
import { countingProxy, iniInventory, recap, silentPort, sshVars, type FakeEndpoint, type HostVars } from './support';

const PLAYBOOK = join(__dirname, 'fixtures/faults.ts');
const WRONG_PASSWORD = 'not-alices-pw-7f3a';

let fleet: TestFleet;
let silent: FakeEndpoint;
let keyProxy: FakeEndpoint;
let pwProxy: FakeEndpoint;
let inventory: string;
let strangerDir: string | undefined;
const ACCOUNTS = join('/tmp', `marshal-faults-accounts-${process.pid}`);

beforeAll(async () => {
  // hosts 1-2 healthy; host 3 trusts another key; host 4 has alice (password logins)
  strangerDir = mkdtempSync(join(tmpdir(), 'marshal-stranger-'));
  const stranger = makeClientKey(strangerDir);
  fleet = await startFleet(4, (i) =>
    i === 2
      ? { authorizedKeys: [stranger.publicKey] }
      : i === 3
        ? { binds: labAccounts(ACCOUNTS), extraConfig: ['Match User alice', '  PasswordAuthentication yes'] }
        : {},
  );
  silent = await silentPort(loopbackAddress());
  // The auth failures go through counting forwarders: one connection each, no retry storm.
  keyProxy = await countingProxy(loopbackAddress(), fleet.hosts[2]!);
  pwProxy = await countingProxy(loopbackAddress(), fleet.hosts[3]!);
  appendFileSync(
    fleet.knownHosts,
    [knownHostsLine(keyProxy.address, keyProxy.port, fleet.hosts[2]!.hostKey), knownHostsLine(pwProxy.address, pwProxy.port, fleet.hosts[3]!.hostKey)].join('\n') + '\n',
  );
  const [h1, h2] = fleet.hosts;
  inventory = join(fleet.dir, 'faults.ini');
  writeFileSync(
    inventory,
    iniInventory([
      { name: 'ok1', vars: sshVars(fleet, h1!) },
      { name: 'refused', vars: sshVars(fleet, { address: loopbackAddress(), port: 2222 }) },
      { name: 'silent', vars: sshVars(fleet, silent) },
      { name: 'nowhere', vars: sshVars(fleet, { address: 'nowhere.marshal.invalid', port: 22 }) },
      { name: 'wrongkey', vars: sshVars(fleet, keyProxy) },
      { name: 'wrongpw', vars: passwordOnly({ ...sshVars(fleet, pwProxy), ansible_user: 'alice', ansible_password: WRONG_PASSWORD }) },
      { name: 'ok2', vars: sshVars(fleet, h2!) },
    ]),
  );
});

/** Alice logs in by password only: no key offered. */
function passwordOnly(vars: HostVars): HostVars {
  const { ansible_ssh_private_key_file: _key, ...rest } = vars;
  return rest;
}

afterAll(async () => {
  await Promise.all([silent?.close(), keyProxy?.close(), pwProxy?.close()]);
  await fleet?.stop();
  for (const d of [ACCOUNTS, strangerDir]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('unreachable and refusing hosts in one run', () => {
  let r: Awaited<ReturnType<typeof marshal>>;
  let report: any;
  let log: any[];
  const reasons: Record<string, RegExp> = {
    refused: /^refused: connection refused \(127\.[\d.]+:2222\)$/,
    silent: /^silent: connection timed out \(127\.[\d.]+:\d+/,
    nowhere: /^nowhere: name does not resolve \(nowhere\.marshal\.invalid\)$/,
    wrongkey: /^wrongkey: authentication failed for root@127\.[\d.]+:\d+ \(tried: publickey \(.*id_ed25519\)\)$/,
    wrongpw: /^wrongpw: authentication failed for alice@127\.[\d.]+:\d+ \(tried: (.*, )?password\)$/,
  };

  beforeAll(async () => {
    const reportFile = join(fleet.dir, 'unreachable.json');
    const logFile = join(fleet.dir, 'unreachable.log');
    r = await marshal(['run', PLAYBOOK, '-i', inventory, '--connect-timeout', '2', '--report', reportFile, '--log-file', logFile]);
    report = JSON.parse(readFileSync(reportFile, 'utf8'));
    log = readFileSync(logFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
  });

  it('exits 4 and the healthy hosts complete every step', () => {
    expect(r.code, r.stdout + r.stderr).toBe(4);
    for (const [name, i] of [['ok1', 0], ['ok2', 1]] as const) {
      expect(recap(r.stdout, name)).toMatchObject({ ok: 5, changed: 5, unreachable: 0, failed: 0 });
      expect(existsSync(join(fleet.hosts[i]!.dir, 'home/state/done'))).toBe(true);
    }
  });

  it('reports each faulty host as unreachable with its reason, once, in console, report and log', () => {
    for (const [host, re] of Object.entries(reasons)) {
      expect(recap(r.stdout, host), host).toMatchObject({ ok: 0, changed: 0, unreachable: 1, failed: 0 });
      const lines = r.stdout.split('\n').filter((l) => l.startsWith(`unreachable: [${host}] `));
      expect(lines, host).toHaveLength(1);
      expect(lines[0]!.slice(`unreachable: [${host}] `.length)).toMatch(re);
      const results = report.results.filter((x: any) => x.host === host);
      expect(results, host).toHaveLength(1);
      expect(results[0]).toMatchObject({ status: 'unreachable', step: 'state directory', failure: { kind: host.startsWith('wrong') ? 'auth' : 'unreachable' } });
      expect(results[0].failure.message).toMatch(re);
      const logged = log.filter((l) => l.event === 'step_result' && l.host === host);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toMatchObject({ status: 'unreachable', level: 50 });
      expect(logged[0].failure.message).toMatch(re);
    }
    expect(report.exitCode).toBe(4);
    expect(report.stats.refused).toMatchObject({ unreachable: 1, ok: 0 });
  });

  it('does not retry a refused login: one TCP connection per refusing host for the whole run', () => {
    expect(keyProxy.connections()).toBe(1);
    expect(pwProxy.connections()).toBe(1);
    expect(silent.connections()).toBe(1);
  });

  it('never shows the wrong password', () => {
    const all = r.stdout + r.stderr + JSON.stringify(report) + JSON.stringify(log);
    expect(all).not.toContain(WRONG_PASSWORD);
  });
});
