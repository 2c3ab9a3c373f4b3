/** Running commands on lab hosts over real SSH (the `ssh` binary, strict host key checking). */
import { execFile } from 'node:child_process';
import { parse } from 'yaml';
import { readFileSync } from 'node:fs';

export interface SshResult {
  stdout: string;
  stderr: string;
  code: number;
}

export interface LabInventoryHost {
  ansible_host: string;
  ansible_port: number;
  ansible_ssh_private_key_file: string;
  marshal_known_hosts: string;
  [k: string]: unknown;
}

export function readInventory(file: string): Record<string, LabInventoryHost> {
  const inv = parse(readFileSync(file, 'utf8'));
  const out: Record<string, LabInventoryHost> = {};
  for (const g of Object.values(inv.all.children) as { hosts: Record<string, LabInventoryHost> }[]) Object.assign(out, g.hosts);
  return out;
}

export function ssh(h: LabInventoryHost, command: string, input?: string): Promise<SshResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'ssh',
      [
        '-i', h.ansible_ssh_private_key_file,
        '-o', `UserKnownHostsFile=${h.marshal_known_hosts}`,
        '-o', 'StrictHostKeyChecking=yes',
        '-o', 'BatchMode=yes',
        '-o', 'ConnectTimeout=10',
        '-p', String(h.ansible_port),
        `root@${h.ansible_host}`,
        command,
      ],
      { timeout: 30_000 },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? ((err as { code: number }).code) : 255) : 0;
        resolve({ stdout, stderr, code });
      },
    );
    if (input !== undefined) child.stdin!.end(input);
    else child.stdin!.end();
  });
}
