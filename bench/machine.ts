/** What the figures were measured on, and the tools the bench needs (installed via apt when missing). */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, totalmem, release } from 'node:os';
import { join } from 'node:path';
import { GNU_TIME } from './measure';

export interface MachineInfo {
  date: string;
  cpu: string;
  cores: number;
  memGiB: number;
  kernel: string;
  os: string;
  node: string;
  marshal: string;
  ssh2: string;
  ansible: string;
  /** Debian's ansible-mitogen version (absent in figures from before it was a contender). */
  mitogen?: string;
  openssh: string;
}

const MITOGEN_DIR = '/usr/lib/python3/dist-packages/ansible_mitogen';

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '';
}

export function machineInfo(repo: string): MachineInfo {
  const osRelease = existsSync('/etc/os-release') ? readFileSync('/etc/os-release', 'utf8') : '';
  const pkg = (name: string): string => JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')).version;
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    os: /PRETTY_NAME="([^"]+)"/.exec(osRelease)?.[1] ?? 'unknown',
    node: process.version,
    marshal: JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')).version,
    ssh2: pkg('ssh2'),
    ansible: firstLine('ansible-playbook', ['--version']).replace(/^ansible-playbook\s*/, ''),
    mitogen: firstLine('dpkg-query', ['-W', '-f', '${Version}', 'ansible-mitogen']) || 'not installed',
    openssh: firstLine('ssh', ['-V']),
  };
}

export function loadAvg(): number {
  return Number(readFileSync('/proc/loadavg', 'utf8').split(' ')[0]);
}

function cpuTimes(): { busy: number; total: number } {
  const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0); // idle + iowait
  return { busy: total - idle, total };
}

/**
 * Waits until the machine is quiet: CPU busy below `threshold` (a fraction of all cores) over a
 * 300 ms window, or `maxMs` passed. A run that starts while the previous one's processes are
 * still exiting (Ansible's ssh masters, sshd sessions closing) would be charged for them.
 * Returns the busy fraction of the last window.
 */
export async function waitQuiet(threshold = 0.15, maxMs = 20_000): Promise<number> {
  const deadline = Date.now() + maxMs;
  for (;;) {
    const a = cpuTimes();
    await new Promise((r) => setTimeout(r, 300));
    const b = cpuTimes();
    const busy = b.total > a.total ? (b.busy - a.busy) / (b.total - a.total) : 0;
    if (busy < threshold || Date.now() > deadline) return busy;
  }
}

function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Installs what is missing with apt, saying so; returns the notes for the report. */
export function ensureTools(say: (s: string) => void): string[] {
  const notes: string[] = [];
  const missing: string[] = [];
  if (!existsSync(GNU_TIME)) missing.push('time');
  if (!hasCommand('ansible-playbook')) missing.push('ansible-core');
  if (!existsSync(MITOGEN_DIR)) missing.push('ansible-mitogen');
  if (!existsSync('/usr/sbin/sshd')) missing.push('openssh-server');
  if (missing.length) {
    say(`bench: installing ${missing.join(', ')} with apt-get (missing on this machine)`);
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    execFileSync('apt-get', ['install', '-y', '-qq', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
    notes.push(`installed with apt-get for this run: ${missing.join(', ')}`);
  }
  return notes;
}
