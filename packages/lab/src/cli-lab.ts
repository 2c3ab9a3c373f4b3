/* eslint-disable @typescript-eslint/no-require-imports -- the command loads the lab on use: every `marshal` start registers it */
/** `marshal lab up|status|down`: the simulated ConnectX-7 lab (logic in lab.ts). */
import type { PluginCommand } from 'marshal/runner';
import { UsageError } from 'marshal';

interface LabArgs {
  action?: string;
  dir?: string;
  hosts?: number;
  scenario?: string;
  net?: string;
  json?: boolean;
}

async function run(args: LabArgs): Promise<void> {
  const { labUp, labStatus, labDown, formatStatus } = require('./lab') as typeof import('./lab');
  const dir = args.dir;
  switch (args.action) {
    case 'up': {
      const r = await labUp({ ...(dir ? { dir } : {}), ...(args.hosts !== undefined ? { pairs: args.hosts } : {}), ...(args.scenario ? { scenario: args.scenario } : {}), ...(args.net ? { net: args.net } : {}) });
      if (args.json) process.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        process.stdout.write(
          `${r.dir.startsWith('/var/tmp/marshal-labs/') && !dir && !process.env.MARSHAL_LAB_DIR ? 'this checkout is under /tmp, which every simulated host hides: the lab lives outside it\n' : ''}lab up in ${r.dir}: scenario ${r.scenario}, ${r.pairs} pair(s), ${r.hosts.length} hosts (${r.started} started, ${r.reused} already running) in ${(r.elapsedMs / 1000).toFixed(1)} s\ninventory: ${r.inventory}\n`,
        );
      }
      return;
    }
    case 'status': {
      const s = await labStatus(dir ? { dir } : {});
      process.stdout.write(args.json ? JSON.stringify(s, null, 2) + '\n' : formatStatus(s));
      return;
    }
    case 'down': {
      const r = await labDown(dir ? { dir } : {});
      process.stdout.write(`lab down in ${r.dir}: ${r.stopped} host(s) stopped\n`);
      return;
    }
    default:
      throw new UsageError(`unknown lab action '${args.action ?? ''}' (use up, status or down)`);
  }
}

export const labCommand: PluginCommand = {
  command: 'lab <action>',
  describe: 'Simulated ConnectX-7 hosts over SSH: lab up | status | down',
  positionals: { action: { type: 'string', choices: ['up', 'status', 'down'], describe: 'what to do' } },
  options: {
    dir: { type: 'string', describe: 'lab directory (default $MARSHAL_LAB_DIR or ./.marshal/lab)' },
    hosts: { type: 'number', describe: 'number of source/destination pairs (lab up)' },
    scenario: { type: 'string', describe: 'scenario name (packages/lab/src/scenarios) or YAML file (lab up)' },
    net: { type: 'string', describe: 'loopback /24 for the hosts, e.g. 127.77.0 (lab up)' },
    json: { type: 'boolean', describe: 'machine-readable output' },
  },
  handler: (args) => run(args as LabArgs),
};
