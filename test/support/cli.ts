/** Runs the built CLI (dist/) as a user would, capturing output and exit code. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const ROOT = resolve(__dirname, '../..');
export const CLI = resolve(ROOT, 'dist/cli/marshal.js');

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export function marshal(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; input?: string; onSpawn?: (pid: number) => void; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: { ...process.env, NO_COLOR: '1', ...opts.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolveP({ code, signal, stdout, stderr });
    });
    if (opts.onSpawn && child.pid) opts.onSpawn(child.pid);
    child.stdin.end(opts.input ?? '');
  });
}
