/** What a simulated command gets: the world, its host, its arguments and a view of the host's files. */
import type { HostState, NicHostState, GuestHostState, ToolResult } from '../model/types';
import type { World } from '../model/world';

export interface ToolContext {
  world: World;
  host: HostState;
  tool: string;
  argv: string[];
  cwd: string;
  /** Reads a file as the calling process sees it (its mount namespace); undefined when missing. */
  readFile(path: string): string | undefined;
  /** The line read from stdin after an `ask` result. */
  answer?: string;
  /** Call after changing state, so it is persisted. */
  changed(): void;
}

export type NicTool = (ctx: ToolContext, host: NicHostState) => ToolResult;
export type GuestTool = (ctx: ToolContext, host: GuestHostState) => ToolResult;

/** `-d X`, `--device=X`, flags... : a tiny getopt for the tools' option styles. */
export function takeOption(argv: string[], names: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    for (const n of names) {
      if (a === n && i + 1 < argv.length) {
        const v = argv[i + 1]!;
        argv.splice(i, 2);
        return v;
      }
      if (n.startsWith('--') && a.startsWith(`${n}=`)) {
        argv.splice(i, 1);
        return a.slice(n.length + 1);
      }
    }
  }
  return undefined;
}

export function takeFlag(argv: string[], names: string[]): boolean {
  let found = false;
  for (let i = argv.length - 1; i >= 0; i--) {
    if (names.includes(argv[i]!)) {
      argv.splice(i, 1);
      found = true;
    }
  }
  return found;
}
