/** Runs the project's built `marshal` CLI (the repository root, which lists this plugin) as a user would. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

/** The repository root: the project whose package.json lists @marshal/lab and holds playbooks/ and inventory/. */
export const ROOT = resolve(__dirname, '../../..');
export const CLI = resolve(ROOT, 'dist/cli/marshal.js');

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function marshal(args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((resolveP, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd: opts.cwd ?? ROOT, env: { ...process.env, NO_COLOR: '1', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolveP({ code, stdout, stderr });
    });
  });
}
