/** Plugin commands (src/plugins.ts) as yargs commands: plugins describe options, yargs stays the core's business. */
import type { Argv, CommandModule } from 'yargs';
import type { PluginCommand } from '../plugins';

export function yargsCommand(c: PluginCommand): CommandModule<object, Record<string, unknown>> {
  return {
    command: c.command,
    describe: c.describe,
    builder: (y: Argv<object>) => {
      let out = y;
      for (const [name, o] of Object.entries(c.positionals ?? {})) out = out.positional(name, { type: o.type, describe: o.describe, ...(o.choices ? { choices: o.choices } : {}) });
      for (const [name, o] of Object.entries(c.options ?? {})) out = out.option(name, { type: o.type, describe: o.describe, ...(o.choices ? { choices: o.choices } : {}) });
      return out as Argv<Record<string, unknown>>;
    },
    handler: async (args) => {
      const code = await c.handler(args);
      if (typeof code === 'number') process.exitCode = code;
    },
  };
}
