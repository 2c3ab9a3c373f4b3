/** Specs pointing at test fleet hosts: strict host keys, the fleet's key, no ssh_config, no agent. */
import type { TestFleet, TestHost } from '../support/sshd';
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
