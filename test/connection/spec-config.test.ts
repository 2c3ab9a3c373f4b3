import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseProxyJump, resolveSshConfig } from '../../src/connection/ssh-config';
import { resolveEndpoint } from '../../src/connection/resolve';
import { specFromHostVars } from '../../src/connection/spec';
import { classifyConnectError } from '../../src/connection/classify';
import { ConnectionPool } from '../../src/connection/pool';
import { UsageError } from '../../src/errors';
import type { Connection, ConnectionSpec } from '../../src/connection/types';

const dir = mkdtempSync(join(tmpdir(), 'marshal-sshcfg-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const cfg = join(dir, 'config');
writeFileSync(
  cfg,
  `Host bastion
  HostName 10.1.0.1
  User jumper
  Port 2201

Host web-* !web-bad
  HostName %h.internal
  Port 2222
  IdentityFile ~/.ssh/id_web
  ProxyJump bastion

Host *
  User deploy
  IdentityFile ~/.ssh/id_all
  StrictHostKeyChecking yes
`,
);

describe('ssh_config resolution', () => {
  it('applies Host patterns with first-value-wins and expands %h and ~', () => {
    expect(resolveSshConfig('web-1', [cfg])).toEqual({
      hostName: 'web-1.internal',
      port: 2222,
      user: 'deploy',
      identityFiles: [join(homedir(), '.ssh/id_web'), join(homedir(), '.ssh/id_all')],
      proxyJump: 'bastion',
      strictHostKeyChecking: 'yes',
    });
    expect(resolveSshConfig('web-bad', [cfg]).hostName).toBeUndefined();
  });

  it('lets inventory values win over ssh_config', () => {
    const spec: ConnectionSpec = { name: 'w', transport: 'ssh', host: 'web-2', port: 22, user: 'me', sshConfigFiles: [cfg], privateKeyFile: '/k' };
    const ep = resolveEndpoint(spec);
    expect(ep).toMatchObject({ address: 'web-2.internal', port: 22, user: 'me', explicitKey: '/k', policy: 'strict' });
    expect(ep.jumps).toEqual([{ host: 'bastion' }]);
    expect(resolveEndpoint({ ...spec, hostKeyPolicy: 'off' }).policy).toBe('off');
  });

  it('parses ProxyJump chains', () => {
    expect(parseProxyJump('a, u@b:2200,[::1]:22')).toEqual([{ host: 'a' }, { host: 'b', user: 'u', port: 2200 }, { host: '::1', port: 22 }]);
    expect(() => parseProxyJump('h:99999')).toThrow(UsageError);
  });
});

describe('specFromHostVars', () => {
  it('maps Ansible and marshal vars', () => {
    const s = specFromHostVars('db1', {
      ansible_host: '10.0.0.5',
      ansible_port: '2200',
      ansible_user: 'ops',
      ansible_password: 'pw',
      ansible_ssh_private_key_file: '~/.ssh/k',
      ansible_become: 'yes',
      ansible_become_password: 'bpw',
      marshal_known_hosts: ['/a', '/b'],
      marshal_host_key_checking: 'strict',
      marshal_max_sessions: 4,
    });
    expect(s).toEqual({
      name: 'db1',
      transport: 'ssh',
      host: '10.0.0.5',
      port: 2200,
      user: 'ops',
      password: 'pw',
      privateKeyFile: '~/.ssh/k',
      knownHostsFiles: ['/a', '/b'],
      hostKeyPolicy: 'strict',
      maxSessions: 4,
      become: { enabled: true, user: 'root', password: 'bpw' },
    });
  });

  it('defaults the address to the name and applies defaults under host vars', () => {
    expect(specFromHostVars('web1', { ansible_connection: 'local' }, { hostKeyPolicy: 'off' })).toEqual({
      name: 'web1', transport: 'local', host: 'web1', hostKeyPolicy: 'off',
    });
  });

  it.each([
    ['ansible_port', 'abc'],
    ['ansible_port', 70000],
    ['ansible_connection', 'winrm'],
    ['marshal_host_key_checking', 'maybe'],
    ['ansible_become', 'perhaps'],
    ['marshal_max_sessions', 0],
    ['marshal_known_hosts', 5],
  ])('rejects %s=%j naming host and var', (k, v) => {
    expect(() => specFromHostVars('h9', { [k]: v })).toThrow(new RegExp(`host h9: ${k} must be`));
  });
});

describe('connect error classification (cases a loopback lab cannot produce)', () => {
  const ctx = { name: 'h', address: 'x.invalid', port: 22, user: 'u', timeoutMs: 10, methods: [] };
  it.each([
    [{ code: 'ENOTFOUND', message: 'getaddrinfo ENOTFOUND' }, 'h: name does not resolve (x.invalid)'],
    [{ code: 'EAI_AGAIN', message: 'getaddrinfo EAI_AGAIN' }, 'h: name does not resolve (x.invalid)'],
    [{ code: 'EHOSTUNREACH', message: 'connect EHOSTUNREACH' }, 'h: no route to host (x.invalid:22): EHOSTUNREACH'],
    [{ code: 'ETIMEDOUT', message: 'connect ETIMEDOUT' }, 'h: connection timed out (x.invalid:22)'],
  ])('%j', (e, msg) => {
    const err = classifyConnectError(Object.assign(new Error(e.message), { code: e.code }), ctx);
    expect(err.kind).toBe('unreachable');
    expect(err.message).toBe(msg);
  });
});

describe('ConnectionPool', () => {
  function fake(spec: ConnectionSpec, log: string[], fail = false): Connection {
    return {
      spec,
      async connect() {
        log.push(`connect ${spec.name}`);
        await new Promise((r) => setTimeout(r, 10));
        if (fail) throw new Error('nope');
      },
      async exec() {
        throw new Error('unused');
      },
      async putFile() {},
      async close() {
        log.push(`close ${spec.name}`);
      },
    };
  }

  it('connects each host once even with concurrent callers, and closes all', async () => {
    const log: string[] = [];
    const pool = new ConnectionPool({ factory: (s) => fake(s, log, s.name === 'bad'), connectConcurrency: 2 });
    const spec = (name: string): ConnectionSpec => ({ name, transport: 'ssh', host: name });
    const [a1, a2] = await Promise.all([pool.get(spec('a')), pool.get(spec('a')), pool.get(spec('b'))]);
    expect(a1).toBe(a2);
    await expect(pool.get(spec('bad'))).rejects.toThrow('nope');
    await expect(pool.get(spec('bad'))).rejects.toThrow('nope');
    expect(log.filter((l) => l.startsWith('connect')).sort()).toEqual(['connect a', 'connect b', 'connect bad']);
    await pool.closeAll();
    expect(log.filter((l) => l.startsWith('close')).sort()).toEqual(['close a', 'close b', 'close bad']);
  });
});
