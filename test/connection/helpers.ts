/** Specs pointing at test fleet hosts: strict host keys, the fleet's key, no ssh_config, no agent; one connected host. */
import { afterAll, beforeAll } from 'vitest';
import { startFleet, type TestFleet, type TestHost } from '../support/sshd';
import { SshConnection } from '../../src/connection/ssh';
import type { ConnectionSpec } from '../../src/connection/types';

export function specFor(fleet: TestFleet, host: TestHost, extra: Partial<ConnectionSpec> = {}): ConnectionSpec {
  return {
    name: host.name,
    transport: 'ssh',
    host: host.address,
    port: host.port,
    user: 'root',
    privateKeyFile: fleet.keyFile,
    knownHostsFiles: [fleet.knownHosts],
    hostKeyPolicy: 'strict',
    sshConfigFiles: [],
    agent: false,
    ...extra,
  };
}

/**
 * One sshd host and a connected root SshConnection to it, started before the enclosing tests
 * (beforeAll) and stopped after them (afterAll). Read `fleet` and `conn` inside tests.
 */
export function connectedHost(): { readonly fleet: TestFleet; readonly conn: SshConnection } {
  const h = {} as { fleet: TestFleet; conn: SshConnection };
  beforeAll(async () => {
    h.fleet = await startFleet(1);
    h.conn = new SshConnection(specFor(h.fleet, h.fleet.hosts[0]!));
    await h.conn.connect();
  });
  afterAll(async () => {
    await h.conn?.close();
    await h.fleet?.stop();
  });
  return h;
}
