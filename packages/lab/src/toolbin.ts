/**
 * The per-host command scripts: tiny bash programs that forward argv to the lab daemon over
 * bash's /dev/tcp and eval its answer, so a call costs one bash start and no node start.
 */
import { mkdirSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HostState } from './model/types';
import type { DaemonInfo } from './layout';
import { toolsFor, ALL_TOOLS } from './tools';

export function shq(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export function toolScript(tool: string, host: string, d: DaemonInfo): string {
  return `#!/bin/bash
# marshal lab: simulated ${tool} on ${host}; the lab daemon computes the answer.
exec 3<>/dev/tcp/${d.address}/${d.port} || { echo ${shq(`${tool}: marshal lab daemon not reachable`)} >&2; exit 255; }
printf '%s\\0' ${d.token} ${shq(host)} ${shq(tool)} "$PWD" "$$" "$#" "$@" >&3
while IFS= read -r -d '' __marshal_m <&3; do eval "$__marshal_m"; done
echo ${shq(`${tool}: marshal lab daemon closed the connection`)} >&2
exit 255
`;
}

/** Makes the bin dir hold exactly the commands the host has now (a removed package removes its commands). */
export function writeToolBin(binDir: string, host: HostState, d: DaemonInfo): void {
  mkdirSync(binDir, { recursive: true });
  const want = new Set(toolsFor(host));
  for (const f of readdirSync(binDir)) if (ALL_TOOLS.includes(f) && !want.has(f)) rmSync(join(binDir, f), { force: true });
  for (const t of want) {
    const p = join(binDir, t);
    const text = toolScript(t, host.name, d);
    let old = '';
    try {
      old = readFileSync(p, 'utf8');
    } catch {
      /* new */
    }
    if (old !== text) writeFileSync(p, text, { mode: 0o755 });
  }
}

/** A shell fragment that prints the answer and exits with its code (the script evals it). */
export function answerFragment(stdout: string, stderr: string, code: number): string {
  let s = '';
  if (stdout) s += `printf %s ${shq(stdout)}; `;
  if (stderr) s += `printf %s ${shq(stderr)} >&2; `;
  return `${s}exit ${code}`;
}

export function askFragment(prompt: string): string {
  return `printf %s ${shq(prompt)}; __marshal_a=; IFS= read -r __marshal_a; printf '%s\\0' "$__marshal_a" >&3`;
}

export const HANG_FRAGMENT = 'exec sleep infinity';
