/** `marshal settings`: the settings table (the source of docs/settings.md). */
import type { CommandModule } from 'yargs';
import { SETTINGS, settingsMarkdown } from '../config/settings';

export const settingsCommand: CommandModule<object, { markdown?: boolean }> = {
  command: 'settings',
  describe: 'List every setting with its flag, environment variable and default',
  builder: (y) => y.option('markdown', { type: 'boolean', describe: 'print docs/settings.md' }) as never,
  handler: (a) => {
    if (a.markdown) process.stdout.write(settingsMarkdown());
    else for (const s of SETTINGS) process.stdout.write(`--${s.flag.padEnd(22)} ${(s.env ?? '').padEnd(30)} ${s.default === undefined ? '' : String(s.default)}\n`);
  },
};
